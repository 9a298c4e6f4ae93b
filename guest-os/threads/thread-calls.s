; The threads kernel's own system calls (the table that names them is in traps.s; threads-net
; has its own). s0 = the calling thread.

sys_exit:                       ; exit(status): ends the calling thread
    mv a0, s0
    call thread_exit
    j sys_switch

sys_getpid:                     ; the process id (0 for a kernel thread)
    lw t0, T_PROC(s0)
    li a0, 0
    beqz t0, sys_return
    lw a0, P_PID(t0)
    j sys_return

sys_spawn:                      ; spawn(program index, argument) -> pid
    mv a0, a1
    mv a1, a2
    call proc_create
    j sys_return

sys_wait:                       ; wait(pid) -> exit status of the process's last LWP
    la a0, process_table
    call slot_find
    beqz a0, sys_bad
    lw t0, P_STATE(a0)
    li t1, 2
    bne t0, t1, sys_wait_block
    sw zero, P_STATE(a0)
    lw a0, P_STATUS(a0)
    j sys_return
sys_wait_block:
    sw s0, P_WAITER(a0)
    li t0, S_WAITING
    sw t0, T_STATE(s0)
    j sys_switch

sys_lwp_create:                 ; lwp_create(entry, stack pointer, argument) -> tid, or -1
    lw a0, T_PROC(s0)
    beqz a0, sys_bad
    call lwp_create
    beqz a0, sys_bad
    lw a0, T_TID(a0)
    j sys_return

sys_sbrk:                       ; sbrk(increment): heap pages are mapped right away
    lw a0, T_PROC(s0)
    beqz a0, sys_bad
    addi a0, a0, P_SPACE
    li a2, 1
    call space_sbrk
    j sys_return

; caller_pa(a0 = virtual address, a1 = 1 for a write) -> physical address or -1, for thread s0
; (lib/syscall.s); a kernel thread's addresses are physical already
caller_pa:
    lw t0, T_PROC(s0)
    beqz t0, caller_pa_kernel
    mv a2, a1
    mv a1, a0
    lw a0, P_PD(t0)
    j vm_user_pa
caller_pa_kernel:
    ret

str_killed_tid: .asciz "[threads] thread "
    .balign 4
