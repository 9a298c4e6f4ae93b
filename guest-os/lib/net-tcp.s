; TCP (RFC 793/9293), a small honest subset: the three-way handshake, sequence numbers and
; cumulative acknowledgements, retransmission on timeout (go-back-N from the oldest byte not
; acknowledged, the timeout doubling up to TCP_TRIES times, then the connection is given up),
; the receiver's window for flow control (with a one-byte probe into a closed window), FIN in
; both directions and RST. Not here: options (MSS, window scaling, SACK, timestamps), out-of-
; order reassembly (such segments are dropped and acknowledged again), congestion control, urgent
; data, TIME_WAIT (a connection is freed once both FINs are acknowledged).

; The segment being handled by tcp_input (the kernel is not re-entered, so one set is enough)
seg_seq:
    .word 0
seg_ack:
    .word 0
seg_flags:
    .word 0
seg_wnd:
    .word 0
seg_len:                        ; data bytes
    .word 0
seg_data:
    .word 0
seg_sport:
    .word 0
seg_dport:
    .word 0
seg_src:
    .word 0
seg_local:                      ; the address it came to, when it is the service address (net_vip), else 0
    .word 0
; The socket words a reset for a segment no socket takes is sent from (tcp_reply_rst)
tcp_scratch:
    .zero SK_BUF

; tcp_iss() -> a0 = an initial sequence number, from the guest time (so a run is repeatable)
tcp_iss:
    csrr a0, time
    li t0, 0x9e3779b1
    mul a0, a0, t0
    ret

; tcp_connect(a0 = socket, a1 = peer (wire form), a2 = port) -> 0 once established, -1 when
; refused or given up, NET_AGAIN until then
tcp_connect:
    save_ra_s1
    mv s0, a0
    lw t0, SK_STATE(s0)
    li t1, SK_ESTAB
    beq t0, t1, tcp_connect_ok
    li t1, SK_SYN_SENT
    beq t0, t1, tcp_connect_again
    li t1, SK_TCP_NEW
    bne t0, t1, tcp_connect_fail
    sw a1, SK_RIP(s0)
    sw a2, SK_RPORT(s0)
    call sock_autobind
    lw a0, SK_RIP(s0)
    call arp_lookup             ; the SYN waits until the peer's MAC is known
    beqz a0, tcp_connect_again
    call tcp_iss
    sw a0, SK_SND_UNA(s0)
    sw a0, SK_SND_NXT(s0)
    li t0, SK_SYN_SENT
    sw t0, SK_STATE(s0)
    mv a0, s0
    call tcp_output
tcp_connect_again:
    li a0, NET_AGAIN
    j tcp_connect_done
tcp_connect_ok:
    li a0, 0
    j tcp_connect_done
tcp_connect_fail:
    li a0, -1
tcp_connect_done:
    restore_ra_s1
    ret

; tcp_write(a0 = socket, a1 = user buffer, a2 = length) -> bytes taken into the send ring, -1
; when the stream is closed or the buffer bad, NET_AGAIN while the ring is full
tcp_write:
    save_ra_s2
    mv s0, a0
    lw t0, SK_STATE(s0)
    li t1, SK_ESTAB
    bne t0, t1, tcp_write_fail
    lw t0, SK_FLAGS(s0)
    andi t0, t0, SKF_FIN_WANTED
    bnez t0, tcp_write_fail
    li a0, 0
    blez a2, tcp_write_done
    lw t0, SK_TX_LEN(s0)
    li t1, SK_RING
    sub t1, t1, t0              ; room
    li a0, NET_AGAIN
    beqz t1, tcp_write_done
    mv s1, a2
    ble s1, t1, tcp_write_fits
    mv s1, t1
tcp_write_fits:
    mv a2, a1
    lw a1, SK_SND_UNA(s0)
    add a1, a1, t0
    lw a0, SK_BUF(s0)
    addi a0, a0, SK_RING
    mv a3, s1
    call ucopy_in
    blt a0, zero, tcp_write_fail
    lw t0, SK_TX_LEN(s0)
    add t0, t0, s1
    sw t0, SK_TX_LEN(s0)
    mv a0, s0
    call tcp_output
    mv a0, s1
    j tcp_write_done
tcp_write_fail:
    li a0, -1
tcp_write_done:
    restore_ra_s2
    ret

