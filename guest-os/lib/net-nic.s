; The NIC driver: receive and transmit rings of NIC_SLOTS buffers, and net_poll, which runs the
; stack: every frame received goes up through eth_input, then the TCP timers run. Every socket
; call starts with net_poll, and so does the scheduler's hook when frames have come.

    .balign 8
nic_rx_ring:
    .zero 64                    ; NIC_SLOTS descriptors
nic_tx_ring:                    ; (right after the receive ring: net_start fills both)
    .zero 64
nic_rx_seen:                    ; receive index handled so far
    .word 0
nic_tx_tail:                    ; transmit index of the next frame
    .word 0
net_mac:                        ; this NIC's address, as three halves in wire order
    .zero 8
net_ip:                         ; this host's address on the wire: 10.0.0.<last byte of the MAC>
    .word 0
net_vip:                        ; a service address this host also answers TCP on (boot argument
    .word 0                     ; vip=N: 10.0.0.N, a cluster's front end's), 0 = none
net_up:                         ; 1 once net_start has run
    .word 0
str_key_vip: .asciz "vip"
    .balign 4

; net_start(): the first time the scheduler looks for a task (net_wake), before any socket call:
; page frames for the NIC's buffers and the sockets' rings, both rings handed to the NIC (the
; receive buffers posted), the addresses learned. Frames that came before wait in the NIC.
; Without a NIC, or without the frames, the network stays down: no socket can be made. Keeps
; s0..s3.
net_start:
    save_ra_s2
    la t0, net_up
    li t1, 1
    sw t1, 0(t0)
    in t0, PORT_NET_STATUS      ; -1: the machine has no NIC
    blt t0, zero, net_start_done
    la s0, nic_rx_ring          ; receive and transmit descriptors are one after the other
    li s1, NIC_SLOTS            ; frames for the buffers, two buffers each
net_start_bufs:
    call frame_alloc
    beqz a0, net_start_done
    addi t0, a0, 2
    sw t0, 0(s0)
    li t1, NIC_ROOM
    sw t1, 4(s0)
    addi t0, t0, NIC_BUF
    sw t0, 8(s0)
    sw t1, 12(s0)
    addi s0, s0, 16
    addi s1, s1, -1
    bnez s1, net_start_bufs
    la s0, sockets
net_start_rings:
    la t0, sockets_end
    bgeu s0, t0, net_start_nic
    call frame_alloc
    beqz a0, net_start_done
    sw a0, SK_BUF(s0)
    addi s0, s0, SK_SIZE
    j net_start_rings
net_start_nic:
    la t0, nic_rx_ring
    out PORT_NET_RX_RING, t0
    li t0, NIC_SLOTS
    out PORT_NET_RX_SIZE, t0
    out PORT_NET_RX_TAIL, t0
    la t0, nic_tx_ring
    out PORT_NET_TX_RING, t0
    li t0, NIC_SLOTS
    out PORT_NET_TX_SIZE, t0
    la t0, net_mac
    in t1, PORT_NET_MAC_LOW
    sw t1, 0(t0)
    in t2, PORT_NET_MAC_HIGH
    sh t2, 4(t0)
    shri t2, t2, 8              ; the MAC's last byte is the address's last byte
    shli t2, t2, 24
    ori t2, t2, 10
    la t0, net_ip
    sw t2, 0(t0)
    la a0, str_key_vip
    call arg_find
    beqz a0, net_start_done
    call parse_dec
    addi t0, a0, -1             ; 10.0.0.1 to 10.0.0.254, else none
    li t1, 254
    bgeu t0, t1, net_start_done
    shli a0, a0, 24
    ori a0, a0, 10
    la t0, net_vip
    sw a0, 0(t0)
net_start_done:
    restore_ra_s2
    ret

; nic_tx_frame() -> a0 = where the next frame to send is built, or 0 while every transmit buffer
; is still in the NIC's hands
nic_tx_frame:
    la t0, nic_tx_tail
    lw t0, 0(t0)
    in t1, PORT_NET_TX_HEAD
    sub t1, t0, t1
    li t2, NIC_SLOTS
    bgeu t1, t2, nic_tx_full
    andi t0, t0, NIC_MASK
    shli t0, t0, 3
    la t1, nic_tx_ring
    add t0, t0, t1
    lw a0, 0(t0)
    ret
nic_tx_full:
    li a0, 0
    ret

; nic_send(a0 = length): sends the frame nic_tx_frame gave, padded with zeros to FRAME_MIN
nic_send:
    la t3, nic_tx_tail
    lw t4, 0(t3)
    andi t0, t4, NIC_MASK
    shli t0, t0, 3
    la t1, nic_tx_ring
    add t0, t0, t1
    li t1, FRAME_MIN
    bge a0, t1, nic_send_go
    lw t2, 0(t0)                ; zero the padding: no old bytes leave the machine
    add t2, t2, a0
nic_send_pad:
    sb zero, 0(t2)
    addi t2, t2, 1
    addi a0, a0, 1
    blt a0, t1, nic_send_pad
nic_send_go:
    sw a0, 4(t0)
    addi t4, t4, 1
    sw t4, 0(t3)
    out PORT_NET_TX_TAIL, t4
    la t0, net_frames_sent
    lw t1, 0(t0)
    addi t1, t1, 1
    sw t1, 0(t0)
    ret

net_frames_sent:                ; frames sent and received, for the bench's cost per frame
    .word 0
net_frames_received:
    .word 0

; net_poll(): takes every frame received up the stack, posts its buffer again, then runs the
; TCP timers. Keeps s0..s3.
net_poll:
    save_ra_s1
    li t0, NET_CAUSE_RX | NET_CAUSE_ERROR
    out PORT_NET_CAUSE, t0
net_poll_next:
    in t0, PORT_NET_RX_HEAD
    la t1, nic_rx_seen
    lw s0, 0(t1)
    sub t0, t0, s0              ; frames not handled yet: none, or more than the ring holds
    beqz t0, net_poll_timers    ; (no NIC reads -1), which no NIC can have written
    li t1, NIC_SLOTS
    bgtu t0, t1, net_poll_timers
    andi t1, s0, NIC_MASK
    shli t1, t1, 3
    la t2, nic_rx_ring
    add s1, t1, t2              ; s1: the descriptor
    lw t0, 4(s1)
    li t1, NET_DESC_ERROR
    and t1, t0, t1
    bnez t1, net_poll_repost
    la t1, net_frames_received
    lw t2, 0(t1)
    addi t2, t2, 1
    sw t2, 0(t1)
    lw a0, 0(s1)
    li t1, 0xffff
    and a1, t0, t1
    call eth_input
net_poll_repost:
    li t0, NIC_ROOM
    sw t0, 4(s1)
    addi s0, s0, 1
    la t1, nic_rx_seen
    sw s0, 0(t1)
    addi t0, s0, NIC_SLOTS
    out PORT_NET_RX_TAIL, t0
    j net_poll_next
net_poll_timers:
    call tcp_timers
    restore_ra_s1
    ret
