; The superserver (fig. 3-11, inetd): one thread listens on every service's port and waits on
; all of them at once with poll; each connection that comes starts a new thread (LWP) running
; the service of its port, which serves it and ends. No service runs while nobody asks for it.

.equ INETD_PFDS, 0x400          ; struct pollfd per service at USER_DATA + INETD_PFDS + 8 * i
.equ INETD_VISITORS, 0x480      ; the counter service's count
.equ SERVICE_SIZE, 12           ; a service: port, name, entry(connection)

inetd_services:
    .word 7, s_svc_echo, echo_thread
    .word 13, s_svc_daytime, svc_daytime
    .word 100, s_svc_counter, svc_counter
inetd_services_end:

; inetd_pollfd(a0 = service) -> a0 = its struct pollfd
inetd_pollfd:
    la t0, inetd_services
    sub a0, a0, t0
    li t0, SERVICE_SIZE
    divu a0, a0, t0
    shli a0, a0, 3
    li t0, USER_DATA + INETD_PFDS
    add a0, a0, t0
    ret

p_inetd:
    la s0, inetd_services
p_inetd_bind:                   ; a listening socket per service
    la t0, inetd_services_end
    bgeu s0, t0, p_inetd_poll
    li a0, SOCK_STREAM
    call u_socket
    mv s1, a0
    lw a1, 0(s0)
    call u_bind
    bnez a0, p_inetd_fail
    mv a0, s1
    call u_listen
    mv a0, s0
    call inetd_pollfd
    sw s1, 0(a0)
    li t0, POLLIN
    sw t0, 4(a0)
    la a0, s_inetd_port
    lw a1, 0(s0)
    la a2, s_inetd_colon
    call print_num_text
    lw a0, 4(s0)
    call u_puts
    la a0, s_nl
    call u_puts
    addi s0, s0, SERVICE_SIZE
    j p_inetd_bind
p_inetd_poll:
    li a0, USER_DATA + INETD_PFDS
    li a1, (inetd_services_end - inetd_services) / SERVICE_SIZE
    li a2, -1
    call u_poll
    la s0, inetd_services
p_inetd_ready:                  ; every port with a connection waiting
    la t0, inetd_services_end
    bgeu s0, t0, p_inetd_poll
    mv a0, s0
    call inetd_pollfd
    lhu t0, 6(a0)
    andi t0, t0, POLLIN
    beqz t0, p_inetd_next
    lw a0, 0(a0)
    call u_accept
    blt a0, zero, p_inetd_next
    mv a1, a0
    lw a0, 8(s0)
    call lwp_spawn
    mv s1, a0
    la a0, s_inetd_port
    lw a1, 0(s0)
    la a2, s_inetd_start
    call print_num_text
    lw a0, 4(s0)
    call u_puts
    la a0, s_inetd_thread
    mv a1, s1
    call print_num_line
p_inetd_next:
    addi s0, s0, SERVICE_SIZE
    j p_inetd_ready
p_inetd_fail:
    la a0, s_inetd_bind_failed
    call print
    li a0, 1
    call u_exit

; svc_daytime(a0 = connection): the guest time, "tick N", and close
svc_daytime:
    mv s0, a0
    call u_time
    mv s1, a0
    la a0, s_svc_tick
    mv a1, s1
    j svc_answer

; svc_counter(a0 = connection): "visitor N", N counting the counter's connections, and close
svc_counter:
    mv s0, a0
    li t0, USER_DATA + INETD_VISITORS
    lw s1, 0(t0)
    addi s1, s1, 1
    sw s1, 0(t0)
    la a0, s_svc_visitor
    mv a1, s1
; svc_answer(a0 = text, a1 = number) with s0 = the connection: "TEXT N\n", close, end the thread
svc_answer:
    addi sp, sp, -64
    mv s1, a1
    mv a1, a0
    mv a0, sp
    call ufmt_str
    mv a1, s1
    call ufmt_dec
    li t0, 10
    sb t0, 0(a0)
    addi a0, a0, 1
    sub a2, a0, sp
    mv a1, sp
    mv a0, s0
    call u_send_all
    mv a0, s0
    call u_close
    li a0, 0
    call u_exit

s_name_inetd: .asciz "inetd"
s_svc_echo: .asciz "echo"
s_svc_daytime: .asciz "daytime"
s_svc_counter: .asciz "counter"
s_svc_tick: .asciz "tick "
s_svc_visitor: .asciz "visitor "
s_inetd_port: .asciz "inetd: port "
s_inetd_colon: .asciz ": "
s_inetd_start: .asciz ": connection, a new thread for "
s_inetd_thread: .asciz ", thread "
s_inetd_bind_failed: .asciz "inetd: bind failed\n"
    .balign 4
