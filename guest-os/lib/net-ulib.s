; User-mode socket calls (in the user region, next to ulib.s): u_NAME(a0.., as the system call
; takes them in a1..) -> a0 = its result. Addresses are numbers in the host's order
; (10.0.0.1 is 0x0a000001), as ip_addr builds them.

.macro socket_call name, number
\name:
    mv a3, a2
    mv a2, a1
    mv a1, a0
    li a0, \number
    sys
    ret
.endm

socket_call u_socket, SYS_SOCKET        ; (type)
socket_call u_bind, SYS_BIND            ; (fd, port)
socket_call u_listen, SYS_LISTEN        ; (fd)
socket_call u_accept, SYS_ACCEPT        ; (fd)
socket_call u_connect, SYS_CONNECT      ; (fd, ip, port)
socket_call u_send, SYS_SEND            ; (fd, buf, len)
socket_call u_recv, SYS_RECV            ; (fd, buf, len)
socket_call u_close, SYS_CLOSE          ; (fd)
socket_call u_poll, SYS_POLL            ; (pollfds, count, ticks)
socket_call u_sendto, SYS_SENDTO        ; (fd, msg)
socket_call u_recvfrom, SYS_RECVFROM    ; (fd, msg)

; u_send_all(a0 = fd, a1 = buffer, a2 = length) -> a0 = length, or -1: send until all is taken
u_send_all:
    save_ra_s3
    mv s0, a0
    mv s1, a1
    mv s2, a2
    mv s3, a2
u_send_all_loop:
    blez s3, u_send_all_done
    mv a0, s0
    mv a1, s1
    mv a2, s3
    call u_send
    blez a0, u_send_all_fail
    add s1, s1, a0
    sub s3, s3, a0
    j u_send_all_loop
u_send_all_fail:
    li s2, -1
u_send_all_done:
    mv a0, s2
    restore_ra_s3
    ret

; ufmt_ip(a0 = dst, a1 = address in the host's order) -> a0 = end of "a.b.c.d" written at dst
ufmt_ip:
    save_ra_s2
    mv s1, a1
    li s2, 24
ufmt_ip_part:
    shr a1, s1, s2
    andi a1, a1, 0xff
    call ufmt_dec
    beqz s2, ufmt_ip_done
    li t0, 46                   ; '.'
    sb t0, 0(a0)
    addi a0, a0, 1
    addi s2, s2, -8
    j ufmt_ip_part
ufmt_ip_done:
    restore_ra_s2
    ret
