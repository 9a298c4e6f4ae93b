; The trap handler and the threads kernel's own system calls (dispatch, write, read and time
; are in lib/syscall.s, yield and sleep in lib/sched.s). s0 = the trapped thread.

.include "trap-handler.s"
; lwp_create is this kernel's private extension, numbered after SYS in isa/arch.ts (0..9)
.equ SYS_LWP_CREATE, 10
.equ NSYS, 11
sys_table:
    .word sys_exit, sys_write, sys_read, sys_time, sys_sbrk, sys_yield
    .word sys_sleep, sys_getpid, sys_spawn, sys_wait, sys_lwp_create

.include "thread-calls.s"
