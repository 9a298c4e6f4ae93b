; alu: the CPU benchmark's ALU loop (`npm run bench`, vmm/bench/kernels.ts): n iterations of
; eight instructions (add, xor, shifts, a counter and a branch) mixing two registers seeded
; 1 and 0x9e3779b9; prints both. vmm/bench/plain-kernels.ts runs the same loop in JavaScript.
;
; Arguments: n=N iterations, 1 <= N; default 1000. A bad n prints a message on standard
; error and exits 2.
;
; args: n=1000
; expect-stdout: alu n=1000: 0x163f8711 0x6e21c2e2\n
; expect-exit: 0

.include "../lib/start.s"

main:
    save_ra_s3
    la a0, key_n
    li a1, 1000
    call arg_int
    beqz a1, main_bad_n
    blez a0, main_bad_n
    mv s0, a0                   ; s0 = iterations left
    mv s3, a0
    li s1, 1
    li s2, 0x9e3779b9
loop:
    add s1, s1, s2
    xor s2, s2, s1
    shli t2, s1, 3
    shri t3, s2, 5
    add s1, s1, t2
    xor s2, s2, t3
    addi s0, s0, -1
    bnez s0, loop

    la a0, str_head
    call print_str
    mv a0, s3
    call print_udec
    la a0, str_colon
    call print_str
    mv a0, s1
    call print_hex
    call print_space
    mv a0, s2
    call print_hex
    call print_nl
    li a0, 0
    j main_ret
main_bad_n:
    la a0, str_bad_n
    call eprint_str
    li a0, 2
main_ret:
    restore_ra_s3
    ret

.data
key_n:     .asciz "n"
str_head:  .asciz "alu n="
str_colon: .asciz ": "
str_bad_n: .asciz "alu: n must be a positive number\n"
