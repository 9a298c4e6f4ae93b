; UDP (RFC 768): datagrams for a bound port wait in its socket's UDP_SLOTS slots (more are
; dropped, as a full socket buffer drops them); the checksum is checked when present and
; always sent.

; udp_input(a0 = frame, a1 = UDP length from the IP header)
udp_input:
    save_ra_s2
    mv s0, a0
    li t0, UDP_HLEN
    blt a1, t0, udp_input_done
    lbu t0, UDP_LEN(s0)
    lbu t1, UDP_LEN + 1(s0)
    shli t0, t0, 8
    or s1, t0, t1               ; s1: the UDP length
    li t0, UDP_HLEN
    blt s1, t0, udp_input_done
    bgt s1, a1, udp_input_done
    lhu t0, UDP_SUM(s0)
    beqz t0, udp_input_sum_ok   ; 0: the sender sent no checksum
    mv a1, s1
    call l4_sum
    bnez a0, udp_input_done
udp_input_sum_ok:
    lhu a0, UDP_DPORT(s0)
    call swap16
    li a1, SK_UDP
    call sock_bound
    beqz a0, udp_input_done
    mv s2, a0
    lw t0, SK_RX_LEN(s2)
    li t1, UDP_SLOTS
    bge t0, t1, udp_input_done  ; no room: dropped
    addi t1, t0, 1
    sw t1, SK_RX_LEN(s2)
    lw t1, SK_RX_HEAD(s2)
    add t0, t0, t1
    andi t0, t0, UDP_SLOT_MASK
    shli t0, t0, 9              ; * UDP_SLOT
    lw t1, SK_BUF(s2)
    add s2, t0, t1              ; s2: the slot
    lw t0, IP_SRC(s0)
    sw t0, UDP_SLOT_IP(s2)
    lhu a0, UDP_SPORT(s0)
    call swap16
    sh a0, UDP_SLOT_PORT(s2)
    addi a2, s1, -UDP_HLEN
    li t0, UDP_SLOT_MAX
    ble a2, t0, udp_input_fits
    mv a2, t0
udp_input_fits:
    sh a2, UDP_SLOT_LEN(s2)
    addi a0, s2, UDP_SLOT_DATA
    addi a1, s0, UDP_DATA
    call bytes_copy
udp_input_done:
    restore_ra_s2
    ret

; udp_send(a0 = socket, a1 = user buffer, a2 = length, a3 = destination, wire form; the port is
; in udp_send_port) -> a0 = bytes sent, -1 for a bad buffer or length, NET_AGAIN while the
; destination's MAC or a transmit buffer is not at hand
udp_send_port:
    .word 0
udp_send:
    save_ra_s3
    mv s1, a0
    mv s2, a2
    mv s3, a3
    li t0, UDP_MAX_DATA
    bgtu s2, t0, udp_send_bad
    push a1
    call sock_autobind
    call nic_tx_frame
    pop a2
    beqz a0, udp_send_again
    push a0
    addi a0, a0, UDP_DATA       ; the data straight into the frame
    li a1, 0
    mv a3, s2
    call ucopy_in
    pop t4
    blt a0, zero, udp_send_bad
    push t4
    lw a0, SK_LPORT(s1)
    call swap16
    lw t4, 0(sp)
    sh a0, UDP_SPORT(t4)
    la t0, udp_send_port
    lw a0, 0(t0)
    call swap16
    lw t4, 0(sp)
    sh a0, UDP_DPORT(t4)
    addi a0, s2, UDP_HLEN
    call swap16
    lw t4, 0(sp)
    sh a0, UDP_LEN(t4)
    sh zero, UDP_SUM(t4)
    mv a0, t4
    li a1, IPPROTO_UDP
    addi a2, s2, UDP_HLEN
    mv a3, s3
    call ip_header
    lw a0, 0(sp)
    addi a1, s2, UDP_HLEN
    call l4_sum
    bnez a0, udp_send_sum
    li a0, 0xffff               ; a computed 0 is sent as all ones: 0 means none
udp_send_sum:
    lw t4, 0(sp)
    sh a0, UDP_SUM(t4)
    pop a0
    addi a1, s2, UDP_HLEN
    call ip_send
    blt a0, zero, udp_send_again
    mv a0, s2
    j udp_send_done
udp_send_again:
    li a0, NET_AGAIN
    j udp_send_done
udp_send_bad:
    li a0, -1
udp_send_done:
    restore_ra_s3
    ret

; udp_take(a0 = socket, a1 = user buffer, a2 = length, a3 = user word pointer for the sender's
; address and port, or 0) -> a0 = bytes copied (the rest of a longer datagram is dropped), -1 for
; a bad buffer, NET_AGAIN when no datagram waits
udp_take:
    save_ra_s3
    mv s1, a0
    mv s2, a1
    mv s3, a2
    lw t0, SK_RX_LEN(s1)
    beqz t0, udp_take_again
    push a3
    lw t0, SK_RX_HEAD(s1)
    shli t0, t0, 9
    lw t1, SK_BUF(s1)
    add t0, t0, t1
    push t0                     ; the slot
    lhu t1, UDP_SLOT_LEN(t0)
    ble t1, s3, udp_take_len
    mv t1, s3
udp_take_len:
    mv s3, t1
    addi a0, t0, UDP_SLOT_DATA
    li a1, 0
    mv a2, s2
    mv a3, s3
    call ucopy_out
    pop t0
    pop a3
    blt a0, zero, udp_take_bad
    beqz a3, udp_take_pop
    push a3
    lhu t1, UDP_SLOT_PORT(t0)
    push t1
    lw a0, UDP_SLOT_IP(t0)
    call swap32                 ; the address in the host's order, as connect takes it
    mv a1, a0
    pop a2
    pop a0
    call user_put2
    blt a0, zero, udp_take_bad
udp_take_pop:
    lw t0, SK_RX_LEN(s1)
    addi t0, t0, -1
    sw t0, SK_RX_LEN(s1)
    lw t0, SK_RX_HEAD(s1)
    addi t0, t0, 1
    andi t0, t0, UDP_SLOT_MASK
    sw t0, SK_RX_HEAD(s1)
    mv a0, s3
    j udp_take_done
udp_take_again:
    li a0, NET_AGAIN
    j udp_take_done
udp_take_bad:
    li a0, -1
udp_take_done:
    restore_ra_s3
    ret
