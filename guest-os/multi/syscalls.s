; multi's own system calls (dispatch, write, read and time are in lib/syscall.s, yield and
; sleep in lib/sched.s). s0 = the calling process; results go to its a0.

.equ NSYS, 10
sys_table:
    .word sys_exit, sys_write, sys_read, sys_time, sys_sbrk
    .word sys_yield, sys_sleep, sys_getpid, sys_spawn, sys_wait

.include "process-calls.s"