; tcp_read(a0 = socket, a1 = user buffer, a2 = length) -> bytes read, 0 at the end of the
; stream, -1 after a reset or for a bad buffer, NET_AGAIN while nothing has come
tcp_read:
    save_ra_s2
    mv s0, a0
    lw t0, SK_RX_LEN(s0)
    bnez t0, tcp_read_some
    lw t1, SK_FLAGS(s0)
    andi t1, t1, SKF_FIN_RCVD
    li a0, 0
    bnez t1, tcp_read_done
    lw t1, SK_STATE(s0)
    li t2, SK_RESET
    li a0, -1
    beq t1, t2, tcp_read_done
    li a0, NET_AGAIN
    j tcp_read_done
tcp_read_some:
    li a0, 0
    blez a2, tcp_read_done
    mv s1, a2
    ble s1, t0, tcp_read_fits
    mv s1, t0
tcp_read_fits:
    mv a2, a1
    lw a1, SK_RCV_NXT(s0)
    sub a1, a1, t0
    lw t1, SK_FLAGS(s0)         ; a FIN that came counts in rcv_nxt, but has no byte in the ring
    andi t1, t1, SKF_FIN_RCVD
    sub a1, a1, t1
    lw a0, SK_BUF(s0)
    mv a3, s1
    call ucopy_out
    blt a0, zero, tcp_read_fail
    lw t0, SK_RX_LEN(s0)
    sub t1, t0, s1
    sw t1, SK_RX_LEN(s0)
    li t2, SK_RING - TCP_MSS    ; the window was under a segment and is not now: say so
    ble t0, t2, tcp_read_n
    bgt t1, t2, tcp_read_n
    lw t0, SK_STATE(s0)
    li t1, SK_ESTAB
    bne t0, t1, tcp_read_n
    mv a0, s0
    call tcp_ack
tcp_read_n:
    mv a0, s1
    j tcp_read_done
tcp_read_fail:
    li a0, -1
tcp_read_done:
    restore_ra_s2
    ret

; tcp_close(a0 = socket): its owner is done with it (no descriptor names it from now on). A
; connection sends a FIN after its data and is freed when the closing handshake ends; one not
; yet (or no longer) connected goes now.
tcp_close:
    push ra
    push s0
    mv s0, a0
    lw t0, SK_FLAGS(s0)
    ori t0, t0, SKF_CLOSED | SKF_FIN_WANTED
    sw t0, SK_FLAGS(s0)
    lw t0, SK_STATE(s0)
    li t1, SK_SYN_RCVD
    blt t0, t1, tcp_close_free  ; SYN_SENT
    li t1, SK_RESET
    beq t0, t1, tcp_close_free
    call tcp_output
    mv a0, s0
    call tcp_maybe_free
    j tcp_close_done
tcp_close_free:
    sw zero, SK_STATE(s0)
tcp_close_done:
    pop s0
    pop ra
    ret

; tcp_unlisten(a0 = listener): resets the connections it holds that were not accepted, and goes
tcp_unlisten:
    save_ra_s1
    mv s1, a0
    la s0, sockets
tcp_unlisten_scan:
    la t0, sockets_end
    bgeu s0, t0, tcp_unlisten_done
    lw t0, SK_STATE(s0)
    beqz t0, tcp_unlisten_next
    lw t0, SK_PARENT(s0)
    bne t0, s1, tcp_unlisten_next
    mv a0, s0
    lw a1, SK_SND_NXT(s0)
    li a2, TCP_RST | TCP_ACKF
    li a3, 0
    call tcp_segment
    sw zero, SK_STATE(s0)
tcp_unlisten_next:
    li t0, SK_SIZE
    add s0, s0, t0
    j tcp_unlisten_scan
tcp_unlisten_done:
    sw zero, SK_STATE(s1)
    restore_ra_s1
    ret

; tcp_accepted(a0 = listener) -> a0 = an established connection it holds, not yet accepted, or 0
tcp_accepted:
    la t0, sockets
    la t1, sockets_end
tcp_accepted_scan:
    bgeu t0, t1, tcp_accepted_none
    lw t2, SK_PARENT(t0)
    bne t2, a0, tcp_accepted_next
    lw t2, SK_STATE(t0)
    li t3, SK_ESTAB
    beq t2, t3, tcp_accepted_found
tcp_accepted_next:
    li t2, SK_SIZE
    add t0, t0, t2
    j tcp_accepted_scan
tcp_accepted_found:
    mv a0, t0
    ret
tcp_accepted_none:
    li a0, 0
    ret

; tcp_ready(a0 = connection) -> a0 = its poll events
tcp_ready:
    lw t0, SK_STATE(a0)
    li t1, SK_RESET
    bne t0, t1, tcp_ready_open
    li a0, POLLIN | POLLERR | POLLHUP
    ret
