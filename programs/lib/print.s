; Printing to standard output (fd 1), or to any fd with fputs.

fputs:                          ; fputs(a0 = fd, a1 = NUL-terminated string) -> bytes written
    push ra
    push a0
    push a1
    mv a0, a1
    call strlen
    mv a2, a0
    pop a1
    pop a0
    call write
    pop ra
    ret

print_str:                      ; print_str(a0 = NUL-terminated string)
    mv a1, a0
    li a0, STDOUT
    j fputs

eprint_str:                     ; eprint_str(a0 = NUL-terminated string) on standard error
    mv a1, a0
    li a0, STDERR
    j fputs

print_char:                     ; print_char(a0 = byte)
    push ra
    addi sp, sp, -4
    sb a0, 0(sp)
    mv a1, sp
    li a2, 1
    li a0, STDOUT
    call write
    addi sp, sp, 4
    pop ra
    ret

print_nl:                       ; print_nl(): a newline
    li a0, '\n'
    j print_char

print_space:                    ; print_space(): one space
    li a0, ' '
    j print_char

print_dec:                      ; print_dec(a0 = signed integer) in decimal
    bgez a0, print_udec
    push ra
    push a0
    li a0, '-'
    call print_char
    pop a0
    pop ra
    neg a0, a0                  ; -2^31 stays 0x80000000, which print_udec prints right
    j print_udec

print_udec:                     ; print_udec(a0 = unsigned integer) in decimal
    push ra
    addi sp, sp, -12            ; digits are built backwards from the end of this buffer
    addi t1, sp, 12
    li t2, 10
print_udec_digit:
    remu t3, a0, t2
    divu a0, a0, t2
    addi t3, t3, '0'
    addi t1, t1, -1
    sb t3, 0(t1)
    bnez a0, print_udec_digit
    mv a1, t1
    addi a2, sp, 12
    sub a2, a2, t1
    li a0, STDOUT
    call write
    addi sp, sp, 12
    pop ra
    ret

print_hex:                      ; print_hex(a0 = value): "0x" and eight lower-case hex digits
    push ra
    addi sp, sp, -12
    li t0, '0'
    sb t0, 0(sp)
    li t0, 'x'
    sb t0, 1(sp)
    li t1, 28                   ; shift of the next digit
    addi t4, sp, 2
print_hex_digit:
    shr t2, a0, t1
    andi t2, t2, 15
    slti t3, t2, 10
    bnez t3, print_hex_num
    addi t2, t2, 'a' - '0' - 10
print_hex_num:
    addi t2, t2, '0'
    sb t2, 0(t4)
    addi t4, t4, 1
    addi t1, t1, -4
    bgez t1, print_hex_digit
    mv a1, sp
    li a2, 10
    li a0, STDOUT
    call write
    addi sp, sp, 12
    pop ra
    ret
