; ARP (RFC 826): answers requests for this host's address, and keeps a small cache of the
; addresses it has seen (ARP_ENTRIES, the oldest replaced first). Every host is on the one link:
; there is no router.

.equ ARP_ENTRIES, 8
.equ ARP_ENTRY, 12              ; IP address (wire form), MAC (3 halves), padding
.equ ARP_ASK_AGAIN, 100000      ; ticks before the same address is asked for again (1 ms)

arp_cache:
    .zero 96                    ; ARP_ENTRIES * ARP_ENTRY
arp_next:                       ; entry replaced next
    .word 0
arp_asked_ip:                   ; the last address asked for, and when
    .word 0
arp_asked_at:
    .word 0
arp_broadcast:
    .half 0xffff, 0xffff, 0xffff
    .balign 4

; arp_input(a0 = frame, a1 = length)
arp_input:
    save_ra_s1
    mv s0, a0
    li t0, ARP_FRAME
    blt a1, t0, arp_input_done
    lhu t0, ARP_HTYPE(s0)
    li t1, ARP_ETHER_LE
    bne t0, t1, arp_input_done
    lhu t0, ARP_PTYPE(s0)
    li t1, ETH_IP_LE
    bne t0, t1, arp_input_done
    lhu t0, ARP_SIZES(s0)
    li t1, ARP_SIZES_LE
    bne t0, t1, arp_input_done
    addi a0, s0, ARP_TPA
    call load2
    la t0, net_ip
    lw t0, 0(t0)
    bne a0, t0, arp_input_done  ; not for us (RFC 826 would refresh a known sender; we wait)
    addi a0, s0, ARP_SPA
    call load2
    mv s1, a0
    addi a1, s0, ARP_SHA
    call arp_learn
    lhu t0, ARP_OPER(s0)
    li t1, ARP_REQUEST_LE
    bne t0, t1, arp_input_done
    call nic_tx_frame           ; the reply: to the asker, about us
    beqz a0, arp_input_done
    mv a1, s1
    addi a2, s0, ARP_SHA
    li a3, ARP_REPLY_LE
    call arp_packet
arp_input_done:
    restore_ra_s1
    ret

; arp_packet(a0 = frame to fill, a1 = target IP, a2 = target MAC (0: unknown, a request is
; broadcast), a3 = operation): builds the ARP packet about this host and sends it
arp_packet:
    save_ra_s3
    mv s0, a0
    mv s1, a1
    mv s2, a2
    mv s3, a3
    li t0, ARP_ETHER_LE
    sh t0, ARP_HTYPE(s0)
    li t0, ETH_IP_LE
    sh t0, ARP_PTYPE(s0)
    li t0, ARP_SIZES_LE
    sh t0, ARP_SIZES(s0)
    sh s3, ARP_OPER(s0)
    addi a0, s0, ARP_SHA
    la a1, net_mac
    call mac_copy
    addi a0, s0, ARP_SPA
    la t0, net_ip
    lw a1, 0(t0)
    call store2
    addi a0, s0, ARP_THA
    mv a1, s2
    bnez s2, arp_packet_tha
    la a1, arp_broadcast        ; unknown: zeros in the packet, broadcast on the wire
    sh zero, 0(a0)
    sh zero, 2(a0)
    sh zero, 4(a0)
    mv s2, a1
    j arp_packet_tpa
arp_packet_tha:
    call mac_copy
arp_packet_tpa:
    addi a0, s0, ARP_TPA
    mv a1, s1
    call store2
    mv a0, s0
    mv a1, s2
    li a2, ETH_ARP_LE
    li a3, ARP_FRAME
    call eth_output
    restore_ra_s3
    ret

; arp_learn(a0 = IP address, a1 = its MAC): updates its entry, or takes the oldest one
arp_learn:
    save_ra_s1
    mv s0, a0
    mv s1, a1
    call arp_find
    bnez a0, arp_learn_have
    la t0, arp_next
    lw t1, 0(t0)
    addi t2, t1, 1
    andi t2, t2, ARP_ENTRIES - 1
    sw t2, 0(t0)
    li t2, ARP_ENTRY
    mul t1, t1, t2
    la a0, arp_cache
    add a0, a0, t1
    sw s0, 0(a0)
arp_learn_have:
    addi a0, a0, 4
    mv a1, s1
    call mac_copy
    restore_ra_s1
    ret

; arp_find(a0 = IP address) -> a0 = its cache entry, or 0
arp_find:
    la t0, arp_cache
    addi t1, t0, ARP_ENTRIES * ARP_ENTRY
arp_find_loop:
    bgeu t0, t1, arp_find_none
    lw t2, 0(t0)
    beq t2, a0, arp_find_hit
    addi t0, t0, ARP_ENTRY
    j arp_find_loop
arp_find_hit:
    beqz a0, arp_find_none      ; 0.0.0.0 marks an empty entry
    mv a0, t0
    ret
arp_find_none:
    li a0, 0
    ret

; arp_lookup(a0 = IP address) -> a0 = its MAC, or 0 after asking for it (at most once per
; ARP_ASK_AGAIN ticks for the same address)
arp_lookup:
    save_ra_s1
    mv s0, a0
    call arp_find
    beqz a0, arp_lookup_ask
    addi a0, a0, 4
    j arp_lookup_done
arp_lookup_ask:
    csrr t2, time
    la t0, arp_asked_ip
    lw t1, 0(t0)
    bne t1, s0, arp_lookup_send
    la t1, arp_asked_at
    lw t1, 0(t1)
    sub t1, t2, t1
    li t3, ARP_ASK_AGAIN
    blt t1, t3, arp_lookup_none
arp_lookup_send:
    sw s0, 0(t0)
    la t0, arp_asked_at
    sw t2, 0(t0)
    call nic_tx_frame
    beqz a0, arp_lookup_none
    mv a1, s0
    li a2, 0
    li a3, ARP_REQUEST_LE
    call arp_packet
arp_lookup_none:
    li a0, 0
arp_lookup_done:
    restore_ra_s1
    ret
