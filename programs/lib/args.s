; Boot arguments: the "key=value key=value ..." text the loader wrote. The includer defines
; boot_args, a word holding the text's address (0 when there is none): lib/start.s for programs,
; guest-os/lib/bootargs.s for the guest kernels, which share these routines. Leaf routines
; except arg_int; no privileged instructions, so they run in either mode.

arg_find:                       ; arg_find(a0 = NUL-terminated key) -> address of its value text, or 0
    la t0, boot_args
    lw t0, 0(t0)                ; t0 = current position in the argument text
    beqz t0, arg_find_none
arg_find_word:
    lbu t1, 0(t0)               ; skip spaces between words
    beqz t1, arg_find_none
    li t2, ' '
    bne t1, t2, arg_find_compare
    addi t0, t0, 1
    j arg_find_word
arg_find_compare:
    mv t3, a0                   ; t3 walks the key, t4 the word
    mv t4, t0
arg_find_char:
    lbu t1, 0(t3)
    beqz t1, arg_find_key_end
    lbu t2, 0(t4)
    bne t1, t2, arg_find_skip
    addi t3, t3, 1
    addi t4, t4, 1
    j arg_find_char
arg_find_key_end:               ; the whole key matched: the word must go on with '='
    lbu t2, 0(t4)
    li t1, '='
    bne t1, t2, arg_find_skip
    addi a0, t4, 1
    ret
arg_find_skip:                  ; not this word: move past it
    lbu t1, 0(t0)
    beqz t1, arg_find_none
    li t2, ' '
    beq t1, t2, arg_find_word
    addi t0, t0, 1
    j arg_find_skip
arg_find_none:
    li a0, 0
    ret

parse_dec:                      ; parse_dec(a0 = text) -> a0 = value of its leading decimal digits
                                ;   (optional '-'), a1 = number of digits (0: no number there),
                                ;   a2 = address just after the number
    li t0, 0                    ; value
    li a1, 0
    li t3, 0                    ; 1 when negative
    lbu t1, 0(a0)
    li t2, '-'
    bne t1, t2, parse_dec_digit
    li t3, 1
    addi a0, a0, 1
parse_dec_digit:
    lbu t1, 0(a0)
    addi t1, t1, -'0'
    bltz t1, parse_dec_done
    li t2, 9
    bgt t1, t2, parse_dec_done
    li t2, 10
    mul t0, t0, t2
    add t0, t0, t1
    addi a0, a0, 1
    addi a1, a1, 1
    j parse_dec_digit
parse_dec_done:
    mv a2, a0
    mv a0, t0
    beqz t3, parse_dec_ret
    neg a0, a0
parse_dec_ret:
    ret

arg_int:                        ; arg_int(a0 = key, a1 = default) -> a0 = the key's decimal value, or
                                ;   the default when the key is absent; a1 = 1, or 0 when the value
                                ;   is not a number (a0 is then the default)
    push ra
    push s0
    mv s0, a1
    call arg_find
    beqz a0, arg_int_default
    call parse_dec
    beqz a1, arg_int_bad
    lbu t1, 0(a2)               ; the number must be the whole value
    beqz t1, arg_int_good
    li t2, ' '
    bne t1, t2, arg_int_bad
arg_int_good:
    li a1, 1
    j arg_int_ret
arg_int_bad:
    mv a0, s0
    li a1, 0
    j arg_int_ret
arg_int_default:
    mv a0, s0
    li a1, 1
arg_int_ret:
    pop s0
    pop ra
    ret
