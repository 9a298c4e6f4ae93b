; Included where the demos start: four 2 KiB receive buffers from BUF posted in the receive ring
; at RXR, and an empty four-entry transmit ring at TXR, handed to the NIC. Uses t0..t3.
    li t0, RXR
    li t1, BUF
    li t2, 4
    li t3, 0x800
fill:
    sw t1, 0(t0)
    sw t3, 4(t0)
    addi t0, t0, 8
    add t1, t1, t3
    addi t2, t2, -1
    bnez t2, fill
    li t0, RXR
    out PORT_NET_RX_RING, t0
    li t0, 4
    out PORT_NET_RX_SIZE, t0
    out PORT_NET_RX_TAIL, t0
    li t0, TXR
    out PORT_NET_TX_RING, t0
    li t0, 4
    out PORT_NET_TX_SIZE, t0
