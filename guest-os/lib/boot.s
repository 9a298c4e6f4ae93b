; Boot steps every kernel takes before its own: remember the boot arguments, take traps,
; hand the memory after the image to the frame allocator and build the kernel page tables.

; boot_init(a0 = boot-arguments address, a1 = memory size): the reset registers; the caller
; has already pointed sp at trap_stack_top
boot_init:
    push ra
    push s0
    la t0, boot_args
    sw a0, 0(t0)
    mv s0, a1
    la t0, trap_entry
    csrw tvec, t0
    la a0, image_end
    mv a1, s0
    call frame_init
    mv a0, s0
    la a1, user_start
    la a2, user_end
    call vm_init
    pop s0
    pop ra
    ret

; boot_pick(a0 = key, a1 = table, a2 = message) -> a0 = the table row named by key=<name>,
; the first row when the key is absent. An unknown name prints the message and halts with 2.
boot_pick:
    save_ra_s1
    mv s0, a1
    mv s1, a2
    call arg_find
    beqz a0, boot_pick_row      ; a0 = 0: the first row
    mv a1, s0
    call prog_lookup
    bge a0, zero, boot_pick_row
    mv a0, s1
    call puts
    li a0, 2
    halt
boot_pick_row:
    mv a1, s0
    call prog_row
    restore_ra_s1
    ret
