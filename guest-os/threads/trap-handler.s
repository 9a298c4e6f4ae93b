; The threads kernel's trap handler: system calls are served, any other trap ends the thread.
; s0 = the trapped thread.

trap_handler:
    mv s0, a0
    csrr t0, cause
    li t1, CAUSE_SYSCALL
    beq t0, t1, sys_dispatch
    la a0, str_killed_tid       ; any other trap ends the thread
    lw a1, T_TID(s0)
    call put_killed
    kill_hook
    mv a0, s0
    li a1, -1
    call thread_exit
    j sys_switch

