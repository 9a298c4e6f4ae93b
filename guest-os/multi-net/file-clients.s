; The file servers' clients (file-servers.s has the protocols and the servers).

; Each client reads motd in pieces of FS_PIECE bytes into FS_TEXT, asking again after
; UDP_WAIT ticks without an answer, and prints it.
.equ FS_TEXT, USER_DATA + 3584

; fs_call(a0 = fd, a1 = request length in BUF) -> a0 = reply length in FS_REPLY, asking again
; while no answer comes (s0 = pid, to say so)
fs_call:
    save_ra_s2
    mv s1, a0
    mv s2, a1
fs_call_ask:
    mv a0, s1
    mv a1, s2
    call udp_ask
    blt a0, zero, fs_call_fail
    bnez a0, fs_call_answer
    mv a0, s0
    la a1, s_fs_no_answer
    li a2, -1
    call say
    j fs_call_ask
fs_call_answer:
    mv a0, s1
    li a1, FS_REPLY
    li a2, 512
    call u_recv
    restore_ra_s2
    ret
fs_call_fail:
    mv a0, s0
    la a1, s_send_failed
    j fail

; fs_dial(a0 = port) -> a0 = a UDP socket whose datagrams go to that port of the server
fs_dial:
    push ra
    push a0
    li a0, SOCK_DGRAM
    call u_socket
    pop a2
    push a0
    li a1, SERVER_IP
    call u_connect
    pop a0
    pop ra
    ret

; fs_take() -> a0 = the count of the reply in FS_REPLY, its bytes appended at s3 (s3 moves on)
fs_take:
    li t0, FS_REPLY
    lw a0, 0(t0)
    blez a0, fs_take_done
    li t1, 0
1:  add t2, t0, t1
    lbu t2, 4(t2)
    add t3, s3, t1
    sb t2, 0(t3)
    addi t1, t1, 1
    blt t1, a0, 1b
    add s3, s3, a0
fs_take_done:
    ret

; fs_print(): the text read, FS_TEXT to s3, a line at a time (s0 = pid)
fs_print:
    push ra
    mv a0, s0
    li a1, FS_TEXT
    mv a2, s3
    call say_lines
    pop ra
    ret

; fs_name(a0 = where in BUF) -> a0 = the request's length: "motd" written there
fs_name:
    la t0, s_file_motd
1:  lbu t1, 0(t0)
    sb t1, 0(a0)
    addi a0, a0, 1
    addi t0, t0, 1
    bnez t1, 1b
    li t0, BUF
    sub a0, a0, t0
    ret

; statelessget: motd from the stateless server, each request naming the file and the offset
p_statelessget:
    mv s0, a1
    li a0, STATELESS_PORT
    call fs_dial
    mv s1, a0
    li s3, FS_TEXT
p_statelessget_piece:
    li t0, BUF
    li t1, FS_TEXT
    sub t1, s3, t1
    sw t1, 0(t0)                ; the offset: what the client has
    li t1, FS_PIECE
    sw t1, 4(t0)
    addi a0, t0, 8
    call fs_name
    mv a1, a0
    mv a0, s1
    call fs_call
    call fs_take
    li t0, FS_PIECE
    beq a0, t0, p_statelessget_piece
    j fs_client_done

; statefulget: motd from the stateful server: open, reads from the offset the server keeps,
; close; a handle the server no longer knows means opening again and reading from the start
p_statefulget:
    mv s0, a1
    li a0, STATEFUL_PORT
    call fs_dial
    mv s1, a0
p_statefulget_open:
    li s3, FS_TEXT
    li t0, BUF
    li t1, FS_OPEN
    sw t1, 0(t0)
    addi a0, t0, 4
    call fs_name
    mv a1, a0
    mv a0, s1
    call fs_call
    li t0, FS_REPLY
    lw s2, 0(t0)                ; the handle
    blez s2, fs_client_failed
    mv a0, s0
    la a1, s_fs_opened
    mv a2, s2
    call say
p_statefulget_piece:
    li t0, BUF
    li t1, FS_READ
    sw t1, 0(t0)
    sw s2, 4(t0)
    li t1, FS_PIECE
    sw t1, 8(t0)
    mv a0, s1
    li a1, 12
    call fs_call
    call fs_take
    blt a0, zero, p_statefulget_stale
    li t0, FS_PIECE
    beq a0, t0, p_statefulget_piece
    li t0, BUF
    li t1, FS_CLOSE
    sw t1, 0(t0)
    sw s2, 4(t0)
    mv a0, s1
    li a1, 8
    call fs_call
    j fs_client_done
p_statefulget_stale:            ; (a line longer than say's)
    mv a0, s0
    call line_begin
    la a1, s_fs_stale
    call ufmt_str
    mv a1, s2
    call ufmt_dec
    la a1, s_fs_stale_then
    call ufmt_str
    call line_end
    j p_statefulget_open

fs_client_done:
    call fs_print
    mv a0, s1
    call u_close
    li a0, 0
    call u_exit
fs_client_failed:
    mv a0, s0
    la a1, s_fs_no_file
    j fail

s_name_statelessget: .asciz "statelessget"
s_name_statefulget: .asciz "statefulget"
s_fs_no_answer: .asciz "no answer, asking again"
s_fs_opened: .asciz "opened motd, handle"
s_fs_stale: .asciz "read failed: the server restarted and lost handle "
s_fs_stale_then: .asciz ", the open file and its offset; opening again, reading from the start"
s_fs_no_file: .asciz "no such file"
    .balign 4
