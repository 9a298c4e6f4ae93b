; Ethernet: frames for this NIC (or broadcast) go to ARP or IPv4 by EtherType; the switch
; floods frames for unknown addresses, so the others are dropped here. Frames out get the
; addresses and type in front.

; eth_input(a0 = frame, a1 = length)
eth_input:
    li t0, ETH_HLEN
    blt a1, t0, eth_drop
    la t0, net_mac              ; for us?
    lhu t1, ETH_DST(a0)
    lhu t2, 0(t0)
    bne t1, t2, eth_broadcast
    lhu t1, ETH_DST + 2(a0)
    lhu t2, 2(t0)
    bne t1, t2, eth_drop
    lhu t1, ETH_DST + 4(a0)
    lhu t2, 4(t0)
    bne t1, t2, eth_drop
    j eth_type
eth_broadcast:
    li t2, 0xffff
    bne t1, t2, eth_drop
    lhu t1, ETH_DST + 2(a0)
    bne t1, t2, eth_drop
    lhu t1, ETH_DST + 4(a0)
    bne t1, t2, eth_drop
eth_type:
    lhu t1, ETH_TYPE(a0)
    li t2, ETH_IP_LE
    beq t1, t2, ip_input
    li t2, ETH_ARP_LE
    beq t1, t2, arp_input
eth_drop:
    ret

; mac_copy(a0 = destination, a1 = source): six bytes, both 2-byte aligned
mac_copy:
    lhu t0, 0(a1)
    sh t0, 0(a0)
    lhu t0, 2(a1)
    sh t0, 2(a0)
    lhu t0, 4(a1)
    sh t0, 4(a0)
    ret

; eth_output(a0 = frame, a1 = destination MAC, a2 = EtherType as lhu reads it, a3 = length):
; fills in the header and sends the frame
eth_output:
    push ra
    push a3
    sh a2, ETH_TYPE(a0)
    push a0
    call mac_copy
    pop a0
    addi a0, a0, ETH_SRC
    la a1, net_mac
    call mac_copy
    pop a0
    call nic_send
    pop ra
    ret
