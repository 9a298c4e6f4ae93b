; matmul: multiplies two built-in 4x4 integer matrices, C = A x B, prints the rows of C,
; their sum, and a checksum (h = h * 31 + c over C in row order, 32-bit wrap-around).
;
;   A = 1  2  3  4     B =  2 0  1 -1
;       5  6  7  8          1 3  0  2
;       9 10 11 12         -2 1  4  0
;      13 14 15 16          0 5 -3  1
;
; expect-stdout: -2 29 1 7\n
; expect-stdout: 2 65 9 15\n
; expect-stdout: 6 101 17 23\n
; expect-stdout: 10 137 25 31\n
; expect-stdout: sum: 476\n
; expect-stdout: checksum: 0x629febd4\n
; expect-exit: 0

.include "lib/start.s"

.equ N, 4

main:
    save_ra_s2
    la a0, matrix_c
    la a1, matrix_a
    la a2, matrix_b
    li a3, N
    call matmul

    la s0, matrix_c             ; s0 walks C; s1 = row, s2 = column
    li s1, 0
print_row:
    li s2, 0
print_element:
    lw a0, 0(s0)
    call print_dec
    addi s0, s0, 4
    addi s2, s2, 1
    li t0, N
    beq s2, t0, print_row_end
    call print_space
    j print_element
print_row_end:
    call print_nl
    addi s1, s1, 1
    li t0, N
    blt s1, t0, print_row

    la s0, matrix_c             ; sum and checksum: s1 = sum, s2 = hash, t4 = elements left
    li s1, 0
    li s2, 0
    li t4, N * N
    li t3, 31
fold:
    lw t0, 0(s0)
    add s1, s1, t0
    mul s2, s2, t3
    add s2, s2, t0
    addi s0, s0, 4
    addi t4, t4, -1
    bnez t4, fold

    la a0, str_sum
    call print_str
    mv a0, s1
    call print_dec
    call print_nl
    la a0, str_checksum
    call print_str
    mv a0, s2
    call print_hex
    call print_nl
    li a0, 0
    restore_ra_s2
    ret

matmul:                         ; matmul(a0 = C, a1 = A, a2 = B, a3 = n): C = A x B, n x n words, row order
    push s0
    push s1
    push s2
    push s3
    shli s2, a3, 2              ; s2 = bytes per row
    mv s0, a1                   ; s0 = &A[i][0]
    mv s3, a3                   ; s3 = rows left
matmul_row:
    li s1, 0                    ; s1 = j
matmul_column:
    li t0, 0                    ; t0 = sum over k of A[i][k] * B[k][j]
    mv t1, s0                   ; t1 moves along row i of A
    shli t2, s1, 2
    add t2, a2, t2              ; t2 moves down column j of B
    mv t4, a3                   ; t4 = k left
matmul_dot:
    lw t3, 0(t1)
    lw a1, 0(t2)
    mul t3, t3, a1
    add t0, t0, t3
    addi t1, t1, 4
    add t2, t2, s2
    addi t4, t4, -1
    bnez t4, matmul_dot
    sw t0, 0(a0)
    addi a0, a0, 4
    addi s1, s1, 1
    blt s1, a3, matmul_column
    add s0, s0, s2
    addi s3, s3, -1
    bnez s3, matmul_row
    pop s3
    pop s2
    pop s1
    pop s0
    ret

.data
matrix_a:
    .word 1, 2, 3, 4
    .word 5, 6, 7, 8
    .word 9, 10, 11, 12
    .word 13, 14, 15, 16
matrix_b:
    .word 2, 0, 1, -1
    .word 1, 3, 0, 2
    .word -2, 1, 4, 0
    .word 0, 5, -3, 1
str_sum:      .asciz "sum: "
str_checksum: .asciz "checksum: "

.bss
matrix_c:
    .zero N * N * 4