tcp_ready_open:
    lw t2, SK_FLAGS(a0)
    li t3, 0
    lw t4, SK_RX_LEN(a0)
    bnez t4, tcp_ready_in
    andi t4, t2, SKF_FIN_RCVD
    beqz t4, tcp_ready_out
tcp_ready_in:
    ori t3, t3, POLLIN
tcp_ready_out:
    li t1, SK_ESTAB
    bne t0, t1, tcp_ready_done
    andi t4, t2, SKF_FIN_WANTED
    bnez t4, tcp_ready_done
    lw t4, SK_TX_LEN(a0)
    li t1, SK_RING
    bge t4, t1, tcp_ready_done
    ori t3, t3, POLLOUT
tcp_ready_done:
    mv a0, t3
    ret

; tcp_maybe_free(a0 = socket): frees a closed connection once both FINs are acknowledged
tcp_maybe_free:
    lw t0, SK_FLAGS(a0)
    andi t0, t0, SKF_CLOSED | SKF_FIN_ACKED | SKF_FIN_RCVD
    li t1, SKF_CLOSED | SKF_FIN_ACKED | SKF_FIN_RCVD
    bne t0, t1, tcp_maybe_free_no
    sw zero, SK_STATE(a0)
tcp_maybe_free_no:
    ret

; tcp_reset(a0 = socket): the connection is over (reset, or given up): freed when nobody holds
; it, else calls on it fail from now on
tcp_reset:
    sw zero, SK_RTO_AT(a0)
    lw t0, SK_FLAGS(a0)
    andi t0, t0, SKF_CLOSED
    bnez t0, tcp_reset_free
    lw t0, SK_PARENT(a0)
    bnez t0, tcp_reset_free
    li t0, SK_RESET
    sw t0, SK_STATE(a0)
    ret
tcp_reset_free:
    sw zero, SK_STATE(a0)
    ret

; tcp_timers(): every connection whose retransmission timeout has come sends again from its
; oldest unacknowledged byte (or gives up after TCP_TRIES timeouts in a row)
tcp_timers:
    save_ra_s1
    la s0, sockets
tcp_timers_scan:
    la t0, sockets_end
    bgeu s0, t0, tcp_timers_done
    lw t0, SK_STATE(s0)
    li t1, SK_SYN_SENT
    blt t0, t1, tcp_timers_next
    li t1, SK_ESTAB
    bgt t0, t1, tcp_timers_next
    lw t0, SK_RTO_AT(s0)
    beqz t0, tcp_timers_next
    csrr t1, time
    sub t1, t1, t0
    blt t1, zero, tcp_timers_next
    lw t0, SK_TRIES(s0)
    addi t0, t0, 1
    sw t0, SK_TRIES(s0)
    li t1, TCP_TRIES
    ble t0, t1, tcp_timers_again
    mv a0, s0
    call tcp_reset
    j tcp_timers_next
tcp_timers_again:
    sw zero, SK_RTO_AT(s0)
    lw t0, SK_SND_UNA(s0)
    sw t0, SK_SND_NXT(s0)
    lw t0, SK_FLAGS(s0)
    andi t1, t0, SKF_FIN_ACKED
    bnez t1, tcp_timers_probe
    andi t0, t0, ~SKF_FIN_SENT & 0xffff
    sw t0, SK_FLAGS(s0)
tcp_timers_probe:
    lw t0, SK_SND_WND(s0)
    bnez t0, tcp_timers_send
    li t0, 1                    ; a closed window: one byte probes it
    sw t0, SK_SND_WND(s0)
tcp_timers_send:
    mv a0, s0
    call tcp_output
tcp_timers_next:
    li t0, SK_SIZE
    add s0, s0, t0
    j tcp_timers_scan
tcp_timers_done:
    restore_ra_s1
    ret

; tcp_output(a0 = socket) -> a0 = segments sent: the SYN (or SYN-ACK) if not yet out, data the
; peer's window lets through, the FIN after the data; arms the timer while anything is pending
tcp_output:
    save_ra_s3
    mv s0, a0
    li s3, 0                    ; segments sent
    lw t0, SK_STATE(s0)
    li a2, TCP_SYN
    li t1, SK_SYN_SENT
    beq t0, t1, tcp_output_syn
    li a2, TCP_SYN | TCP_ACKF
    li t1, SK_SYN_RCVD
    beq t0, t1, tcp_output_syn
    li t1, SK_ESTAB
    bne t0, t1, tcp_output_done
