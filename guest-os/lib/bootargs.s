; Boot arguments: "key=value key=value ..." text written by the loader (a0 at reset).
; The kernel stores the address in boot_args (0 when there are none).

boot_args:
    .word 0

; arg_find(a0 = NUL-terminated key) -> a0 = address of the value text, or 0 when absent
arg_find:
    save_ra_s1
    mv s1, a0
    la t0, boot_args
    lw s0, 0(t0)
    beqz s0, arg_find_none
arg_find_next:
    lbu t0, 0(s0)               ; skip spaces
    beqz t0, arg_find_none
    li t1, 32
    bne t0, t1, arg_find_key
    addi s0, s0, 1
    j arg_find_next
arg_find_key:
    mv t2, s1
    mv t3, s0
arg_find_cmp:
    lbu t0, 0(t2)
    beqz t0, arg_find_keyend
    lbu t1, 0(t3)
    bne t0, t1, arg_find_skip
    addi t2, t2, 1
    addi t3, t3, 1
    j arg_find_cmp
arg_find_keyend:
    lbu t1, 0(t3)
    li t0, 61                   ; '='
    bne t0, t1, arg_find_skip
    addi a0, t3, 1
    j arg_find_ret
arg_find_skip:                  ; move past this word
    lbu t0, 0(s0)
    beqz t0, arg_find_none
    li t1, 32
    beq t0, t1, arg_find_next
    addi s0, s0, 1
    j arg_find_skip
arg_find_none:
    li a0, 0
arg_find_ret:
    restore_ra_s1
    ret

; arg_int(a0 = key, a1 = default) -> a0 = decimal value of key, or the default
arg_int:
    push ra
    push s0
    mv s0, a1
    call arg_find
    beqz a0, arg_int_default
    call parse_dec
    j arg_int_ret
arg_int_default:
    mv a0, s0
arg_int_ret:
    pop s0
    pop ra
    ret

; prog_lookup(a0 = token, a1 = program table) -> a0 = table index, or -1
; A program table is a list of (name address, entry address) word pairs ending with 0.
prog_lookup:
    save_ra_s2
    mv s0, a0
    mv s1, a1
    li s2, 0
prog_lookup_loop:
    lw a1, 0(s1)
    beqz a1, prog_lookup_none
    mv a0, s0
    call token_eq
    bnez a0, prog_lookup_found
    addi s1, s1, 8
    addi s2, s2, 1
    j prog_lookup_loop
prog_lookup_found:
    mv a0, s2
    j prog_lookup_ret
prog_lookup_none:
    li a0, -1
prog_lookup_ret:
    restore_ra_s2
    ret

; prog_row(a0 = table index, a1 = program table) -> a0 = address of that (name, entry) row
prog_row:
    shli a0, a0, 3
    add a0, a0, a1
    ret
