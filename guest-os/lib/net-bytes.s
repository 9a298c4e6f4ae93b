; Byte order, the Internet checksum, byte copies: the helpers every layer of the stack uses.

; swap16(a0) -> a0 = its low 16 bits with the two bytes exchanged
swap16:
    andi t0, a0, 0xff
    shli t0, t0, 8
    shri a0, a0, 8
    andi a0, a0, 0xff
    or a0, a0, t0
    ret

; swap32(a0) -> a0 with its four bytes in the opposite order
swap32:
    shli t0, a0, 24
    shri t1, a0, 24
    or t0, t0, t1
    shri t1, a0, 8
    andi t1, t1, 0xff00
    or t0, t0, t1
    andi t1, a0, 0xff00
    shli t1, t1, 8
    or a0, t0, t1
    ret

; load2(a0 = address, 2-byte aligned) -> a0 = the 32-bit word there, as lw would read it
load2:
    lhu t0, 0(a0)
    lhu a0, 2(a0)
    shli a0, a0, 16
    or a0, a0, t0
    ret

; store2(a0 = address, 2-byte aligned, a1 = word): stores it as sw would
store2:
    sh a1, 0(a0)
    shri t0, a1, 16
    sh t0, 2(a0)
    ret

; inet_sum(a0 = address, 2-byte aligned, a1 = length, a2 = sum so far) -> a0 = the 16-bit ones'
; complement sum (RFC 1071). Summed as little-endian halves, it is the wire's sum byte-swapped,
; so storing its complement with sh puts the right bytes on the wire.
inet_sum:
    mv t0, a2
    li t1, 2
inet_sum_loop:
    blt a1, t1, inet_sum_tail
    lhu t2, 0(a0)
    add t0, t0, t2
    addi a0, a0, 2
    addi a1, a1, -2
    j inet_sum_loop
inet_sum_tail:
    beqz a1, inet_sum_fold
    lbu t2, 0(a0)               ; an odd last byte, padded with a zero
    add t0, t0, t2
inet_sum_fold:
    shri t1, t0, 16
    andi t0, t0, 0xffff
    add t0, t0, t1
    shri t1, t0, 16
    add t0, t0, t1
    andi a0, t0, 0xffff
    ret

; bytes_copy(a0 = destination, a1 = source, a2 = length)
bytes_copy:
    add t0, a0, a2
bytes_copy_loop:
    bgeu a0, t0, bytes_copy_done
    lbu t1, 0(a1)
    sb t1, 0(a0)
    addi a0, a0, 1
    addi a1, a1, 1
    j bytes_copy_loop
bytes_copy_done:
    ret

; ring_copy_in(a0 = ring, a1 = position, a2 = source, a3 = length): copies into ring[(position +
; i) & SK_RING_MASK]; ring_copy_out(a0 = ring, a1 = position, a2 = destination, a3 = length) back
ring_copy_in:
    add t0, a2, a3
ring_copy_in_loop:
    bgeu a2, t0, ring_copy_done
    andi t1, a1, SK_RING_MASK
    add t1, t1, a0
    lbu t2, 0(a2)
    sb t2, 0(t1)
    addi a1, a1, 1
    addi a2, a2, 1
    j ring_copy_in_loop
ring_copy_out:
    add t0, a2, a3
ring_copy_out_loop:
    bgeu a2, t0, ring_copy_done
    andi t1, a1, SK_RING_MASK
    add t1, t1, a0
    lbu t2, 0(t1)
    sb t2, 0(a2)
    addi a1, a1, 1
    addi a2, a2, 1
    j ring_copy_out_loop
ring_copy_done:
    ret