tcp_output_data:
    lw t0, SK_FLAGS(s0)
    andi t0, t0, SKF_FIN_SENT
    bnez t0, tcp_output_arm
    lw t0, SK_SND_UNA(s0)
    lw t1, SK_TX_LEN(s0)
    add s1, t0, t1              ; s1: end of the data
    lw t2, SK_SND_NXT(s0)
    sub s2, s1, t2              ; s2: bytes not sent yet
    sub t3, t2, t0              ; in flight
    lw t4, SK_SND_WND(s0)
    sub t4, t4, t3              ; what the window still lets through
    li t0, TCP_MSS
    mv a3, s2
    ble a3, t4, 1f
    mv a3, t4
1:  ble a3, t0, 2f
    mv a3, t0
2:  blez a3, tcp_output_fin
    push a3
    mv a0, s0
    mv a1, t2
    li a2, TCP_ACKF | TCP_PSH
    call tcp_segment
    pop a3
    bnez a0, tcp_output_arm
    lw t0, SK_SND_NXT(s0)
    add t0, t0, a3
    sw t0, SK_SND_NXT(s0)
    addi s3, s3, 1
    j tcp_output_data
tcp_output_fin:
    bnez s2, tcp_output_arm
    lw t0, SK_FLAGS(s0)
    andi t0, t0, SKF_FIN_WANTED
    beqz t0, tcp_output_arm
    mv a0, s0
    lw a1, SK_SND_NXT(s0)
    li a2, TCP_FIN | TCP_ACKF
    li a3, 0
    call tcp_segment
    bnez a0, tcp_output_arm
    lw t0, SK_FLAGS(s0)
    ori t0, t0, SKF_FIN_SENT
    sw t0, SK_FLAGS(s0)
    j tcp_output_sent_one
tcp_output_syn:
    lw a1, SK_SND_UNA(s0)
    lw t0, SK_SND_NXT(s0)
    bne a1, t0, tcp_output_arm  ; already out
    mv a0, s0
    li a3, 0
    call tcp_segment
    bnez a0, tcp_output_arm
tcp_output_sent_one:
    lw t0, SK_SND_NXT(s0)
    addi t0, t0, 1
    sw t0, SK_SND_NXT(s0)
    addi s3, s3, 1
tcp_output_arm:
    lw t0, SK_RTO_AT(s0)
    bnez t0, tcp_output_done
    lw t0, SK_SND_UNA(s0)
    lw t1, SK_SND_NXT(s0)
    bne t0, t1, tcp_output_timer
    lw t2, SK_TX_LEN(s0)        ; nothing in flight: data waiting for the window (or a
    lw t3, SK_FLAGS(s0)         ; transmit buffer), or a FIN not yet sent, keeps the timer
    andi t4, t3, SKF_FIN_WANTED | SKF_FIN_SENT
    xori t4, t4, SKF_FIN_WANTED
    seqz t4, t4
    or t2, t2, t4
    andi t4, t3, SKF_CLOSED | SKF_FIN_ACKED | SKF_FIN_RCVD  ; closed, waiting for the peer's
    xori t4, t4, SKF_CLOSED | SKF_FIN_ACKED                 ; FIN: not for ever
    seqz t4, t4
    or t2, t2, t4
    lw t3, SK_STATE(s0)
    li t4, SK_ESTAB
    bne t3, t4, tcp_output_timer    ; a SYN that could not go
    beqz t2, tcp_output_done
tcp_output_timer:
    lw t0, SK_TRIES(s0)
    li t1, TCP_RTO
    shl t1, t1, t0
    csrr t0, time
    add t0, t0, t1
    ori t0, t0, 1               ; never 0, which means no timer
    sw t0, SK_RTO_AT(s0)
tcp_output_done:
    mv a0, s3
    restore_ra_s3
    ret

; tcp_ack(a0 = socket) -> a0 = 0 when sent: a segment with no data that acknowledges what came
tcp_ack:
    lw a1, SK_SND_NXT(a0)
    li a2, TCP_ACKF
    li a3, 0
