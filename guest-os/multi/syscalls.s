; System calls. s0 = the calling process; results go to its a0.

sys_dispatch:
    lw t0, CTX_PC(s0)           ; resume after the sys instruction
    addi t0, t0, 4
    sw t0, CTX_PC(s0)
    lw t0, CTX_A0(s0)
    lw a1, CTX_A1(s0)
    lw a2, CTX_A2(s0)
    lw a3, CTX_A3(s0)
    li t1, 10
    bgeu t0, t1, sys_bad
    shli t0, t0, 2
    la t1, sys_table
    add t1, t1, t0
    lw t1, 0(t1)
    jr t1

sys_table:
    .word sys_exit, sys_write, sys_read, sys_time, sys_sbrk
    .word sys_yield, sys_sleep, sys_getpid, sys_spawn, sys_wait

sys_bad:
    li a0, -1
sys_return:                     ; a0 = result for the caller, which continues
    sw a0, CTX_A0(s0)
    mv a0, s0
    j ctx_resume
sys_switch:                     ; the caller gives up the CPU
    call schedule
    j ctx_resume

sys_exit:
    mv a0, s0
    call proc_exit
    j sys_switch

sys_getpid:
    lw a0, P_PID(s0)
    j sys_return

sys_time:
    csrr a0, time
    j sys_return

sys_yield:
    sw zero, CTX_A0(s0)
    j sys_switch

sys_sleep:                      ; sleep(ticks)
    sw zero, CTX_A0(s0)
    csrr t0, time
    add t0, t0, a1
    sw t0, P_WAKE(s0)
    li t0, S_SLEEPING
    sw t0, P_STATE(s0)
    j sys_switch

sys_spawn:                      ; spawn(program index, argument) -> pid or -1
    mv a0, a1
    mv a1, a2
    lw a2, P_PID(s0)
    call proc_create
    j sys_return

sys_wait:                       ; wait(pid) -> exit status, or -1 when there is no such child
    mv a0, a1
    call proc_find
    beqz a0, sys_bad
    lw t0, P_PARENT(a0)
    lw t1, P_PID(s0)
    bne t0, t1, sys_bad
    lw t0, P_STATE(a0)
    li t1, S_ZOMBIE
    bne t0, t1, sys_wait_block
    sw zero, P_STATE(a0)        ; reap
    lw a0, P_STATUS(a0)
    j sys_return
sys_wait_block:
    sw a1, P_WAITFOR(s0)
    li t0, S_WAITING
    sw t0, P_STATE(s0)
    j sys_switch

sys_sbrk:                       ; sbrk(increment) -> old break; pages come on first touch
    lw s1, P_BRK(s0)
    add s2, s1, a1
    li t0, USER_HEAP
    bltu s2, t0, sys_bad
    li t0, USER_STACK_LOW
    bgeu s2, t0, sys_bad
    sw s2, P_BRK(s0)
    mv a0, s1
    j sys_return

; write(fd, buf, len): fd 1 and 2 go to the console
sys_write:
    li t0, 1
    beq a1, t0, sys_write_ok
    li t0, 2
    bne a1, t0, sys_bad
sys_write_ok:
    mv s1, a2
    add s2, a2, a3
sys_write_loop:
    bgeu s1, s2, sys_write_done
    mv a0, s0
    mv a1, s1
    li a2, 0
    call user_pa
    blt a0, zero, sys_bad
    lbu t0, 0(a0)
    out PORT_CONSOLE, t0
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
    in s3, PORT_CONSOLE
    blt s3, zero, sys_read_done
    mv a0, s0
    mv a1, s1
    li a2, 1
    call user_pa
    blt a0, zero, sys_bad
    sb s3, 0(a0)
    addi s1, s1, 1
    li t0, 10
    bne s3, t0, sys_read_loop
sys_read_done:
    lw t0, CTX_A2(s0)
    sub a0, s1, t0
    j sys_return
