; Boot arguments: "key=value key=value ..." text written by the loader (a0 at reset).
; The kernel stores the address in boot_args (0 when there are none).

boot_args:
    .word 0

; arg_find, arg_int and parse_dec: the user library's copies (programs/lib/args.s), which read
; the boot_args word above; kernel and programs parse "key=value" text the same way.
.include "../../programs/lib/args.s"

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