; tcp_segment(a0 = socket, a1 = sequence number, a2 = flags, a3 = data bytes from the send
; ring at that sequence number) -> a0 = 0 when sent, -1 when it could not go now
tcp_segment:
    save_ra_s3
    mv s0, a0
    mv s1, a1
    mv s2, a2
    mv s3, a3
    call nic_tx_frame
    beqz a0, tcp_segment_fail
    push a0
    lw a0, SK_BUF(s0)
    addi a0, a0, SK_RING
    mv a1, s1
    lw a2, 0(sp)
    addi a2, a2, TCP_DATA
    mv a3, s3
    call ring_copy_out
    lw a0, SK_LPORT(s0)
    call swap16
    lw t4, 0(sp)
    sh a0, TCP_SPORT(t4)
    lw a0, SK_RPORT(s0)
    call swap16
    lw t4, 0(sp)
    sh a0, TCP_DPORT(t4)
    mv a0, s1
    call swap32
    lw t4, 0(sp)
    sw a0, TCP_SEQ(t4)
    li a0, 0
    andi t0, s2, TCP_ACKF
    beqz t0, tcp_segment_ack
    lw a0, SK_RCV_NXT(s0)
    call swap32
tcp_segment_ack:
    lw t4, 0(sp)
    sw a0, TCP_ACK(t4)
    li t0, TCP_HLEN << 2        ; data offset: 5 words, no options
    sb t0, TCP_OFF(t4)
    sb s2, TCP_FLAGS(t4)
    lw t0, SK_RX_LEN(s0)
    li a0, SK_RING
    sub a0, a0, t0
    call swap16
    lw t4, 0(sp)
    sh a0, TCP_WIN(t4)
    sh zero, TCP_SUM(t4)
    sh zero, TCP_URG(t4)
    mv a0, t4
    li a1, IPPROTO_TCP
    addi a2, s3, TCP_HLEN
    lw a3, SK_RIP(s0)
    call ip_header
    lw a1, SK_LIP(s0)
    beqz a1, 1f
    lw a0, 0(sp)
    call ip_source
1:  lw a0, 0(sp)
    addi a1, s3, TCP_HLEN
    call l4_sum
    lw t4, 0(sp)
    sh a0, TCP_SUM(t4)
    pop a0
    addi a1, s3, TCP_HLEN
    call ip_send
    j tcp_segment_done
tcp_segment_fail:
    li a0, -1
tcp_segment_done:
    restore_ra_s3
    ret

; ---- input

; tcp_input(a0 = frame, a1 = TCP length from the IP header)
tcp_input:
    save_ra_s2
    mv s0, a0
    mv s1, a1
    li t0, TCP_HLEN
    blt s1, t0, tcp_input_done
    lbu t0, TCP_OFF(s0)
    shri t0, t0, 4
    shli t0, t0, 2              ; header length with options
    li t1, TCP_HLEN
    blt t0, t1, tcp_input_done
    bgt t0, s1, tcp_input_done
    la t2, seg_len
    sub t1, s1, t0
    sw t1, 0(t2)
    add t1, s0, t0
    addi t1, t1, L4
    la t2, seg_data
    sw t1, 0(t2)
    mv a0, s0
    mv a1, s1
    call l4_sum
    bnez a0, tcp_input_done     ; a bad checksum: as if it never came
    lw a0, TCP_SEQ(s0)
    call swap32
    la t0, seg_seq
    sw a0, 0(t0)
    lw a0, TCP_ACK(s0)
    call swap32
    la t0, seg_ack
    sw a0, 0(t0)
    lbu t1, TCP_FLAGS(s0)
    la t0, seg_flags
    sw t1, 0(t0)
    lhu a0, TCP_WIN(s0)
    call swap16
    la t0, seg_wnd
    sw a0, 0(t0)
    lhu a0, TCP_SPORT(s0)
    call swap16
    la t0, seg_sport
    sw a0, 0(t0)
    lhu a0, TCP_DPORT(s0)
    call swap16
    la t0, seg_dport
    sw a0, 0(t0)
    lw t1, IP_SRC(s0)
    la t0, seg_src
    sw t1, 0(t0)
    lw t1, IP_DST(s0)
    la t0, net_ip
    lw t0, 0(t0)
    xor t0, t0, t1              ; 0 for this host's own address
    snez t0, t0
    sub t0, zero, t0
    and t1, t1, t0
    la t0, seg_local
    sw t1, 0(t0)
    call tcp_find
    beqz a0, tcp_input_nobody
    mv s2, a0
    lw t0, SK_STATE(s2)
    li t1, SK_LISTEN
    beq t0, t1, tcp_input_listen
    la t1, seg_flags
    lw t1, 0(t1)
    andi t1, t1, TCP_RST
    bnez t1, tcp_input_rst
    li t1, SK_SYN_SENT
    beq t0, t1, tcp_input_syn_sent
    mv a0, s2
    call tcp_input_open
    j tcp_input_done
