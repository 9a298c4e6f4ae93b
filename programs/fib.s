; fib: the n-th Fibonacci number, computed twice: by a loop and by plain recursion
; (fib(0) = 0, fib(1) = 1). The recursive version makes about 2 * fib(n) calls, so it is
; skipped above n = 30.
;
; Arguments: n=N, 0 <= N <= 46 (fib(47) does not fit 32 bits); default 20.
; A bad n prints a message on standard error and exits 2.
;
; args: n=20
; expect-stdout: fib(20) = 6765 (iterative)\n
; expect-stdout: fib(20) = 6765 (recursive)\n
; expect-exit: 0

.include "lib/start.s"

.equ MAX_N, 46
.equ MAX_RECURSIVE_N, 30

main:
    save_ra_s1
    la a0, key_n
    li a1, 20
    call arg_int
    mv s0, a0                   ; s0 = n
    beqz a1, main_bad_n
    bltz s0, main_bad_n
    li t0, MAX_N
    bgt s0, t0, main_bad_n

    mv a0, s0
    call fib_iter
    mv a2, a0
    mv a0, s0
    la a1, str_iterative
    call print_fib

    li t0, MAX_RECURSIVE_N
    bgt s0, t0, main_skip
    mv a0, s0
    call fib_rec
    mv a2, a0
    mv a0, s0
    la a1, str_recursive
    call print_fib
    li a0, 0
    j main_ret
main_skip:
    la a0, str_skipped
    call print_str
    li a0, 0
    j main_ret
main_bad_n:
    la a0, str_bad_n
    call eprint_str
    li a0, 2
main_ret:
    restore_ra_s1
    ret

fib_iter:                       ; fib_iter(a0 = n) -> fib(n)
    li t0, 0                    ; fib(i)
    li t1, 1                    ; fib(i + 1)
fib_iter_loop:
    beqz a0, fib_iter_done
    add t2, t0, t1
    mv t0, t1
    mv t1, t2
    addi a0, a0, -1
    j fib_iter_loop
fib_iter_done:
    mv a0, t0
    ret

fib_rec:                        ; fib_rec(a0 = n) -> fib(n) = fib(n - 1) + fib(n - 2)
    li t0, 2
    blt a0, t0, fib_rec_base
    save_ra_s1
    mv s0, a0
    addi a0, s0, -1
    call fib_rec
    mv s1, a0
    addi a0, s0, -2
    call fib_rec
    add a0, a0, s1
    restore_ra_s1
fib_rec_base:                   ; fib(0) = 0, fib(1) = 1
    ret

print_fib:                      ; print_fib(a0 = n, a1 = suffix, a2 = value): "fib(n) = value suffix"
    save_ra_s2
    mv s0, a0
    mv s1, a1
    mv s2, a2
    la a0, str_fib_open
    call print_str
    mv a0, s0
    call print_udec
    la a0, str_fib_equals
    call print_str
    mv a0, s2
    call print_udec
    mv a0, s1
    call print_str
    restore_ra_s2
    ret

.data
key_n:          .asciz "n"
str_fib_open:   .asciz "fib("
str_fib_equals: .asciz ") = "
str_iterative:  .asciz " (iterative)\n"
str_recursive:  .asciz " (recursive)\n"
str_skipped:    .asciz "(recursive version skipped for n > 30)\n"
str_bad_n:      .asciz "fib: n must be a number from 0 to 46\n"
