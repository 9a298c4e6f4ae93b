; Network programs. The servers listen on port 7 (echo) of their host; the clients talk to the
; server at SERVER_IP, the first VM on the network (10.0.0.1). Buffers are in the data page.

.equ SERVER_IP, 0x0a000001
.equ ECHO_PORT, 7
.equ WEB_PORT, 80               ; the dispatcher/worker server's and the web server's port
.equ BUF, USER_DATA             ; 2 KiB of data
.equ MSG, USER_DATA + 2048      ; a {buf, len, ip, port} message for sendto/recvfrom
.equ POLLFD, USER_DATA + 2064   ; one struct pollfd
.equ LINE, USER_DATA + 2080     ; a console line being built
.equ UDP_WAIT, 200000           ; ticks the UDP client waits for a reply before it asks again
.equ UDP_TRIES, 10              ; times it asks before it gives up
.equ BULK_BYTES, 20000
.equ BENCH_REQUESTS, 200

; line_begin(a0 = pid) -> a0 = LINE after "pid N: "
line_begin:
    push ra
    mv t4, a0
    li a0, LINE
    la a1, s_pid
    call ufmt_str
    mv a1, t4
    call ufmt_dec
    la a1, s_colon
    call ufmt_str
    pop ra
    ret

; line_end(a0 = end of the line in LINE): a newline, and one write
line_end:
    push ra
    li t0, 10
    sb t0, 0(a0)
    addi a0, a0, 1
    li t0, LINE
    sub a1, a0, t0
    mv a0, t0
    call u_write
    pop ra
    ret

; line_text(a0 = end so far, a1 = buffer, a2 = length) -> a0 = end, the bytes copied in
line_text:
    add t0, a1, a2
line_text_loop:
    bgeu a1, t0, line_text_done
    lbu t1, 0(a1)
    sb t1, 0(a0)
    addi a0, a0, 1
    addi a1, a1, 1
    j line_text_loop
line_text_done:
    ret

; say_peer(a0 = pid, a1 = message, a2 = number, a3 = MSG with the peer): "pid N: message
; number from a.b.c.d:port"
say_peer:
    save_ra_s3
    mv s1, a1
    mv s2, a2
    mv s3, a3
    call line_begin
    mv a1, s1
    call ufmt_str
    mv a1, s2
    call ufmt_dec
    la a1, s_from
    call ufmt_str
    lw a1, 8(s3)
    call ufmt_ip
    li t0, 58                   ; ':'
    sb t0, 0(a0)
    addi a0, a0, 1
    lw a1, 12(s3)
    call ufmt_dec
    call line_end
    restore_ra_s3
    ret

; udp_dial() -> a0 = a UDP socket whose datagrams go to the echo server
udp_dial:
    push ra
    li a0, SOCK_DGRAM
    call u_socket
    push a0
    li a1, SERVER_IP
    li a2, ECHO_PORT
    call u_connect
    pop a0
    pop ra
    ret

; udp_ask(a0 = fd, a1 = length of the request in BUF) -> a0 = 1 when a reply waits, 0 when none
; came within UDP_WAIT ticks, -1 when the request could not be sent
udp_ask:
    push ra
    push a0
    mv a2, a1
    li a1, BUF
    call u_send
    pop t0
    blt a0, zero, udp_ask_done
    li a0, POLLFD
    sw t0, 0(a0)
    li t1, POLLIN
    sw t1, 4(a0)
    li a1, 1
    li a2, UDP_WAIT
    call u_poll
udp_ask_done:
    pop ra
    ret

; fail(a0 = pid, a1 = message): says it and exits with status 1
fail:
    li a2, -1
    call say
    li a0, 1
    call u_exit

; udpecho: sends every datagram on port 7 back to where it came from, for ever
p_udpecho:
    mv s0, a1
    li a0, SOCK_DGRAM
    call u_socket
    mv s1, a0
    li a1, ECHO_PORT
    call u_bind
    bnez a0, p_udpecho_bind
    mv a0, s0
    la a1, s_udp_listening
    li a2, ECHO_PORT
    call say
p_udpecho_loop:
    li s2, MSG
    li t0, BUF
    sw t0, 0(s2)
    li t0, 1472
    sw t0, 4(s2)
    mv a0, s1
    mv a1, s2
    call u_recvfrom
    blt a0, zero, p_udpecho_loop
    mv a2, a0
    mv a0, s0
    la a1, s_echoing
    mv a3, s2
    call say_peer
    mv a0, s1
    mv a1, s2
    call u_sendto
    j p_udpecho_loop
p_udpecho_bind:
    mv a0, s0
    la a1, s_bind_failed
    j fail

; udpclient: three datagrams to the echo server, each sent again while no reply comes within
; UDP_WAIT ticks (at most UDP_TRIES times); prints the replies
p_udpclient:
    mv s0, a1
    call udp_dial
    mv s1, a0
    li s2, 1                    ; the datagram's number
