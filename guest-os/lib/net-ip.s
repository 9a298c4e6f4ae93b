; IPv4 (RFC 791) without options or fragments: a packet with options, with more fragments to
; come or a fragment offset is dropped, and we send none (DF set, at most 1500 bytes). The header
; checksum is checked and made; the transport checksums' pseudo-header sum is here too.

ip_next_id:
    .word 1

; ip_input(a0 = frame, a1 = length): hands a good packet for this host to its protocol with
; (a0 = frame, a1 = transport length)
ip_input:
    li t0, L4
    blt a1, t0, ip_drop
    lbu t0, IP_VHL(a0)
    li t1, IP_VHL_NO_OPTIONS
    bne t0, t1, ip_drop
    lhu t0, IP_FRAG(a0)
    li t1, IP_FRAG_MASK_LE
    and t0, t0, t1
    bnez t0, ip_drop
    lw t0, IP_DST(a0)
    la t1, net_ip
    lw t1, 0(t1)
    beq t0, t1, ip_input_ours
    la t1, net_vip              ; or to the service address this host shares (vip=)
    lw t1, 0(t1)
    beqz t1, ip_drop
    bne t0, t1, ip_drop
ip_input_ours:
    lbu t0, IP_LEN(a0)          ; total length, big-endian
    lbu t1, IP_LEN + 1(a0)
    shli t0, t0, 8
    or t0, t0, t1
    addi t1, a1, -ETH_HLEN      ; no longer than what came, no shorter than the header
    bgt t0, t1, ip_drop
    li t1, IP_HLEN
    blt t0, t1, ip_drop
    push ra
    push a0
    push t0
    addi a0, a0, IP_VHL
    li a1, IP_HLEN
    li a2, 0
    call inet_sum
    li t1, 0xffff
    pop t0
    mv t2, a0
    pop a0
    pop ra
    bne t2, t1, ip_drop
    addi a1, t0, -IP_HLEN
    lbu t0, ETH_SRC(a0)         ; the sender's MAC, unless it is a group address, is learned
    andi t0, t0, 1              ; (as lwIP's ETHARP_TRUST_IP_MAC): a reply needs no ARP
    bnez t0, ip_deliver
    push ra
    push a0
    push a1
    lw t0, IP_SRC(a0)
    addi a1, a0, ETH_SRC
    mv a0, t0
    call arp_learn
    pop a1
    pop a0
    pop ra
ip_deliver:
    lbu t0, IP_PROTO(a0)
    li t1, IPPROTO_TCP
    beq t0, t1, tcp_input
    li t1, IPPROTO_UDP
    beq t0, t1, udp_input
    li t1, IPPROTO_ICMP
    beq t0, t1, icmp_input
ip_drop:
    ret

; ip_header(a0 = frame, a1 = protocol, a2 = transport length, a3 = destination, wire form):
; the IPv4 header, with its checksum, in front of the transport header at L4
ip_header:
    li t0, IP_VHL_NO_OPTIONS
    sb t0, IP_VHL(a0)
    sb zero, IP_VHL + 1(a0)
    addi t0, a2, IP_HLEN
    shri t1, t0, 8
    sb t1, IP_LEN(a0)
    sb t0, IP_LEN + 1(a0)
    la t0, ip_next_id
    lw t1, 0(t0)
    addi t2, t1, 1
    sw t2, 0(t0)
    shri t2, t1, 8
    sb t2, IP_ID(a0)
    sb t1, IP_ID + 1(a0)
    li t0, IP_DF_LE
    sh t0, IP_FRAG(a0)
    li t0, IP_TTL_PROTO_DEFAULT
    sb t0, IP_TTL(a0)
    sb a1, IP_PROTO(a0)
    la t0, net_ip
    lw t0, 0(t0)
    sw t0, IP_SRC(a0)
    sw a3, IP_DST(a0)
; ip_header_sum(a0 = frame with its IP header): makes the header checksum (every packet sent
; comes through here, so ip_header falls into it and only ip_source pays a jump)
ip_header_sum:
    sh zero, IP_SUM(a0)
    push ra
    push a0
    addi a0, a0, IP_VHL
    li a1, IP_HLEN
    li a2, 0
    call inet_sum
    pop t0
    xori a0, a0, 0xffff
    sh a0, IP_SUM(t0)
    pop ra
    ret

; ip_source(a0 = frame with its IP header, a1 = source, wire form): sends it from that address
; instead (a connection to the service address answers from it), the header checksum made again
ip_source:
    sw a1, IP_SRC(a0)
    j ip_header_sum

; ip_send(a0 = frame with its IP header, a1 = transport length) -> a0 = 0 when sent, -1 when the
; destination's MAC is not known yet (it has been asked for: try again later)
ip_send:
    save_ra_s1
    mv s0, a0
    mv s1, a1
    lw a0, IP_DST(s0)
    call arp_lookup
    beqz a0, ip_send_unknown
    mv a1, a0
    mv a0, s0
    li a2, ETH_IP_LE
    addi a3, s1, L4
    call eth_output
    li a0, 0
    j ip_send_done
ip_send_unknown:
    li a0, -1
ip_send_done:
    restore_ra_s1
    ret

; l4_sum(a0 = frame with its IP header, a1 = transport length) -> a0 = the complemented
; checksum of the transport header and data with the pseudo-header: 0 when a received
; packet's checksum is right; what goes into the checksum field (still 0) when sending
l4_sum:
    push ra
    lhu t0, IP_SRC(a0)
    lhu t1, IP_SRC + 2(a0)
    add t0, t0, t1
    lhu t1, IP_DST(a0)
    add t0, t0, t1
    lhu t1, IP_DST + 2(a0)
    add t0, t0, t1
    lbu t1, IP_PROTO(a0)
    shli t1, t1, 8
    add t0, t0, t1
    andi t1, a1, 0xff           ; the length, big-endian, as lhu would read it
    shli t1, t1, 8
    add t0, t0, t1
    shri t1, a1, 8
    add a2, t0, t1
    addi a0, a0, L4
    call inet_sum
    xori a0, a0, 0xffff
    pop ra
    ret

; icmp_input(a0 = frame, a1 = ICMP length): answers an echo request (ping) with its reply
icmp_input:
    save_ra_s2
    mv s0, a0
    mv s1, a1
    li t0, 8
    blt s1, t0, icmp_done
    lbu t0, ICMP_TYPE(s0)
    li t1, 8                    ; echo request
    bne t0, t1, icmp_done
    addi a0, s0, L4
    mv a1, s1
    li a2, 0
    call inet_sum
    li t0, 0xffff
    bne a0, t0, icmp_done
    call nic_tx_frame
    beqz a0, icmp_done
    mv s2, a0
    addi a0, s2, L4             ; the reply: the same message with type 0
    addi a1, s0, L4
    mv a2, s1
    call bytes_copy
    sb zero, ICMP_TYPE(s2)
    sh zero, ICMP_SUM(s2)
    addi a0, s2, L4
    mv a1, s1
    li a2, 0
    call inet_sum
    xori a0, a0, 0xffff
    sh a0, ICMP_SUM(s2)
    mv a0, s2
    li a1, IPPROTO_ICMP
    mv a2, s1
    lw a3, IP_SRC(s0)
    call ip_header
    mv a0, s2
    mv a1, s1
    call ip_send
icmp_done:
    restore_ra_s2
    ret
