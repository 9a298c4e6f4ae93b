; sieve: the primes below n by the sieve of Eratosthenes. The sieve (one byte per number)
; lives in memory taken from the heap with sbrk. Lists the primes when n <= 1000, then
; prints how many there are.
;
; Arguments: n=N, 2 <= N <= 500000; default 100. A bad n, or no memory for the sieve,
; prints a message on standard error and exits 2.
;
; args: n=100
; expect-stdout: 2 3 5 7 11 13 17 19 23 29 31 37 41 43 47 53 59 61 67 71 73 79 83 89 97\n
; expect-stdout: 25 primes below 100\n
; expect-exit: 0

.include "lib/start.s"

.equ MAX_N, 500000
.equ MAX_LISTED, 1000

main:
    save_ra_s3
    la a0, key_n
    li a1, 100
    call arg_int
    mv s0, a0                   ; s0 = n
    beqz a1, main_bad_n
    li t0, 2
    blt s0, t0, main_bad_n
    li t0, MAX_N
    bgt s0, t0, main_bad_n

    addi a0, s0, 3              ; n bytes, rounded up to whole words
    li t0, -4
    and a0, a0, t0
    call sbrk
    li t0, -1
    beq a0, t0, main_no_memory
    mv s1, a0                   ; s1 = sieve: byte i is 1 once i is known composite (heap starts zeroed)

    li s2, 2                    ; cross out the multiples of every prime p with p * p < n
sieve_outer:
    mul t0, s2, s2
    bge t0, s0, sieve_count
    add t1, s1, s2
    lbu t1, 0(t1)
    bnez t1, sieve_next
    li t3, 1
sieve_inner:                    ; t0 = p * p, p * p + p, … < n
    add t2, s1, t0
    sb t3, 0(t2)
    add t0, t0, s2
    blt t0, s0, sieve_inner
sieve_next:
    addi s2, s2, 1
    j sieve_outer

sieve_count:
    li s2, 2                    ; s2 = candidate, s3 = primes found
    li s3, 0
count_loop:
    bge s2, s0, count_done
    add t0, s1, s2
    lbu t0, 0(t0)
    bnez t0, count_next
    addi s3, s3, 1
    li t0, MAX_LISTED
    bgt s0, t0, count_next
    li t0, 1
    beq s3, t0, count_print     ; a space before every prime but the first
    call print_space
count_print:
    mv a0, s2
    call print_udec
count_next:
    addi s2, s2, 1
    j count_loop
count_done:
    li t0, MAX_LISTED
    bgt s0, t0, count_summary
    call print_nl
count_summary:
    mv a0, s3
    call print_udec
    la a0, str_primes_below
    call print_str
    mv a0, s0
    call print_udec
    call print_nl
    li a0, 0
    j main_ret
main_no_memory:
    la a0, str_no_memory
    call eprint_str
    li a0, 2
    j main_ret
main_bad_n:
    la a0, str_bad_n
    call eprint_str
    li a0, 2
main_ret:
    restore_ra_s3
    ret

.data
key_n:            .asciz "n"
str_primes_below: .asciz " primes below "
str_bad_n:        .asciz "sieve: n must be a number from 2 to 500000\n"
str_no_memory:    .asciz "sieve: sbrk could not give memory for the sieve\n"
