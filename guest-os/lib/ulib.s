; User-mode library: system call wrappers and printing through write(1, ...).
; Lives in the image's user region, so user programs may execute it.
; Calls: arguments a0.., result a0; clobbers a0-a3, t0-t4.

u_exit:                         ; u_exit(a0 = status)
    mv a1, a0
    li a0, SYS_EXIT
    sys
u_exit_hang:
    j u_exit_hang

u_write:                        ; u_write(a0 = buffer, a1 = length) -> bytes written
    mv a3, a1
    mv a2, a0
    li a1, 1
    li a0, SYS_WRITE
    sys
    ret

u_read:                         ; u_read(a0 = buffer, a1 = length) -> bytes read, 0 at end
    mv a3, a1
    mv a2, a0
    li a1, 0
    li a0, SYS_READ
    sys
    ret

u_time:                         ; u_time() -> guest time
    li a0, SYS_TIME
    sys
    ret

u_sbrk:                         ; u_sbrk(a0 = increment) -> previous break, or -1
    mv a1, a0
    li a0, SYS_SBRK
    sys
    ret

u_yield:
    li a0, SYS_YIELD
    sys
    ret

u_sleep:                        ; u_sleep(a0 = ticks)
    mv a1, a0
    li a0, SYS_SLEEP
    sys
    ret

u_getpid:
    li a0, SYS_GETPID
    sys
    ret

u_spawn:                        ; u_spawn(a0 = program index, a1 = argument) -> pid, or -1
    mv a2, a1
    mv a1, a0
    li a0, SYS_SPAWN
    sys
    ret

u_wait:                         ; u_wait(a0 = pid) -> exit status, or -1
    mv a1, a0
    li a0, SYS_WAIT
    sys
    ret

u_puts:                         ; u_puts(a0 = NUL-terminated string)
    push ra
    push a0
    call strlen
    mv a1, a0
    pop a0
    call u_write
    pop ra
    ret

u_putc:                         ; u_putc(a0 = byte)
    push ra
    addi sp, sp, -4
    sb a0, 0(sp)
    mv a0, sp
    li a1, 1
    call u_write
    addi sp, sp, 4
    pop ra
    ret

u_putdec:                       ; u_putdec(a0 = signed integer)
    push ra
    addi sp, sp, -16
    addi t1, sp, 16             ; digits are built backwards from the end of the buffer
    mv t4, a0
    bge a0, zero, u_putdec_pos
    sub a0, zero, a0
u_putdec_pos:
    li t2, 10
u_putdec_digit:
    remu t3, a0, t2
    divu a0, a0, t2
    addi t3, t3, 48
    addi t1, t1, -1
    sb t3, 0(t1)
    bnez a0, u_putdec_digit
    bge t4, zero, u_putdec_write
    li t3, 45                   ; '-'
    addi t1, t1, -1
    sb t3, 0(t1)
u_putdec_write:
    mv a0, t1
    addi a1, sp, 16
    sub a1, a1, t1
    call u_write
    addi sp, sp, 16
    pop ra
    ret

u_puthex:                       ; u_puthex(a0 = value): "0x" and eight hex digits
    push ra
    addi sp, sp, -12
    li t0, 48
    sb t0, 0(sp)
    li t0, 120
    sb t0, 1(sp)
    li t1, 28
    addi t4, sp, 2
u_puthex_digit:
    shr t2, a0, t1
    andi t2, t2, 15
    slti t3, t2, 10
    bnez t3, u_puthex_num
    addi t2, t2, 39
u_puthex_num:
    addi t2, t2, 48
    sb t2, 0(t4)
    addi t4, t4, 1
    addi t1, t1, -4
    bge t1, zero, u_puthex_digit
    mv a0, sp
    li a1, 10
    call u_write
    addi sp, sp, 12
    pop ra
    ret

; Formatting into a buffer, so a whole line can go out in one write (lines of different
; processes then never mix).
ufmt_str:                       ; ufmt_str(a0 = dst, a1 = string) -> a0 = end of dst
    lbu t0, 0(a1)
    beqz t0, ufmt_str_done
    sb t0, 0(a0)
    addi a0, a0, 1
    addi a1, a1, 1
    j ufmt_str
ufmt_str_done:
    ret

ufmt_dec:                       ; ufmt_dec(a0 = dst, a1 = signed integer) -> a0 = end of dst
    bge a1, zero, ufmt_dec_pos
    li t0, 45
    sb t0, 0(a0)
    addi a0, a0, 1
    sub a1, zero, a1
ufmt_dec_pos:
    mv t1, a1                   ; count the digits first
    li t2, 10
    mv t3, a0
ufmt_dec_count:
    addi t3, t3, 1
    divu t1, t1, t2
    bnez t1, ufmt_dec_count
    mv a0, t3
ufmt_dec_digit:
    remu t0, a1, t2
    divu a1, a1, t2
    addi t0, t0, 48
    addi t3, t3, -1
    sb t0, 0(t3)
    bnez a1, ufmt_dec_digit
    ret
