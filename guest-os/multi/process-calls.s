; multi's process system calls: exit, getpid, spawn, wait, sbrk (the table that names them is
; in syscalls.s; multi-net has its own). s0 = the calling process; results go to its a0.

sys_exit:
    mv a0, s0
    call proc_exit
    j sys_switch

sys_getpid:
    lw a0, P_PID(s0)
    j sys_return

sys_spawn:                      ; spawn(program index, argument) -> pid or -1
    mv a0, a1
    mv a1, a2
    lw a2, P_PID(s0)
    call proc_create
    j sys_return

sys_wait:                       ; wait(pid) -> exit status, or -1 when there is no such child
    la a0, proc_table
    call slot_find
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
    addi a0, s0, P_SPACE
    li a2, 0
    call space_sbrk
    j sys_return