tcp_input_nobody:
    call tcp_reply_rst
    j tcp_input_done
tcp_input_listen:
    mv a0, s2
    call tcp_input_syn
    j tcp_input_done
tcp_input_rst:
    mv a0, s2
    call tcp_input_reset
    j tcp_input_done
tcp_input_syn_sent:
    mv a0, s2
    call tcp_input_synack
tcp_input_done:
    restore_ra_s2
    ret

; tcp_find() -> a0 = the connection the segment belongs to, else a listener on its port, else 0
tcp_find:
    la t0, seg_dport
    lw a0, 0(t0)
    la t0, seg_sport
    lw a1, 0(t0)
    la t0, seg_src
    lw a2, 0(t0)
    la t0, sockets
    la t1, sockets_end
tcp_find_scan:
    bgeu t0, t1, tcp_find_listener
    lw t2, SK_STATE(t0)
    li t3, SK_SYN_SENT
    blt t2, t3, tcp_find_next
    li t3, SK_ESTAB
    bgt t2, t3, tcp_find_next
    lw t2, SK_LPORT(t0)
    bne t2, a0, tcp_find_next
    lw t2, SK_RPORT(t0)
    bne t2, a1, tcp_find_next
    lw t2, SK_RIP(t0)
    bne t2, a2, tcp_find_next
    mv a0, t0
    ret
tcp_find_next:
    li t2, SK_SIZE
    add t0, t0, t2
    j tcp_find_scan
tcp_find_listener:
    li a1, SK_LISTEN
    j sock_bound

; tcp_reply_rst(): answers a segment no socket takes with a reset (unless it is one)
tcp_reply_rst:
    push ra
    la t0, seg_flags
    lw t1, 0(t0)
    andi t2, t1, TCP_RST
    bnez t2, tcp_reply_rst_done
    la a0, tcp_scratch
    la t0, seg_dport
    lw t0, 0(t0)
    sw t0, SK_LPORT(a0)
    la t0, seg_sport
    lw t0, 0(t0)
    sw t0, SK_RPORT(a0)
    la t0, seg_src
    lw t0, 0(t0)
    sw t0, SK_RIP(a0)
    la t0, seg_local
    lw t0, 0(t0)
    sw t0, SK_LIP(a0)
    li t0, SK_RING              ; a window of 0
    sw t0, SK_RX_LEN(a0)
    andi t2, t1, TCP_ACKF
    beqz t2, tcp_reply_rst_ack
    la t0, seg_ack              ; RST from where the peer thinks we are
    lw a1, 0(t0)
    li a2, TCP_RST
    j tcp_reply_rst_send
tcp_reply_rst_ack:
    la t0, seg_seq              ; RST|ACK of everything the segment held
    lw t0, 0(t0)
    la t2, seg_len
    lw t2, 0(t2)
    add t0, t0, t2
    andi t2, t1, TCP_SYN
    snez t2, t2
    add t0, t0, t2
    andi t2, t1, TCP_FIN
    snez t2, t2
    add t0, t0, t2
    sw t0, SK_RCV_NXT(a0)
    li a1, 0
    li a2, TCP_RST | TCP_ACKF
tcp_reply_rst_send:
    li a3, 0
    call tcp_segment
tcp_reply_rst_done:
    pop ra
    ret

; tcp_input_syn(a0 = listener): a SYN makes a connection in SYN_RCVD that answers with SYN-ACK,
; while the listener holds fewer than TCP_BACKLOG. When it holds that many, the oldest of those
; still half-open after their SYN-ACK's first timeout makes way: a SYN flood's connections,
; which never complete, keep a client out for one timeout at most once the flood stops, while
; the clients of a burst, whose ACKs come within a round trip, keep their places.
tcp_input_syn:
    save_ra_s2
    mv s1, a0
    la t0, seg_flags
    lw t0, 0(t0)
    andi t1, t0, TCP_RST
    bnez t1, tcp_input_syn_done
    andi t1, t0, TCP_ACKF
    bnez t1, tcp_input_syn_stray
    andi t1, t0, TCP_SYN
    beqz t1, tcp_input_syn_done
    li t2, 0                    ; connections held
    li t4, 0                    ; the half-open one that makes way
    la t0, sockets
    la t1, sockets_end
