; memwriter (machine-level): a migration workload with a uniform dirty rate. It stores the
; pass number into the first word of each of PAGES pages from BASE on, one page every
; DELAY+~3 instructions, for PASSES passes, then prints "memwriter ok" and halts with status 0.
; After it ends, page BASE/4096 + i holds PASSES in its first word for every i < PAGES.

.memsize 1048576
.entry start
.equ BASE, 0x20000
.equ PAGES, 128
.equ PASSES, 6
.equ DELAY, 120

.org 0x1000
start:
    li s0, 1
pass:
    li t0, BASE
    li t1, PAGES
page:
    sw s0, 0(t0)
    li t2, DELAY
delay:
    addi t2, t2, -1
    bnez t2, delay
    addi t0, t0, 4096
    addi t1, t1, -1
    bnez t1, page
    addi s0, s0, 1
    li t3, PASSES + 1
    bne s0, t3, pass
    la a0, message
print:
    lbu t0, 0(a0)
    beqz t0, done
    out 0, t0
    addi a0, a0, 1
    j print
done:
    li a0, 0
    halt
message:
    .asciz "memwriter ok\n"
