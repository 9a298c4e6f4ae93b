; checksum: CRC-32 (IEEE 802.3, reflected, polynomial 0xedb88320) and Adler-32, computed a
; byte at a time. By default it checks both against their published values for built-in
; buffers ("123456789" must give crc32 0xcbf43926, "Wikipedia" adler32 0x11e60398) and
; exits 1 on a mismatch. With stdin=1 it reads all of standard input and prints its
; length and both checksums.
;
; Arguments: stdin=1 to checksum standard input (default 0).
;
; expect-stdout: crc32("123456789") = 0xcbf43926 ok\n
; expect-stdout: adler32("Wikipedia") = 0x11e60398 ok\n
; expect-exit: 0

.include "lib/start.s"

.equ CHUNK, 256
.equ ADLER_MOD, 65521

main:
    save_ra_s2
    la a0, key_stdin
    li a1, 0
    call arg_int
    bnez a0, main_stdin

    li s2, 0                    ; s2 = mismatches
    li a0, -1                   ; CRC-32 of the check string
    la a1, check_crc_text
    li a2, 9
    call crc32_update
    not s0, a0                  ; the CRC is the final state inverted
    la a0, str_crc_label
    call print_str
    mv a0, s0
    call print_hex
    li t0, 0xcbf43926
    mv a0, s0
    call print_verdict
    add s2, s2, a0

    li a0, 1                    ; Adler-32 of "Wikipedia"
    la a1, check_adler_text
    li a2, 9
    call adler32_update
    mv s0, a0
    la a0, str_adler_label
    call print_str
    mv a0, s0
    call print_hex
    li t0, 0x11e60398
    mv a0, s0
    call print_verdict
    add s2, s2, a0
    snez a0, s2
    j main_ret

main_stdin:                     ; s0 = crc state, s1 = adler state, s2 = bytes
    li s0, -1
    li s1, 1
    li s2, 0
main_stdin_chunk:
    li a0, STDIN
    la a1, chunk
    li a2, CHUNK
    call read
    blez a0, main_stdin_done
    add s2, s2, a0
    push a0
    mv a2, a0
    mv a0, s0
    la a1, chunk
    call crc32_update
    mv s0, a0
    pop a2
    mv a0, s1
    la a1, chunk
    call adler32_update
    mv s1, a0
    j main_stdin_chunk
main_stdin_done:
    la a0, str_stdin
    call print_str
    mv a0, s2
    call print_udec
    la a0, str_bytes_crc
    call print_str
    not a0, s0
    call print_hex
    la a0, str_adler
    call print_str
    mv a0, s1
    call print_hex
    call print_nl
    li a0, 0
main_ret:
    restore_ra_s2
    ret

print_verdict:                  ; print_verdict(a0 = computed, t0 = expected) -> 0 when equal, else 1
    push ra
    bne a0, t0, print_verdict_bad
    la a0, str_ok
    call print_str
    li a0, 0
    pop ra
    ret
print_verdict_bad:
    la a0, str_mismatch
    call print_str
    li a0, 1
    pop ra
    ret

crc32_update:                   ; crc32_update(a0 = state, a1 = bytes, a2 = length) -> state
                                ;   (start with -1; the CRC is the state inverted)
    li t3, 0xedb88320
crc32_byte:
    beqz a2, crc32_done
    lbu t0, 0(a1)
    xor a0, a0, t0
    li t1, 8
crc32_bit:                      ; state = state >> 1, xor the polynomial when the bit out was 1
    andi t2, a0, 1
    shri a0, a0, 1
    beqz t2, crc32_next_bit
    xor a0, a0, t3
crc32_next_bit:
    addi t1, t1, -1
    bnez t1, crc32_bit
    addi a1, a1, 1
    addi a2, a2, -1
    j crc32_byte
crc32_done:
    ret

adler32_update:                 ; adler32_update(a0 = state, a1 = bytes, a2 = length) -> state
                                ;   (start with 1; state = b << 16 | a)
    andi t0, a0, 0xffff         ; t0 = a
    shri t1, a0, 16             ; t1 = b
    li t3, ADLER_MOD
adler32_byte:
    beqz a2, adler32_done
    lbu t2, 0(a1)
    add t0, t0, t2
    remu t0, t0, t3
    add t1, t1, t0
    remu t1, t1, t3
    addi a1, a1, 1
    addi a2, a2, -1
    j adler32_byte
adler32_done:
    shli a0, t1, 16
    or a0, a0, t0
    ret

.data
key_stdin:        .asciz "stdin"
check_crc_text:   .ascii "123456789"
check_adler_text: .ascii "Wikipedia"
str_crc_label:    .asciz "crc32(\"123456789\") = "
str_adler_label:  .asciz "adler32(\"Wikipedia\") = "
str_ok:           .asciz " ok\n"
str_mismatch:     .asciz " MISMATCH\n"
str_stdin:        .asciz "stdin: "
str_bytes_crc:    .asciz " bytes, crc32 "
str_adler:        .asciz ", adler32 "

.bss
chunk:
    .zero CHUNK
