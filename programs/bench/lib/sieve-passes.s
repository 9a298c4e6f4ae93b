; The sieve's passes, shared by programs/bench/sieve.s and the monitor bench's kernel-mode
; sieve (vmm/bench/monitor.ts): a3 times over, clear the sieve a word at a time, cross out the
; multiples of every prime p with p * p < n, and count the primes left.
;
; In: s0 = n, s1 = the sieve (n bytes, rounded up to whole words), s3 = its end, a3 = passes
; (at least 1). Out: a2 = primes below n. Uses t0..t3 and s2; a3 ends 0.

pass:
    mv t0, s1                   ; clear the sieve, a word at a time
clear:
    sw zero, 0(t0)
    addi t0, t0, 4
    bltu t0, s3, clear

    li s2, 2                    ; cross out the multiples of every prime p with p * p < n
outer:
    mul t0, s2, s2
    bge t0, s0, count
    add t1, s1, s2
    lbu t1, 0(t1)
    bnez t1, next
    li t3, 1
inner:                          ; t0 = p * p, p * p + p, … < n
    add t2, s1, t0
    sb t3, 0(t2)
    add t0, t0, s2
    blt t0, s0, inner
next:
    addi s2, s2, 1
    j outer

count:
    li s2, 2                    ; s2 = candidate, a2 = primes found
    li a2, 0
count_loop:
    bge s2, s0, count_done
    add t0, s1, s2
    lbu t0, 0(t0)
    bnez t0, count_next
    addi a2, a2, 1
count_next:
    addi s2, s2, 1
    j count_loop
count_done:
    addi a3, a3, -1
    bnez a3, pass
