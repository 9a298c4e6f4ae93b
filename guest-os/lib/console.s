; Console output for kernel code (uses the privileged `out`).
; All routines: arguments in a0.., clobber a0-a3 and t0-t4 only.

; putc(a0 = byte)
putc:
    out PORT_CONSOLE_DATA, a0
    ret

; puts(a0 = NUL-terminated string)
puts:
    lbu t0, 0(a0)
    beqz t0, puts_done
    out PORT_CONSOLE_DATA, t0
    addi a0, a0, 1
    j puts
puts_done:
    ret

; putdec(a0 = signed integer)
putdec:
    bge a0, zero, putdec_unsigned
    li t0, 45                   ; '-'
    out PORT_CONSOLE_DATA, t0
    sub a0, zero, a0
putdec_unsigned:
    addi sp, sp, -16
    addi t1, sp, 16             ; digits are built backwards from the end of the buffer
    li t2, 10
putdec_digit:
    remu t3, a0, t2
    divu a0, a0, t2
    addi t3, t3, 48
    addi t1, t1, -1
    sb t3, 0(t1)
    bnez a0, putdec_digit
    addi t2, sp, 16
putdec_out:
    lbu t3, 0(t1)
    out PORT_CONSOLE_DATA, t3
    addi t1, t1, 1
    bltu t1, t2, putdec_out
    addi sp, sp, 16
    ret

; puthex(a0 = value): "0x" and eight hex digits
puthex:
    li t0, 48
    out PORT_CONSOLE_DATA, t0
    li t0, 120
    out PORT_CONSOLE_DATA, t0
    li t1, 28
puthex_digit:
    shr t2, a0, t1
    andi t2, t2, 15
    slti t3, t2, 10
    bnez t3, puthex_num
    addi t2, t2, 39             ; 'a' - '0' - 10
puthex_num:
    addi t2, t2, 48
    out PORT_CONSOLE_DATA, t2
    addi t1, t1, -4
    bge t1, zero, puthex_digit
    ret

; newline()
newline:
    li t0, 10
    out PORT_CONSOLE_DATA, t0
    ret
