; sumcopy: the CPU benchmark's memory kernel (`npm run bench`, vmm/bench/kernels.ts): fill
; 1 MiB with a xorshift sequence, then `passes` times sum it word by word while copying it to
; a second 1 MiB; prints the sum. vmm/bench/plain-kernels.ts runs the same passes in JavaScript.
;
; Arguments: passes=P, 1 <= P; default 1. A bad argument, or no memory for the arrays, prints
; a message on standard error and exits 2.
;
; args: passes=2
; expect-stdout: sumcopy passes=2: 0x996cf088\n
; expect-exit: 0

.include "../lib/start.s"

.memsize 0x300000
.equ WORDS, 0x40000             ; 1 MiB per array

main:
    save_ra_s3
    la a0, key_passes
    li a1, 1
    call arg_int
    beqz a1, main_bad_args
    blez a0, main_bad_args
    mv s3, a0                   ; s3 = passes
    li a0, 2 * WORDS * 4
    call sbrk
    li t0, -1
    beq a0, t0, main_no_memory
    mv s0, a0                   ; s0 = source, then the copy

    mv t0, s0                   ; the source: xorshift32 from 0x12345678
    li t1, WORDS
    li t2, 0x12345678
fill:
    shli t3, t2, 13
    xor t2, t2, t3
    shri t3, t2, 17
    xor t2, t2, t3
    shli t3, t2, 5
    xor t2, t2, t3
    sw t2, 0(t0)
    addi t0, t0, 4
    addi t1, t1, -1
    bnez t1, fill

    li s1, 0                    ; s1 = sum
    mv s2, s3                   ; s2 = passes left
pass:
    mv a1, s0
    li t1, WORDS * 4
    add a2, s0, t1
    li t4, WORDS
word:
    lw t0, 0(a1)
    add s1, s1, t0
    sw t0, 0(a2)
    addi a1, a1, 4
    addi a2, a2, 4
    addi t4, t4, -1
    bnez t4, word
    addi s2, s2, -1
    bnez s2, pass

    la a0, str_head
    call print_str
    mv a0, s3
    call print_udec
    la a0, str_colon
    call print_str
    mv a0, s1
    call print_hex
    call print_nl
    li a0, 0
    j main_ret
main_no_memory:
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
key_passes:    .asciz "passes"
str_head:      .asciz "sumcopy passes="
str_colon:     .asciz ": "
str_bad_args:  .asciz "sumcopy: passes must be a positive number\n"
str_no_memory: .asciz "sumcopy: sbrk could not give memory for the arrays\n"
