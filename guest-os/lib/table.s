; Fixed tables of records (process and thread tables). A table is described by five words:
.equ TABLE_FIRST, 0             ; address of the first slot
.equ TABLE_END, 4               ; address after the last slot
.equ TABLE_SLOT, 8              ; bytes per slot
.equ TABLE_STATE, 12            ; offset of a slot's state word (0 = free); the id is the next word
.equ TABLE_NEXT_ID, 16          ; id the next slot_alloc hands out

; slot_alloc(a0 = table) -> a0 = a free slot, zeroed, with a fresh id in the word after its state
; (which stays 0 until the caller fills the slot in), or 0 when every slot is in use
slot_alloc:
    save_ra_s1
    mv s1, a0
    lw s0, TABLE_FIRST(s1)
    lw t1, TABLE_END(s1)
    lw t3, TABLE_STATE(s1)
    lw t4, TABLE_SLOT(s1)
slot_alloc_scan:
    bgeu s0, t1, slot_alloc_none
    add t2, s0, t3
    lw t2, 0(t2)
    beqz t2, slot_alloc_found
    add s0, s0, t4
    j slot_alloc_scan
slot_alloc_found:
    mv a0, s0
    mv a1, t4
    call memzero
    lw t0, TABLE_NEXT_ID(s1)
    addi t1, t0, 1
    sw t1, TABLE_NEXT_ID(s1)
    lw t1, TABLE_STATE(s1)
    add t1, t1, s0
    sw t0, 4(t1)
    mv a0, s0
    j slot_alloc_ret
slot_alloc_none:
    li a0, 0
slot_alloc_ret:
    restore_ra_s1
    ret

; slot_find(a0 = table, a1 = id) -> a0 = the slot in use with that id, or 0 (clobbers a2)
slot_find:
    lw t0, TABLE_FIRST(a0)
    lw t1, TABLE_END(a0)
    lw t3, TABLE_STATE(a0)
    lw t4, TABLE_SLOT(a0)
slot_find_loop:
    bgeu t0, t1, slot_find_none
    add t2, t0, t3
    lw a2, 0(t2)
    beqz a2, slot_find_next
    lw a2, 4(t2)
    beq a2, a1, slot_find_found
slot_find_next:
    add t0, t0, t4
    j slot_find_loop
slot_find_found:
    mv a0, t0
    ret
slot_find_none:
    li a0, 0
    ret
