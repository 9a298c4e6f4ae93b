; threads-net's system calls: the threads kernel's (../threads/thread-calls.s, lib/syscall.s,
; lib/sched.s), then the socket calls (lib/net-sock.s, numbers in lib/net-consts.s).
; s0 = the calling thread.

.include "../threads/trap-handler.s"
.equ SYS_LWP_CREATE, 10
.equ NSYS, NET_NSYS
sys_table:
    .word net_sys_exit, sys_write, sys_read, sys_time, sys_sbrk, sys_yield
    .word sys_sleep, sys_getpid, sys_spawn, sys_wait, sys_lwp_create
    .word sys_socket, sys_bind, sys_listen, sys_accept, sys_connect
    .word sys_send, sys_recv, sys_close, sys_poll, sys_sendto
    .word sys_recvfrom

; net_owner() -> a0 = the owner of the sockets thread s0 opens: its process, so every thread of
; the process may use them (-1 for the kernel threads)
net_owner:
    lw a0, T_PROC(s0)
    beqz a0, net_owner_kernel
    lw a0, P_PID(a0)
    ret
net_owner_kernel:
    li a0, -1
    ret

net_sys_exit:                   ; the last thread of a process closes its sockets, and waits
    lw t0, T_PROC(s0)           ; while they close
    beqz t0, sys_exit
    lw t0, P_NLWP(t0)
    li t1, 1
    bne t0, t1, sys_exit
    j net_exit

; net_kill(): thread s0 was killed by a fault: when it was its process's last, the process's
; sockets are closed as at an exit, without waiting for them
net_kill:
    lw t0, T_PROC(s0)
    beqz t0, net_kill_done
    lw t0, P_NLWP(t0)
    li t1, 1
    bne t0, t1, net_kill_done
    push ra
    call net_owner
    call net_release
    pop ra
net_kill_done:
    ret

.include "../threads/thread-calls.s"
