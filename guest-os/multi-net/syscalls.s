; multi-net's system calls: multi's (../multi/process-calls.s, lib/syscall.s, lib/sched.s), then
; the socket calls (lib/net-sock.s, numbers in lib/net-consts.s); exit is net_exit, which closes
; the process's sockets first. s0 = the calling process.

.equ NSYS, NET_NSYS
sys_table:
    .word net_exit, sys_write, sys_read, sys_time, sys_sbrk
    .word sys_yield, sys_sleep, sys_getpid, sys_spawn, sys_wait
    .word sys_bad                ; 10: lwp_create in the threads kernels
    .word sys_socket, sys_bind, sys_listen, sys_accept, sys_connect
    .word sys_send, sys_recv, sys_close, sys_poll, sys_sendto
    .word sys_recvfrom

; net_owner() -> a0 = the process that owns the sockets process s0 opens: itself
net_owner:
    lw a0, P_PID(s0)
    ret

; net_kill(): process s0 was killed by a fault: its sockets are closed as at an exit (a stream
; ends with a FIN, a listener's port is free at once), without waiting for them
net_kill:
    push ra
    call net_owner
    call net_release
    pop ra
    ret

.include "../multi/process-calls.s"
