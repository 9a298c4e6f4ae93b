; Bare-metal NIC demo: a reflector. Posts four receive buffers, then waits in wfi with only the
; network interrupt enabled; each frame that arrives goes straight back to its sender
; (destination = its source, source = this NIC's MAC) and its buffer is posted again. Prints a
; dot per frame; halts with status FRAMES after that many. The includer defines FRAMES.
.memsize 65536
.entry start
RXR = 0x3000
TXR = 0x3100
BUF = 0x4000
.org 0x1000
start:
    la t0, handler
    csrw tvec, t0
.include "rings.s"
    li s0, 0                    ; receive index handled so far
    li s1, 0                    ; transmit tail
    li s2, FRAMES
    li t0, IRQ_NET
    csrw imask, t0
    li t0, STATUS_KERNEL | STATUS_IE
    csrw status, t0
idle:
    wfi
    j idle

handler:
    li t0, NET_CAUSE_RX
    out PORT_NET_CAUSE, t0
next:
    in t0, PORT_NET_RX_HEAD
    beq t0, s0, done
    andi t1, s0, 3
    shli t1, t1, 3
    li t2, RXR
    add t1, t1, t2              ; t1: the receive descriptor
    lw t2, 0(t1)                ; t2: its buffer
    lw t3, 4(t1)
    li t4, 0xffff
    and t3, t3, t4              ; t3: the frame's length
    lhu t4, 6(t2)               ; destination = source
    sh t4, 0(t2)
    lhu t4, 8(t2)
    sh t4, 2(t2)
    lhu t4, 10(t2)
    sh t4, 4(t2)
    in t4, PORT_NET_MAC_LOW     ; source = this NIC
    sh t4, 6(t2)
    shri t4, t4, 16
    sh t4, 8(t2)
    in t4, PORT_NET_MAC_HIGH
    sh t4, 10(t2)
    andi t4, s1, 3
    shli t4, t4, 3
    li a1, TXR
    add t4, t4, a1
    sw t2, 0(t4)
    sw t3, 4(t4)
    addi s1, s1, 1
    out PORT_NET_TX_TAIL, s1
    li t4, 0x800                ; the buffer is free again: post it
    sw t4, 4(t1)
    addi s0, s0, 1
    addi t4, s0, 4
    out PORT_NET_RX_TAIL, t4
    li t4, 46
    out PORT_CONSOLE_DATA, t4
    addi s2, s2, -1
    bnez s2, next
    li a0, FRAMES
    halt
done:
    sret
