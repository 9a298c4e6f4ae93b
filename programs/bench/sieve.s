; sieve: the CPU benchmark's branchy kernel (`npm run bench`, vmm/bench/kernels.ts): `reps`
; times over, clear a byte per number below n, cross out the multiples of every prime by the
; sieve of Eratosthenes, and count the primes left. vmm/bench/plain-kernels.ts runs the same
; passes in JavaScript.
;
; Arguments: n=N, 2 <= N <= 500000 (default 1000); reps=R, 1 <= R (default 1). A bad argument,
; or no memory for the sieve, prints a message on standard error and exits 2.
;
; args: n=1000 reps=3
; expect-stdout: sieve n=1000 reps=3: 168 primes\n
; expect-exit: 0

.include "../lib/start.s"

.equ MAX_N, 500000

main:
    save_ra_s3
    la a0, key_n
    li a1, 1000
    call arg_int
    mv s0, a0                   ; s0 = n
    beqz a1, main_bad_args
    li t0, 2
    blt s0, t0, main_bad_args
    li t0, MAX_N
    bgt s0, t0, main_bad_args
    la a0, key_reps
    li a1, 1
    call arg_int
    beqz a1, main_bad_args
    blez a0, main_bad_args
    mv a3, a0                   ; a3 = passes left (no calls until the passes are done)
    push a0

    addi a0, s0, 3              ; n bytes, rounded up to whole words
    li t0, -4
    and a0, a0, t0
    mv s3, a0
    call sbrk
    li t0, -1
    beq a0, t0, main_no_memory
    mv s1, a0                   ; s1 = sieve: byte i is 1 once i is known composite
    add s3, s1, s3              ; s3 = its end
    lw a3, 0(sp)

.include "lib/sieve-passes.s"

    mv s2, a2
    la a0, str_head
    call print_str
    mv a0, s0
    call print_udec
    la a0, str_reps
    call print_str
    pop a0
    call print_udec
    la a0, str_colon
    call print_str
    mv a0, s2
    call print_udec
    la a0, str_primes
    call print_str
    li a0, 0
    j main_ret
main_no_memory:
    pop a0
    la a0, str_no_memory
    call eprint_str
    li a0, 2
    j main_ret
main_bad_args:
    la a0, str_bad_args
    call eprint_str
    li a0, 2
main_ret:
    restore_ra_s3
    ret

.data
key_n:         .asciz "n"
key_reps:      .asciz "reps"
str_head:      .asciz "sieve n="
str_reps:      .asciz " reps="
str_colon:     .asciz ": "
str_primes:    .asciz " primes\n"
str_bad_args:  .asciz "sieve: n must be a number from 2 to 500000 and reps a positive number\n"
str_no_memory: .asciz "sieve: sbrk could not give memory for the sieve\n"
