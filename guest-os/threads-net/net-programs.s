; The concurrent echo server: the first thread listens on port 7 and accepts; each connection
; gets a thread of its own (an LWP, lwp_spawn) that sends back what it reads until the client
; closes, so a long transfer does not hold up a short one. A thread's buffer is on its stack.

.equ ECHO_PORT, 7
.equ ECHO_BUF, 1024

p_tcpecho_threads:
    li a0, SOCK_STREAM
    call u_socket
    mv s1, a0
    li a1, ECHO_PORT
    call u_bind
    bnez a0, p_tcpecho_threads_fail
    mv a0, s1
    call u_listen
    la a0, s_threads_listening
    call print
p_tcpecho_threads_accept:
    mv a0, s1
    call u_accept
    blt a0, zero, p_tcpecho_threads_accept
    mv a1, a0
    la a0, echo_thread
    call lwp_spawn
    mv a1, a0
    la a0, s_threads_accepted
    call print_num_line
    j p_tcpecho_threads_accept
p_tcpecho_threads_fail:
    la a0, s_threads_bind_failed
    call print
    li a0, 1
    call u_exit

; echo_thread(a0 = connection): echoes it, closes it, says how much, and ends
echo_thread:
    mv s0, a0
    li s1, 0                    ; bytes echoed
    addi sp, sp, -ECHO_BUF
echo_thread_read:
    mv a0, s0
    mv a1, sp
    li a2, ECHO_BUF
    call u_recv
    blez a0, echo_thread_closed
    add s1, s1, a0
    mv a2, a0
    mv a0, s0
    mv a1, sp
    call u_send_all
    bge a0, zero, echo_thread_read
echo_thread_closed:
    mv a0, s0
    call u_close
    la a0, s_threads_closed
    mv a1, s1
    call print_num_line
    li a0, 0
    call u_exit

s_name_tcpecho_threads: .asciz "tcpecho_threads"
s_threads_listening: .asciz "echo: listening on port 7\n"
s_threads_accepted: .asciz "echo: connection accepted, thread "
s_threads_closed: .asciz "echo: connection closed, bytes echoed "
s_threads_bind_failed: .asciz "echo: bind failed\n"
    .balign 4
