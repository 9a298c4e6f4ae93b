; web: an iterative server on port 80 that speaks two protocols, told apart by the first line.
; A line starting "GET " is an HTTP/1.0 request: once its header has come (up to a blank line),
; "GET / " is answered 200 with a small HTML page that counts the requests, any other path 404;
; both with Content-Length, and the connection closed after the answer. Anything else is the
; text protocol, one command per line, answered line by line while the client stays:
;   PING -> PONG    TICKS -> TICKS <guest time>    ECHO text -> text    QUIT -> BYE, closed
;   anything else -> ERR …   (a blank line is ignored; a line may end in CR LF)
; A request line longer than the 2 KiB buffer drops the client.

.equ WEB_REQ_MAX, 2048          ; BUF holds the bytes received and not yet answered
.equ WEB_COUNT, USER_DATA + 2560 ; HTTP requests answered
.equ WEB_OUT, USER_DATA + 2576  ; a header or a reply line (at most 272 bytes)
.equ WEB_BODY, USER_DATA + 2848 ; an HTTP answer's body (at most 1 KiB)

p_web:
    mv s0, a1
    li a0, SOCK_STREAM
    call u_socket
    mv s1, a0
    li a1, WEB_PORT
    call u_bind
    bnez a0, p_udpecho_bind
    mv a0, s1
    call u_listen
    mv a0, s0
    la a1, s_web_listening
    li a2, WEB_PORT
    call say
web_accept:
    mv a0, s1
    call u_accept
    blt a0, zero, web_accept
    mv s2, a0
    li s3, 0                    ; bytes in BUF
web_more:
    li t0, WEB_REQ_MAX
    bge s3, t0, web_close
    mv a0, s2
    li a1, BUF
    add a1, a1, s3
    li a2, WEB_REQ_MAX
    sub a2, a2, s3
    call u_recv
    blez a0, web_close
    add s3, s3, a0
    li a0, BUF
    mv a1, s3
    call web_line
    beqz a0, web_more
    li a0, BUF
    la a1, s_get
    call web_starts
    bnez a0, web_http
web_text:
    li a0, BUF
    mv a1, s3
    call web_line
    beqz a0, web_more
    push a0                     ; the line's length with its newline
    li t0, BUF
    add t1, t0, a0
    addi t1, t1, -1
    sb zero, 0(t1)              ; the newline ends the command's string
    beq t1, t0, web_text_command
    addi t1, t1, -1
    lbu t2, 0(t1)
    li t3, 13
    bne t2, t3, web_text_command
    sb zero, 0(t1)              ; and so does a CR before it
web_text_command:
    call web_command
    pop t1
    push a0                     ; 1: close after this line
    li a0, BUF                  ; the rest moves to the front
    add a1, a0, t1
    sub a2, s3, t1
    sub s3, s3, t1
    call web_move
    pop a0
    bnez a0, web_close
    j web_text

web_http:
    li a0, BUF
    mv a1, s3
    call web_head_end
    beqz a0, web_more
    li t0, WEB_COUNT
    lw t1, 0(t0)
    addi t1, t1, 1
    sw t1, 0(t0)
    li a0, BUF
    la a1, s_get_root
    call web_starts
    beqz a0, web_not_found
    li a0, WEB_BODY
    la a1, s_page_head
    call ufmt_str
    li t0, WEB_COUNT
    lw a1, 0(t0)
    call ufmt_dec
    la a1, s_page_tail
    call ufmt_str
    la a1, s_http_ok
    la a3, s_ok_head
    j web_respond
web_not_found:
    li a0, WEB_BODY
    la a1, s_not_found_body
    call ufmt_str
    la a1, s_http_not_found
    la a3, s_not_found_head
