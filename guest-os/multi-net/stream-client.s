; tcpstream: a client that streams requests to the echo server at a steady rate and checks
; every byte that comes back. Every `every` ticks (boot argument, stream-args.s) it sends a
; request of STREAM_SIZE bytes — request n is the word n, then bytes (n + i) mod 256 — as soon
; as the connection takes it, and reads the echoes whenever they come (poll). A byte lost, duplicated or reordered anywhere on the
; connection puts some byte out of its place. At the end it says how many answers came, how
; many bytes were out of place, its verdict, and the longest gap between two answers in guest
; ticks: the service interruption as the client sees it.

.equ STREAM_SIZE, 32            ; bytes of a request (a power of two)
.equ STREAM_SHIFT, 5
.equ ST_OUT, BUF + 1024         ; the request being sent
.equ ST, USER_DATA + 3584       ; the client's state: words
.equ ST_FD, 0
.equ ST_SENT, 4                 ; requests sent
.equ ST_NEXT, 8                 ; tick the next request is due
.equ ST_RX, 12                  ; bytes received
.equ ST_BAD, 16                 ; bytes out of place
.equ ST_FIRST_BAD, 20           ; where the first of them was
.equ ST_LAST, 24                ; tick of the latest answer
.equ ST_GAP, 28                 ; longest gap between answers
.equ ST_GAP_AT, 32              ; the answer that ended it

stream_every: .word STREAM_EVERY
stream_requests: .word STREAM_REQUESTS

p_tcpstream:
    mv s0, a1                   ; s0: pid
    mv a0, s0
    call tcp_dial
    li s1, ST                   ; s1: the state
    sw a0, ST_FD(s1)
    li t0, -1
    sw t0, ST_FIRST_BAD(s1)
    call u_time
    sw a0, ST_NEXT(s1)
    la t0, stream_requests
    lw s2, 0(t0)
    shli s2, s2, STREAM_SHIFT   ; s2: bytes expected back
p_tcpstream_loop:
    lw t0, ST_RX(s1)
    bge t0, s2, p_tcpstream_done
    call u_time
    mv s3, a0                   ; s3: now
    li a0, POLLFD
    lw t0, ST_FD(s1)
    sw t0, 0(a0)
    li t0, POLLIN               ; the echoes are read whenever they come: a client that only
    li a2, -1                   ; sent would fill both windows and wait for ever
    lw t1, ST_SENT(s1)
    shli t1, t1, STREAM_SHIFT
    bge t1, s2, 1f              ; all sent: wait for the rest
    lw a2, ST_NEXT(s1)
    sub a2, a2, s3              ; until the next request is due
    bgtz a2, 1f
    ori t0, t0, POLLOUT         ; due: as soon as it can go
    li a2, -1
1:  sw t0, 4(a0)                ; events, and revents cleared
    li a1, 1
    call u_poll
    li t0, POLLFD
    lhu t1, 6(t0)
    andi t1, t1, POLLIN | POLLERR | POLLHUP
    beqz t1, 2f
    lw a0, ST_FD(s1)
    li a1, BUF
    li a2, 1024
    call u_recv
    blez a0, p_tcpstream_done   ; the stream ended (or failed) early
    call stream_check
2:  li t0, POLLFD
    lhu t1, 6(t0)
    andi t1, t1, POLLOUT
    beqz t1, p_tcpstream_loop   ; not due yet, or no room to send
    call stream_send
    blt a0, zero, p_tcpstream_done
    j p_tcpstream_loop
