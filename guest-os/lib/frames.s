; Physical page frames: a free list in front of a bump pointer over [frame_next, frame_end).
; Frames handed out are zeroed. The kernel reaches every frame through its identity map.

frame_next:
    .word 0
frame_end:
    .word 0
frame_free_list:
    .word 0
frames_in_use:
    .word 0

; frame_init(a0 = first free address, page aligned; a1 = end of memory)
frame_init:
    la t0, frame_next
    sw a0, 0(t0)
    la t0, frame_end
    sw a1, 0(t0)
    ret

; frame_alloc() -> a0 = zeroed frame address, or 0 when memory is exhausted
frame_alloc:
    push ra
    la t0, frame_free_list
    lw a0, 0(t0)
    beqz a0, frame_alloc_bump
    lw t1, 0(a0)                ; unlink: a free frame's first word is the next one
    sw t1, 0(t0)
    j frame_alloc_got
frame_alloc_bump:
    la t0, frame_next
    lw a0, 0(t0)
    la t1, frame_end
    lw t1, 0(t1)
    bgeu a0, t1, frame_alloc_none
    li t2, PAGE_SIZE
    add t2, a0, t2
    sw t2, 0(t0)
frame_alloc_got:
    la t0, frames_in_use
    lw t1, 0(t0)
    addi t1, t1, 1
    sw t1, 0(t0)
    push a0
    li a1, PAGE_SIZE
    call memzero
    pop a0
    pop ra
    ret
frame_alloc_none:
    li a0, 0
    pop ra
    ret

; frame_free(a0 = frame address)
frame_free:
    la t0, frame_free_list
    lw t1, 0(t0)
    sw t1, 0(a0)
    sw a0, 0(t0)
    la t0, frames_in_use
    lw t1, 0(t0)
    addi t1, t1, -1
    sw t1, 0(t0)
    ret