p_udpclient_next:
    li s3, UDP_TRIES
p_udpclient_send:
    li a0, BUF                  ; "ping N"
    la a1, s_ping
    call ufmt_str
    mv a1, s2
    call ufmt_dec
    li t0, BUF
    sub a1, a0, t0
    mv a0, s1
    call udp_ask
    blt a0, zero, p_udpclient_fail
    bnez a0, p_udpclient_reply
    addi s3, s3, -1
    beqz s3, p_udpclient_gone
    mv a0, s0
    la a1, s_no_reply
    mv a2, s2
    call say
    j p_udpclient_send
p_udpclient_gone:
    mv a0, s0
    la a1, s_no_server
    j fail
p_udpclient_reply:
    mv a0, s1
    li a1, BUF
    li a2, 64
    call u_recv
    blez a0, p_udpclient_fail
    mv s3, a0
    mv a0, s0
    call line_begin
    la a1, s_reply
    call ufmt_str
    li a1, BUF
    mv a2, s3
    call line_text
    call line_end
    addi s2, s2, 1
    li t0, 3
    ble s2, t0, p_udpclient_next
    mv a0, s1
    call u_close
    li a0, 0
    call u_exit
p_udpclient_fail:
    mv a0, s0
    la a1, s_send_failed
    j fail

; tcpecho: an iterative server: accepts one connection at a time on port 7 and sends back
; everything it reads until the client closes
p_tcpecho:
    mv s0, a1
    li a0, SOCK_STREAM
    call u_socket
    mv s1, a0
    li a1, ECHO_PORT
    call u_bind
    bnez a0, p_udpecho_bind
    mv a0, s1
    call u_listen
    mv a0, s0
    la a1, s_tcp_listening
    li a2, ECHO_PORT
    call say
p_tcpecho_accept:
    mv a0, s1
    call u_accept
    blt a0, zero, p_tcpecho_accept
    mv s2, a0
    mv a0, s0
    la a1, s_accepted
    li a2, -1
    call say
    li s3, 0                    ; bytes echoed
p_tcpecho_read:
    mv a0, s2
    li a1, BUF
    li a2, 2048
    call u_recv
    blez a0, p_tcpecho_closed
    add s3, s3, a0
    mv a2, a0
    mv a0, s2
    li a1, BUF
    call u_send_all
    bge a0, zero, p_tcpecho_read
p_tcpecho_closed:
    mv a0, s2
    call u_close
    mv a0, s0
    la a1, s_echoed
    mv a2, s3
    call say
    j p_tcpecho_accept

; tcpclient: connects to the echo server, sends two lines, prints what comes back, closes
p_tcpclient:
    mv s0, a1
    mv a0, s0
    call tcp_dial
    mv s1, a0
p_tcpclient_connected:          ; (s0 = pid, s1 = the connection)
    la a0, s_tcp_hello
    call strlen
    mv s2, a0
    mv a0, s1
    la a1, s_tcp_hello
    mv a2, s2
    call u_send_all
    blt a0, zero, p_udpclient_fail
    li s3, 0                    ; bytes back so far
p_tcpclient_read:
    bge s3, s2, p_tcpclient_done
    mv a0, s1
    li a1, BUF
    add a1, a1, s3
    sub a2, s2, s3
    call u_recv
    blez a0, p_tcpclient_done
    add s3, s3, a0
    j p_tcpclient_read
p_tcpclient_done:
    mv a0, s0
    call line_begin
    la a1, s_echo
    call ufmt_str
    li a1, BUF
    addi a2, s3, -1             ; without the last newline
    call line_text
    call line_end
    mv a0, s1
    call u_close
    li a0, 0
    call u_exit

; tcp_dial(a0 = pid) -> a0 = a descriptor connected to the echo server (exits with 1 if refused)
tcp_dial:
    save_ra_s1
    mv s0, a0
    li a0, SOCK_STREAM
    call u_socket
    mv s1, a0
    li a1, SERVER_IP
    li a2, ECHO_PORT
    call u_connect
    bnez a0, tcp_dial_refused
    mv a0, s0
    la a1, s_connected
    li a2, -1
    call say
    mv a0, s1
    restore_ra_s1
    ret
tcp_dial_refused:
    mv a0, s0
    la a1, s_refused
    j fail

; tcpbulk: BULK_BYTES of a pattern through the echo server, sending and receiving at once with
; poll (a client that sent everything before reading would fill both windows and wait for ever);
; checks every byte that comes back
p_tcpbulk:
    mv a0, a1
    push a0
    call tcp_dial
    mv s0, a0                   ; s0: the connection
    li s1, 0                    ; bytes sent
    li s2, 0                    ; bytes received
    li s3, 0                    ; bytes that did not match
