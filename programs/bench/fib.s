; fib: the CPU benchmark's call-heavy kernel (`npm run bench`, vmm/bench/kernels.ts): fib(n)
; by plain recursion, about 2 * fib(n) calls and returns through the stack.
; vmm/bench/plain-kernels.ts runs the same recursion in JavaScript.
;
; Arguments: n=N, 0 <= N <= 46 (fib(47) does not fit 32 bits); default 20. A bad n prints a
; message on standard error and exits 2.
;
; args: n=20
; expect-stdout: fib(20) = 6765\n
; expect-exit: 0

.include "../lib/start.s"

.equ MAX_N, 46

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
    call fib
    mv s1, a0
    la a0, str_open
    call print_str
    mv a0, s0
    call print_udec
    la a0, str_equals
    call print_str
    mv a0, s1
    call print_udec
    call print_nl
    li a0, 0
    j main_ret
main_bad_n:
    la a0, str_bad_n
    call eprint_str
    li a0, 2
main_ret:
    restore_ra_s1
    ret

.include "lib/fib-function.s"

.data
key_n:      .asciz "n"
str_open:   .asciz "fib("
str_equals: .asciz ") = "
str_bad_n:  .asciz "fib: n must be a number from 0 to 46\n"
