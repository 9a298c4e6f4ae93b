; System-call dispatch and the calls every kernel serves alike. The kernel's trap_handler jumps
; to sys_dispatch with s0 = the calling task's context; results go to the caller's a0.
; The kernel provides, before including this file: NSYS and sys_table (one handler per
; system call number), and caller_pa (below) for its kind of address space.
;   caller_pa(a0 = virtual address, a1 = 1 for a write) -> a0 = physical address, or -1 when
;   the caller may not make that access

sys_dispatch:
    lw t0, CTX_PC(s0)           ; resume after the sys instruction
    addi t0, t0, 4
    sw t0, CTX_PC(s0)
    lw t0, CTX_A0(s0)
    lw a1, CTX_A1(s0)
    lw a2, CTX_A2(s0)
    lw a3, CTX_A3(s0)
    li t1, NSYS
    bgeu t0, t1, sys_bad
    shli t0, t0, 2
    la t1, sys_table
    add t1, t1, t0
    lw t1, 0(t1)
    jr t1

sys_bad:                        ; a call this kernel does not know, or bad arguments
    li a0, -1
sys_return:                     ; a0 = result for the caller, which continues
    sw a0, CTX_A0(s0)
    mv a0, s0
    j ctx_resume

sys_time:
    csrr a0, time
    j sys_return

; write(fd, buf, len): fd 1 and 2 go to the console; every byte must be user-readable
sys_write:
    li t0, 1
    beq a1, t0, sys_write_ok
    li t0, 2
    bne a1, t0, sys_bad
sys_write_ok:
    mv s1, a2                   ; next user address
    add s2, a2, a3              ; end
sys_write_loop:
    bgeu s1, s2, sys_write_done
    mv a0, s1
    li a1, 0
    call caller_pa
    blt a0, zero, sys_bad
    lbu t0, 0(a0)
    out PORT_CONSOLE_DATA, t0
    addi s1, s1, 1
    j sys_write_loop
sys_write_done:
    lw a0, CTX_A3(s0)
    j sys_return

; read(fd, buf, len): console input up to len bytes, stopping after a newline; 0 at the end
sys_read:
    bnez a1, sys_bad
    mv s1, a2
    add s2, a2, a3
sys_read_loop:
    bgeu s1, s2, sys_read_done
    in s3, PORT_CONSOLE_DATA
    blt s3, zero, sys_read_done
    mv a0, s1
    li a1, 1
    call caller_pa
    blt a0, zero, sys_bad
    sb s3, 0(a0)
    addi s1, s1, 1
    li t0, 10
    bne s3, t0, sys_read_loop
sys_read_done:
    lw t0, CTX_A2(s0)
    sub a0, s1, t0
    j sys_return