p_tcpbulk_poll:
    li t0, BULK_BYTES
    bge s2, t0, p_tcpbulk_done
    li t0, POLLFD
    sw s0, 0(t0)
    li t1, POLLIN
    li t2, BULK_BYTES
    bge s1, t2, p_tcpbulk_events
    ori t1, t1, POLLOUT
p_tcpbulk_events:
    sw t1, 4(t0)
    mv a0, t0
    li a1, 1
    li a2, -1
    call u_poll
    li t0, POLLFD
    lhu t1, 6(t0)
    andi t2, t1, POLLOUT
    beqz t2, p_tcpbulk_in
    li a0, BUF + 1024           ; the next piece of the pattern: byte i is i * 7 mod 256
    li t2, 512
    li t3, BULK_BYTES
    sub t3, t3, s1
    ble t2, t3, 1f
    mv t2, t3
1:  mv a2, t2
    li t3, 0
2:  add t4, s1, t3
    li a1, 7
    mul t4, t4, a1
    add a1, a0, t3
    sb t4, 0(a1)
    addi t3, t3, 1
    blt t3, t2, 2b
    mv a1, a0
    mv a0, s0
    call u_send
    blt a0, zero, p_tcpbulk_done
    add s1, s1, a0
p_tcpbulk_in:
    li t0, POLLFD
    lhu t1, 6(t0)
    andi t2, t1, POLLIN
    beqz t2, p_tcpbulk_poll
    mv a0, s0
    li a1, BUF
    li a2, 1024
    call u_recv
    blez a0, p_tcpbulk_done
    li t0, 0
3:  add t1, s2, t0
    li t2, 7
    mul t1, t1, t2
    andi t1, t1, 0xff
    li t2, BUF
    add t2, t2, t0
    lbu t2, 0(t2)
    beq t1, t2, 4f
    addi s3, s3, 1
4:  addi t0, t0, 1
    blt t0, a0, 3b
    add s2, s2, a0
    j p_tcpbulk_poll
p_tcpbulk_done:
    mv a0, s0
    call u_close
    pop s0
    mv a0, s0
    la a1, s_bulk
    mv a2, s2
    call say
    mv a0, s0
    la a1, s_mismatched
    mv a2, s3
    call say
    snez a0, s3
    call u_exit

; udpbench: BENCH_REQUESTS datagrams to the echo server one at a time (each sent again after
; UDP_WAIT ticks without a reply); says how many were answered and the guest ticks per request
p_udpbench:
    mv s0, a1
    call udp_dial
    mv s1, a0
    call u_time
    push a0
    li s2, 0                    ; requests answered
p_udpbench_send:
    li t0, BUF
    sw s2, 0(t0)
    mv a0, s1
    li a1, 32
    call udp_ask
    blt a0, zero, p_udpclient_fail
    beqz a0, p_udpbench_send
    mv a0, s1
    li a1, BUF
    li a2, 64
    call u_recv
    addi s2, s2, 1
    li t0, BENCH_REQUESTS
    blt s2, t0, p_udpbench_send
    call u_time
    pop t0
    sub s3, a0, t0
    mv a0, s0
    la a1, s_bench_answered
    mv a2, s2
    call say
    li t0, BENCH_REQUESTS
    divu a2, s3, t0
    mv a0, s0
    la a1, s_bench_ticks
    call say
    li a0, 0
    call u_exit

s_name_udpecho: .asciz "udpecho"
s_name_udpclient: .asciz "udpclient"
s_name_tcpecho: .asciz "tcpecho"
s_name_tcpclient: .asciz "tcpclient"
s_name_tcpbulk: .asciz "tcpbulk"
s_name_udpbench: .asciz "udpbench"
s_bench_answered: .asciz "udp requests answered"
s_bench_ticks: .asciz "guest ticks per request"
s_udp_listening: .asciz "udp echo on port"
s_tcp_listening: .asciz "tcp echo on port"
s_bind_failed: .asciz "bind failed"
s_echoing: .asciz "echoing "
s_from: .asciz " bytes from "
s_ping: .asciz "ping "
s_no_reply: .asciz "no reply, sending again: ping"
s_reply: .asciz "reply: "
s_send_failed: .asciz "send failed"
s_no_server: .asciz "no reply after 10 tries, giving up"
s_accepted: .asciz "connection accepted"
s_echoed: .asciz "connection closed, bytes echoed"
s_connected: .asciz "connected to 10.0.0.1 port 7"
s_refused: .asciz "connection refused"
s_echo: .asciz "echo: "
s_tcp_hello: .asciz "hello over tcp, line one\nand line two\n"
s_bulk: .asciz "bulk bytes echoed back"
s_mismatched: .asciz "bytes that differed"
    .balign 4