tcp_input_syn_count:
    bgeu t0, t1, tcp_input_syn_counted
    lw t3, SK_STATE(t0)
    beqz t3, 1f
    lw t3, SK_PARENT(t0)
    bne t3, s1, 1f
    addi t2, t2, 1
    lw t3, SK_STATE(t0)
    li a0, SK_SYN_RCVD
    bne t3, a0, 1f
    lw t3, SK_TRIES(t0)
    beqz t3, 1f
    beqz t4, 2f
    lw t3, SK_BORN(t0)
    lw a0, SK_BORN(t4)
    sub t3, t3, a0
    bge t3, zero, 1f
2:  mv t4, t0
1:  li t3, SK_SIZE
    add t0, t0, t3
    j tcp_input_syn_count
tcp_input_syn_counted:
    li t3, TCP_BACKLOG
    blt t2, t3, tcp_input_syn_take
    beqz t4, tcp_input_syn_done ; all established, waiting for accept: the SYN is dropped
    sw zero, SK_STATE(t4)
tcp_input_syn_take:
    call sock_alloc
    beqz a0, tcp_input_syn_done
    mv s2, a0
    li t0, SK_SYN_RCVD
    sw t0, SK_STATE(s2)
    sw s1, SK_PARENT(s2)
    csrr t0, time
    sw t0, SK_BORN(s2)
    lw t0, SK_LPORT(s1)
    sw t0, SK_LPORT(s2)
    la t0, seg_sport
    lw t0, 0(t0)
    sw t0, SK_RPORT(s2)
    la t0, seg_src
    lw t0, 0(t0)
    sw t0, SK_RIP(s2)
    la t0, seg_local
    lw t0, 0(t0)
    sw t0, SK_LIP(s2)
    la t0, seg_seq
    lw t0, 0(t0)
    addi t0, t0, 1
    sw t0, SK_RCV_NXT(s2)
    la t0, seg_wnd
    lw t0, 0(t0)
    sw t0, SK_SND_WND(s2)
    call tcp_iss
    sw a0, SK_SND_UNA(s2)
    sw a0, SK_SND_NXT(s2)
    mv a0, s2
    call tcp_output
    j tcp_input_syn_done
tcp_input_syn_stray:
    call tcp_reply_rst
tcp_input_syn_done:
    restore_ra_s2
    ret

; tcp_input_reset(a0 = connection): a RST at the expected place ends it
tcp_input_reset:
    lw t0, SK_STATE(a0)
    li t1, SK_SYN_SENT
    bne t0, t1, tcp_input_reset_seq
    la t0, seg_flags
    lw t0, 0(t0)
    andi t0, t0, TCP_ACKF
    beqz t0, tcp_input_reset_no
    la t0, seg_ack
    lw t0, 0(t0)
    lw t1, SK_SND_NXT(a0)
    beq t0, t1, tcp_reset
    ret
tcp_input_reset_seq:
    la t0, seg_seq
    lw t0, 0(t0)
    lw t1, SK_RCV_NXT(a0)
    beq t0, t1, tcp_reset
tcp_input_reset_no:
    ret

; tcp_input_synack(a0 = connection in SYN_SENT): the SYN-ACK establishes it
tcp_input_synack:
    save_ra_s1
    mv s1, a0
    la t0, seg_flags
    lw t0, 0(t0)
    andi t1, t0, TCP_ACKF
    beqz t1, tcp_input_synack_done
    la t1, seg_ack
    lw t1, 0(t1)
    lw t2, SK_SND_NXT(s1)
    bne t1, t2, tcp_input_synack_bad
    andi t0, t0, TCP_SYN
    beqz t0, tcp_input_synack_done
    sw t1, SK_SND_UNA(s1)
    la t0, seg_seq
    lw t0, 0(t0)
    addi t0, t0, 1
    sw t0, SK_RCV_NXT(s1)
    la t0, seg_wnd
    lw t0, 0(t0)
    sw t0, SK_SND_WND(s1)
    li t0, SK_ESTAB
    sw t0, SK_STATE(s1)
    sw zero, SK_RTO_AT(s1)
    sw zero, SK_TRIES(s1)
    mv a0, s1
    call tcp_ack
    mv a0, s1
    call tcp_output
    j tcp_input_synack_done
tcp_input_synack_bad:
    call tcp_reply_rst
tcp_input_synack_done:
    restore_ra_s1
    ret