p_tcpstream_done:
    lw a0, ST_FD(s1)
    call u_close
    mv a0, s0
    la a1, s_stream_answers
    lw a2, ST_RX(s1)
    shri a2, a2, STREAM_SHIFT
    call say
    mv a0, s0
    la a1, s_stream_bad
    lw a2, ST_BAD(s1)
    call say
    mv a0, s0
    la a1, s_stream_gap
    lw a2, ST_GAP(s1)
    call say
    mv a0, s0
    la a1, s_stream_gap_at
    lw a2, ST_GAP_AT(s1)
    call say
    lw t0, ST_BAD(s1)
    bnez t0, p_tcpstream_bad
    lw t0, ST_RX(s1)
    blt t0, s2, p_tcpstream_short
    mv a0, s0
    la a1, s_stream_good
    li a2, -1
    call say
    li a0, 0
    call u_exit
p_tcpstream_bad:
    mv a0, s0
    la a1, s_stream_misplaced
    lw a2, ST_FIRST_BAD(s1)
    j 1f
p_tcpstream_short:
    mv a0, s0
    la a1, s_stream_short
    lw a2, ST_RX(s1)
1:  call say
    li a0, 1
    call u_exit

; stream_send() -> a0 = bytes taken, or -1: builds request ST_SENT at ST_OUT and sends it
stream_send:
    push ra
    li t0, ST_OUT
    lw t1, ST_SENT(s1)
    sw t1, 0(t0)
    li t2, 4
1:  add t3, t1, t2
    add t4, t0, t2
    sb t3, 0(t4)
    addi t2, t2, 1
    li t3, STREAM_SIZE
    blt t2, t3, 1b
    lw a0, ST_FD(s1)
    mv a1, t0
    li a2, STREAM_SIZE
    call u_send_all
    blt a0, zero, 2f
    lw t1, ST_SENT(s1)
    addi t1, t1, 1
    sw t1, ST_SENT(s1)
    la t0, stream_every
    lw t0, 0(t0)
    lw t1, ST_NEXT(s1)
    add t1, t1, t0
    sw t1, ST_NEXT(s1)
2:  pop ra
    ret

; stream_check(a0 = bytes in BUF): checks each against its place in the stream; each answer
; completed here ends a gap, timed when the bytes came
stream_check:
    push ra
    push a0
    call u_time
    mv s3, a0                   ; s3: when they came
    pop a2                      ; a2: bytes left
    li a3, BUF
1:  blez a2, 5f
    lw t0, ST_RX(s1)
    shri t1, t0, STREAM_SHIFT   ; t1: the request
    andi t2, t0, STREAM_SIZE - 1    ; t2: the place in it
    li t3, 4
    bge t2, t3, 2f
    shli t3, t2, 3              ; byte t2 of the word t1
    shr t3, t1, t3
    j 3f
2:  add t3, t1, t2
3:  andi t3, t3, 0xff
    lbu t4, 0(a3)
    beq t3, t4, 4f
    lw t3, ST_BAD(s1)
    bnez t3, 6f
    sw t0, ST_FIRST_BAD(s1)
6:  addi t3, t3, 1
    sw t3, ST_BAD(s1)
4:  li t3, STREAM_SIZE - 1
    bne t2, t3, 7f
    lw t3, ST_LAST(s1)          ; an answer is complete: the gap since the one before
    sub t3, s3, t3
    sw s3, ST_LAST(s1)
    beqz t1, 7f                 ; (the first answer ends no gap)
    lw t4, ST_GAP(s1)
    bge t4, t3, 7f
    sw t3, ST_GAP(s1)
    sw t1, ST_GAP_AT(s1)
7:  addi t0, t0, 1
    sw t0, ST_RX(s1)
    addi a3, a3, 1
    addi a2, a2, -1
    j 1b
5:  pop ra
    ret

s_name_tcpstream: .asciz "tcpstream"
s_stream_answers: .asciz "answers"
s_stream_bad: .asciz "bytes out of place"
s_stream_gap: .asciz "longest gap between answers, ticks:"
s_stream_gap_at: .asciz "before answer"
s_stream_good: .asciz "verdict: every byte came back once and in order"
s_stream_misplaced: .asciz "verdict: bytes out of place, the first at byte"
s_stream_short: .asciz "verdict: the stream ended early, bytes back:"
    .balign 4
