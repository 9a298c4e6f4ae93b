; Clients of the chapter's servers (docs/NETWORK.md, "The servers and clients"): each connects to
; the server at SERVER_IP on its port, sends one request, prints every line of the answer as
; "pid N: LINE" and ends when the server closes.


; ask(a0 = pid, a1 = port, a2 = request, NUL-terminated) -> a0 = 0, or 1 when the connection was
; refused: one request, the whole answer printed
ask:
    save_ra_s3
    mv s0, a0
    mv s2, a2
    mv s3, a1
    li a0, SOCK_STREAM
    call u_socket
    mv s1, a0
    li a1, SERVER_IP
    mv a2, s3
    call u_connect
    bnez a0, ask_refused
    mv a0, s2
    call strlen
    mv a2, a0
    mv a0, s1
    mv a1, s2
    call u_send_all
    li s2, BUF                  ; the end of what came
ask_read:
    li t0, BUF + 2047
    sub a2, t0, s2
    blez a2, ask_print
    mv a0, s1
    mv a1, s2
    call u_recv
    blez a0, ask_print
    add s2, s2, a0
    j ask_read
ask_print:
    mv a0, s1
    call u_close
    mv a0, s0
    li a1, BUF
    mv a2, s2
    call say_lines
    li a0, 0
    j ask_done
ask_refused:
    mv a0, s1
    call u_close
    mv a0, s0
    la a1, s_refused
    li a2, -1
    call say
    li a0, 1
ask_done:
    restore_ra_s3
    ret

; say_lines(a0 = pid, a1 = start, a2 = end): each line of the text as "pid N: LINE", one write each
say_lines:
    save_ra_s3
    mv s0, a0
    mv s1, a1
    mv s2, a2
say_lines_next:
    bgeu s1, s2, say_lines_done
    mv s3, s1                   ; the line's end: its newline or the text's end
1:  bgeu s3, s2, 2f
    lbu t0, 0(s3)
    li t1, 10
    beq t0, t1, 2f
    addi s3, s3, 1
    j 1b
2:  mv a0, s0
    call line_begin
    mv a1, s1
    sub a2, s3, s1
    call line_text
    call line_end
    addi s1, s3, 1
    j say_lines_next
say_lines_done:
    restore_ra_s3
    ret

; webget: asks the web server on port 80 for a page: pid 1 for /index.html, 2 for /logo.png, …
p_webget:
    addi t0, a1, -1
    li t1, 5
    remu t0, t0, t1
    shli t0, t0, 2
    la t1, web_pages
    add t0, t0, t1
    lw a2, 0(t0)
    mv a0, a1
    li a1, WEB_PORT
    call ask
    call u_exit

; daytime, counter: ask the superserver's daytime (port 13) and counter (port 100) services
p_daytime:
    li a2, 13
    j ask_nothing
p_counter:
    li a2, 100
ask_nothing:
    mv a0, a1
    mv a1, a2
    la a2, s_nothing
    call ask
    call u_exit

web_pages:
    .word s_get1, s_get2, s_get3, s_get4, s_get5

s_name_webget: .asciz "webget"
s_name_daytime: .asciz "daytime"
s_name_counter: .asciz "counter"
s_nothing: .asciz ""
s_get1: .asciz "GET /index.html\n"
s_get2: .asciz "GET /logo.png\n"
s_get3: .asciz "GET /about.html\n"
s_get4: .asciz "GET /news/today.html\n"
s_get5: .asciz "GET /contact.html\n"
    .balign 4