; tcp_input_open(a0 = connection in SYN_RCVD or ESTAB): acknowledgement, window, data, FIN
tcp_input_open:
    save_ra_s3
    mv s1, a0
    li s3, 0                    ; 1: what came must be acknowledged
    la t0, seg_flags
    lw s2, 0(t0)                ; s2: the flags
    andi t0, s2, TCP_SYN
    beqz t0, tcp_open_ack
    lw t0, SK_STATE(s1)         ; a SYN again: our SYN-ACK was lost, or an old duplicate
    li t1, SK_SYN_RCVD
    bne t0, t1, tcp_open_reack
    lw t0, SK_SND_UNA(s1)
    sw t0, SK_SND_NXT(s1)
    mv a0, s1
    call tcp_output
    j tcp_open_done
tcp_open_reack:
    mv a0, s1
    call tcp_ack
    j tcp_open_done
tcp_open_ack:
    andi t0, s2, TCP_ACKF
    beqz t0, tcp_open_done
    la t0, seg_ack
    lw t0, 0(t0)
    lw t1, SK_SND_UNA(s1)
    sub t2, t0, t1              ; t2: bytes (and SYN, FIN) newly acknowledged
    blt t2, zero, tcp_open_window   ; an old acknowledgement
    lw t3, SK_SND_NXT(s1)
    sub t3, t3, t1
    bgtu t2, t3, tcp_open_reack     ; acknowledges what was never sent
    sw zero, SK_TRIES(s1)
    beqz t2, tcp_open_none
    sw t0, SK_SND_UNA(s1)
    sw zero, SK_RTO_AT(s1)
    lw t1, SK_STATE(s1)
    li t3, SK_SYN_RCVD
    bne t1, t3, tcp_open_fin_acked
    li t1, SK_ESTAB             ; the handshake's last step
    sw t1, SK_STATE(s1)
    addi t2, t2, -1
tcp_open_fin_acked:
    lw t1, SK_FLAGS(s1)
    andi t3, t1, SKF_FIN_SENT
    beqz t3, tcp_open_data_acked
    lw t3, SK_SND_NXT(s1)
    bne t0, t3, tcp_open_data_acked
    ori t1, t1, SKF_FIN_ACKED
    sw t1, SK_FLAGS(s1)
    addi t2, t2, -1
tcp_open_data_acked:
    lw t1, SK_TX_LEN(s1)
    sub t1, t1, t2
    sw t1, SK_TX_LEN(s1)
    j tcp_open_window
tcp_open_none:
    lw t1, SK_STATE(s1)
    li t3, SK_SYN_RCVD
    beq t1, t3, tcp_open_done   ; the SYN must be acknowledged first
tcp_open_window:
    la t0, seg_wnd
    lw t0, 0(t0)
    sw t0, SK_SND_WND(s1)
    la t0, seg_len
    lw t0, 0(t0)
    beqz t0, tcp_open_fin
    li s3, 1
    la t1, seg_seq
    lw t1, 0(t1)
    lw t2, SK_RCV_NXT(s1)
    bne t1, t2, tcp_open_fin    ; not the next byte: dropped, acknowledged again
    lw t3, SK_FLAGS(s1)
    andi t3, t3, SKF_FIN_RCVD
    bnez t3, tcp_open_fin
    lw t3, SK_RX_LEN(s1)
    li t4, SK_RING
    sub t4, t4, t3              ; room
    mv a3, t0
    ble a3, t4, 1f
    mv a3, t4
1:  add t3, t3, a3
    sw t3, SK_RX_LEN(s1)
    add t3, t2, a3
    sw t3, SK_RCV_NXT(s1)
    lw a0, SK_BUF(s1)
    mv a1, t2
    la t0, seg_data
    lw a2, 0(t0)
    call ring_copy_in
tcp_open_fin:
    andi t0, s2, TCP_FIN
    beqz t0, tcp_open_reply
    li s3, 1
    lw t1, SK_FLAGS(s1)
    andi t2, t1, SKF_FIN_RCVD
    bnez t2, tcp_open_reply
    la t2, seg_seq
    lw t2, 0(t2)
    la t3, seg_len
    lw t3, 0(t3)
    add t2, t2, t3
    lw t3, SK_RCV_NXT(s1)
    bne t2, t3, tcp_open_reply  ; data before the FIN is missing
    addi t3, t3, 1
    sw t3, SK_RCV_NXT(s1)
    ori t1, t1, SKF_FIN_RCVD
    sw t1, SK_FLAGS(s1)
tcp_open_reply:
    mv a0, s1
    call tcp_output
    bnez a0, tcp_open_free
    beqz s3, tcp_open_free
    mv a0, s1
    call tcp_ack
tcp_open_free:
    mv a0, s1
    call tcp_maybe_free
tcp_open_done:
    restore_ra_s3
    ret
