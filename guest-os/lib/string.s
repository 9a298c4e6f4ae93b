; Memory and string helpers (no privileged instructions: usable by kernel and user code).
; parse_dec is in programs/lib/args.s (included by bootargs.s).

; memzero(a0 = address, a1 = byte count, a multiple of 4; a0 word aligned)
memzero:
    add t0, a0, a1
memzero_loop:
    bgeu a0, t0, memzero_done
    sw zero, 0(a0)
    addi a0, a0, 4
    j memzero_loop
memzero_done:
    ret

; memcpy_words(a0 = dst, a1 = src, a2 = byte count, a multiple of 4)
memcpy_words:
    add t0, a0, a2
memcpy_loop:
    bgeu a0, t0, memcpy_done
    lw t1, 0(a1)
    sw t1, 0(a0)
    addi a0, a0, 4
    addi a1, a1, 4
    j memcpy_loop
memcpy_done:
    ret

; strlen: the user library's copy, the same code and calling convention in both worlds
.include "../../programs/lib/string.s"

; is_sep(a0 = byte) -> a0 = 1 when it ends a boot-argument token (NUL, space, comma, newline)
is_sep:
    beqz a0, is_sep_yes
    li t0, 32
    beq a0, t0, is_sep_yes
    li t0, 44
    beq a0, t0, is_sep_yes
    li t0, 10
    beq a0, t0, is_sep_yes
    li a0, 0
    ret
is_sep_yes:
    li a0, 1
    ret

; token_eq(a0 = token, ends at a separator; a1 = NUL-terminated word) -> a0 = 1 when equal
token_eq:
    save_ra_s1
    mv s0, a0
    mv s1, a1
token_eq_loop:
    lbu t3, 0(s1)
    beqz t3, token_eq_end
    lbu t4, 0(s0)
    bne t3, t4, token_eq_no
    addi s0, s0, 1
    addi s1, s1, 1
    j token_eq_loop
token_eq_end:
    lbu a0, 0(s0)               ; the token must end where the word ends
    call is_sep
    j token_eq_ret
token_eq_no:
    li a0, 0
token_eq_ret:
    restore_ra_s1
    ret

; token_skip(a0 = token) -> a0 = first separator after it
token_skip:
    push ra
    push s0
    mv s0, a0
token_skip_loop:
    lbu a0, 0(s0)
    call is_sep
    bnez a0, token_skip_done
    addi s0, s0, 1
    j token_skip_loop
token_skip_done:
    mv a0, s0
    pop s0
    pop ra
    ret
