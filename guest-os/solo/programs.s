; The built-in user programs. They run in user mode and use only ulib's system calls.
; Each starts with a0 = the n=<value> boot argument (0 when absent).

solo_programs:
    .word s_name_hello, p_hello
    .word s_name_fib, p_fib
    .word s_name_sieve, p_sieve
    .word s_name_echo, p_echo
    .word s_name_bad, p_bad
    .word 0, 0

; hello: greets and shows its pid
p_hello:
    la a0, s_hello
    call u_puts
    call u_getpid
    call u_putdec
    la a0, s_nl
    call u_puts
    li a0, 0
    call u_exit

; fib: prints fib(0..n) (n = 20 by default) and how many instructions that took
p_fib:
    mv s0, a0
    bnez s0, p_fib_go
    li s0, 20
p_fib_go:
    call u_time
    mv s3, a0
    la a0, s_fib
    call u_puts
    li s1, 0
    li s2, 1
p_fib_loop:
    blt s0, zero, p_fib_done
    la a0, s_space
    call u_puts
    mv a0, s1
    call u_putdec
    add t0, s1, s2
    mv s1, s2
    mv s2, t0
    addi s0, s0, -1
    j p_fib_loop
p_fib_done:
    call u_time
    sub s3, a0, s3
    la a0, s_fib_time
    call u_puts
    mv a0, s3
    call u_putdec
    la a0, s_fib_time_end
    call u_puts
    li a0, 0
    call u_exit

; sieve: primes below n (100 by default) in a byte array taken from the heap with sbrk
p_sieve:
    mv s0, a0
    bnez s0, p_sieve_go
    li s0, 100
p_sieve_go:
    mv a0, s0
    call u_sbrk
    mv s1, a0                   ; flags[i] = 1 when i is composite; fresh pages are zero
    li t0, -1
    beq a0, t0, p_sieve_nomem
    li t0, 2                    ; i
p_sieve_outer:
    mul t1, t0, t0
    bge t1, s0, p_sieve_count
    add t2, s1, t0
    lbu t2, 0(t2)
    bnez t2, p_sieve_next
    li t3, 1
p_sieve_mark:                   ; j = i*i, i*i + i, ...
    bge t1, s0, p_sieve_next
    add t2, s1, t1
    sb t3, 0(t2)
    add t1, t1, t0
    j p_sieve_mark
p_sieve_next:
    addi t0, t0, 1
    j p_sieve_outer
p_sieve_count:
    li s2, 0                    ; count
    li s3, 0                    ; largest
    li t0, 2
p_sieve_scan:
    bge t0, s0, p_sieve_report
    add t2, s1, t0
    lbu t2, 0(t2)
    bnez t2, p_sieve_scan_next
    addi s2, s2, 1
    mv s3, t0
p_sieve_scan_next:
    addi t0, t0, 1
    j p_sieve_scan
p_sieve_report:
    la a0, s_sieve
    call u_puts
    mv a0, s2
    call u_putdec
    la a0, s_sieve_below
    call u_puts
    mv a0, s0
    call u_putdec
    la a0, s_sieve_largest
    call u_puts
    mv a0, s3
    call u_putdec
    la a0, s_sieve_heap
    call u_puts
    mv a0, s1
    call u_puthex
    la a0, s_nl
    call u_puts
    li a0, 0
    call u_exit
p_sieve_nomem:
    la a0, s_nomem
    call u_puts
    li a0, 1
    call u_exit

; echo: copies console input to the output in upper case until the input ends
p_echo:
    li s1, 0                    ; bytes seen
    addi sp, sp, -64
p_echo_loop:
    mv a0, sp
    li a1, 64
    call u_read
    beqz a0, p_echo_done
    mv s0, a0
    add s1, s1, a0
    li t0, 0
p_echo_upper:
    bge t0, s0, p_echo_write
    add t1, sp, t0
    lbu t2, 0(t1)
    addi t3, t2, -97            ; 'a'
    sltiu t3, t3, 26
    beqz t3, p_echo_keep
    addi t2, t2, -32
    sb t2, 0(t1)
p_echo_keep:
    addi t0, t0, 1
    j p_echo_upper
p_echo_write:
    mv a0, sp
    mv a1, s0
    call u_write
    j p_echo_loop
p_echo_done:
    la a0, s_echo
    call u_puts
    mv a0, s1
    call u_putdec
    la a0, s_echo_end
    call u_puts
    li a0, 0
    call u_exit

; bad: a user program may not touch kernel memory
p_bad:
    la a0, s_bad
    call u_puts
    li t0, 0x1000
    sw zero, 0(t0)
    la a0, s_bad_survived
    call u_puts
    li a0, 0
    call u_exit

s_name_hello: .asciz "hello"
s_name_fib: .asciz "fib"
s_name_sieve: .asciz "sieve"
s_name_echo: .asciz "echo"
s_name_bad: .asciz "bad"
s_hello: .asciz "Hello from user mode! my pid is "
s_nl: .asciz "\n"
s_space: .asciz " "
s_fib: .asciz "fib:"
s_fib_time: .asciz "\nfib: took "
s_fib_time_end: .asciz " instructions\n"
s_sieve: .asciz "sieve: "
s_sieve_below: .asciz " primes below "
s_sieve_largest: .asciz ", largest "
s_sieve_heap: .asciz ", heap at "
s_nomem: .asciz "sieve: out of memory\n"
s_echo: .asciz "echo: "
s_echo_end: .asciz " bytes\n"
s_bad: .asciz "bad: writing to kernel memory at 0x00001000\n"
s_bad_survived: .asciz "bad: the write went through!\n"
    .balign 4
