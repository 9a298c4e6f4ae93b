; Bare-metal NIC demo: a pinger. Sends COUNT frames to the MAC PEER_LOW/PEER_HIGH (bytes 0..3
; and 4..5, as the NIC's MAC ports show them) one at a time, stop and wait: payload bytes 2..5 hold
; the frame's number; it waits for the reply with that number and sends again after
; TIMEOUT ticks without one (printing "r"). Prints a dot per reply; halts with 0 after COUNT.
; Without an interrupt handler: wfi wakes on an enabled interrupt even with interrupts off.
.memsize 65536
.entry start
RXR = 0x3000
TXR = 0x3100
BUF = 0x4000
FRM = 0x8000
.org 0x1000
start:
.include "rings.s"
    li t2, FRM                  ; the frame: peer, this NIC, EtherType 0x88b5, 46 bytes of payload
    li t0, PEER_LOW
    sw t0, 0(t2)
    li t0, PEER_HIGH
    sh t0, 4(t2)
    in t0, PORT_NET_MAC_LOW
    sh t0, 6(t2)
    shri t0, t0, 16
    sh t0, 8(t2)
    in t0, PORT_NET_MAC_HIGH
    sh t0, 10(t2)
    li t0, 0xb588
    sh t0, 12(t2)
    li s0, 0                    ; receive index handled so far
    li s1, 0                    ; transmit tail
    li s2, 0                    ; number of the frame in flight
    li t0, IRQ_NET | IRQ_TIMER  ; wfi wakes for either; interrupts stay off (no handler)
    csrw imask, t0
send:
    li t2, FRM
    sw s2, 16(t2)
    andi t4, s1, 3
    shli t4, t4, 3
    li t1, TXR
    add t4, t4, t1
    sw t2, 0(t4)
    li t0, 60
    sw t0, 4(t4)
    addi s1, s1, 1
    out PORT_NET_TX_TAIL, s1
    csrr t0, time
    li t1, TIMEOUT
    add t0, t0, t1
    csrw timecmp, t0
wait:
    wfi
    li t0, NET_CAUSE_RX
    out PORT_NET_CAUSE, t0
    in t0, PORT_NET_RX_HEAD
    bne t0, s0, got
    csrr t1, ipend
    andi t1, t1, IRQ_TIMER
    beqz t1, wait
    li t0, 114                  ; 'r': sent again
    out PORT_CONSOLE_DATA, t0
    j send
got:
    andi t1, s0, 3
    shli t1, t1, 3
    li t2, RXR
    add t1, t1, t2
    lw t2, 0(t1)
    lw t3, 16(t2)
    li t4, 0x800
    sw t4, 4(t1)
    addi s0, s0, 1
    addi t4, s0, 4
    out PORT_NET_RX_TAIL, t4
    bne t3, s2, wait            ; a late reply to an earlier frame
    li t0, 46
    out PORT_CONSOLE_DATA, t0
    addi s2, s2, 1
    li t0, COUNT
    bne s2, t0, send
    li a0, 0                    ; every frame answered
    halt