; web_respond(a0 = end of the body in WEB_BODY, a1 = what the console says, a3 = the status
; and headers up to Content-Length's value): the header, the body, a console line, the close
web_respond:
    push a1
    li t0, WEB_BODY
    sub t1, a0, t0
    push t1                     ; the body's length
    li a0, WEB_OUT
    mv a1, a3
    call ufmt_str
    pop a1
    push a1
    call ufmt_dec
    la a1, s_head_end
    call ufmt_str
    li a1, WEB_OUT
    sub a2, a0, a1
    mv a0, s2
    call u_send_all
    pop a2
    mv a0, s2
    li a1, WEB_BODY
    call u_send_all
    pop a1
    li t0, WEB_COUNT
    lw a2, 0(t0)
    mv a0, s0
    call say
web_close:
    mv a0, s2
    call u_close
    j web_accept

; web_command(): answers the command in BUF (a NUL-terminated line) -> a0 = 1 to close after it
web_command:
    push ra
    li a0, BUF
    la a1, s_cmd_ping
    call web_streq
    bnez a0, web_cmd_ping
    li a0, BUF
    la a1, s_cmd_ticks
    call web_streq
    bnez a0, web_cmd_ticks
    li a0, BUF
    la a1, s_cmd_quit
    call web_streq
    bnez a0, web_cmd_quit
    li t0, BUF
    lbu t0, 0(t0)
    beqz t0, web_cmd_none
    li a0, BUF
    la a1, s_cmd_echo
    call web_starts
    bnez a0, web_cmd_echo
    li a0, WEB_OUT
    la a1, s_cmd_unknown
    call ufmt_str
    j web_cmd_send
web_cmd_ping:
    li a0, WEB_OUT
    la a1, s_pong
    call ufmt_str
    j web_cmd_send
web_cmd_ticks:
    call u_time
    push a0
    li a0, WEB_OUT
    la a1, s_ticks
    call ufmt_str
    pop a1
    call ufmt_dec
    j web_cmd_send
web_cmd_echo:                   ; the text after "ECHO ", its newline put back
    li a0, BUF + 5
    call strlen
    li a1, BUF + 5
    add t0, a1, a0
    li t1, 10
    sb t1, 0(t0)
    addi a2, a0, 1
    mv a0, s2
    call u_send_all
    j web_cmd_none
web_cmd_quit:
    li a0, WEB_OUT
    la a1, s_bye
    call ufmt_str
    li t0, 1
    push t0
    j web_cmd_out
web_cmd_send:                   ; a0 = end of the reply in WEB_OUT: a newline, and it goes
    li t0, 0
    push t0
web_cmd_out:
    li t0, 10
    sb t0, 0(a0)
    addi a0, a0, 1
    li a1, WEB_OUT
    sub a2, a0, a1
    mv a0, s2
    call u_send_all
    pop a0
    pop ra
    ret
web_cmd_none:
    li a0, 0
    pop ra
    ret

; web_line(a0 = buffer, a1 = length) -> a0 = the first line's length with its newline, 0 if none
web_line:
    li t0, 0
    li t2, 10
web_line_loop:
    bge t0, a1, web_line_none
    add t1, a0, t0
    lbu t1, 0(t1)
    addi t0, t0, 1
    bne t1, t2, web_line_loop
    mv a0, t0
    ret
web_line_none:
    li a0, 0
    ret

; web_head_end(a0 = buffer, a1 = length) -> a0 = 1 when it holds a blank line (LF LF or LF CR LF)
web_head_end:
    li t0, 0
    li t3, 10
    li t4, 13
web_head_loop:
    bge t0, a1, web_head_no
    add t1, a0, t0
    lbu t2, 0(t1)
    addi t0, t0, 1
    bne t2, t3, web_head_loop
    bge t0, a1, web_head_no
    lbu t2, 1(t1)
    beq t2, t3, web_head_yes
    bne t2, t4, web_head_loop
    addi t2, t0, 1
    bge t2, a1, web_head_no
    lbu t2, 2(t1)
    beq t2, t3, web_head_yes
    j web_head_loop
web_head_yes:
    li a0, 1
    ret
web_head_no:
    li a0, 0
    ret

; web_starts(a0 = buffer, a1 = string) -> a0 = 1 when the buffer begins with the string
web_starts:
    lbu t0, 0(a1)
    beqz t0, web_starts_yes
    lbu t1, 0(a0)
    bne t0, t1, web_starts_no
    addi a0, a0, 1
    addi a1, a1, 1
    j web_starts
web_starts_yes:
    li a0, 1
    ret
web_starts_no:
    li a0, 0
    ret

; web_streq(a0 = string, a1 = string) -> a0 = 1 when they are the same
web_streq:
    lbu t0, 0(a0)
    lbu t1, 0(a1)
    bne t0, t1, web_starts_no
    beqz t0, web_starts_yes
    addi a0, a0, 1
    addi a1, a1, 1
    j web_streq

; web_move(a0 = destination, a1 = source after it, a2 = bytes): copies forward, byte by byte
web_move:
    blez a2, web_move_done
    lbu t0, 0(a1)
    sb t0, 0(a0)
    addi a0, a0, 1
    addi a1, a1, 1
    addi a2, a2, -1
    j web_move
web_move_done:
    ret

s_name_web: .asciz "web"
s_web_listening: .asciz "http and text on port"
s_http_ok: .asciz "http 200, request"
s_http_not_found: .asciz "http 404, request"
s_get: .asciz "GET "
s_get_root: .asciz "GET / "
s_ok_head: .asciz "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
s_not_found_head: .asciz "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: "
s_head_end: .asciz "\r\nConnection: close\r\n\r\n"
s_page_head: .asciz "<!DOCTYPE html>\n<html><head><title>toyvmm</title></head>\n<body><h1>Hello from a toyvmm guest</h1>\n<p>multi-net's web server, in toy assembly: request "
s_page_tail: .asciz ".</p></body></html>\n"
s_not_found_body: .asciz "not found\n"
s_cmd_ping: .asciz "PING"
s_cmd_ticks: .asciz "TICKS"
s_cmd_quit: .asciz "QUIT"
s_cmd_echo: .asciz "ECHO "
s_pong: .asciz "PONG"
s_ticks: .asciz "TICKS "
s_bye: .asciz "BYE"
s_cmd_unknown: .asciz "ERR unknown command (PING, TICKS, ECHO text, QUIT)"
    .balign 4
