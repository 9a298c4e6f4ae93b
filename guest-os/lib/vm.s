; Page tables. Every address space shares page table 0 (virtual 0..4 MiB): an identity map of
; physical memory, kernel only (not U), except the image's user region, which is U and
; read-only. The rest of the address space (heap and stack, 4..8 MiB) is private per process.

kernel_pd:
    .word 0
kernel_pt0:
    .word 0
current_pd:                     ; the page directory in ptbr
    .word 0

; vm_init(a0 = memory size, at most 4 MiB; a1 = user region start; a2 = user region end)
vm_init:
    save_ra_s3
    mv s0, a0
    mv s1, a1
    mv s2, a2
    call frame_alloc
    la t0, kernel_pd
    sw a0, 0(t0)
    mv s3, a0
    call frame_alloc
    la t0, kernel_pt0
    sw a0, 0(t0)
    ori t1, a0, PTE_P
    sw t1, 0(s3)                ; directory entry 0 -> shared table
    li t0, 0                    ; physical address
vm_init_loop:
    bgeu t0, s0, vm_init_done
    ori t1, t0, PTE_KERNEL
    bltu t0, s1, vm_init_store
    bgeu t0, s2, vm_init_store
    ori t1, t0, PTE_USER_RO
vm_init_store:
    shri t2, t0, 10             ; (addr >> 12) * 4
    add t2, t2, a0
    sw t1, 0(t2)
    li t3, PAGE_SIZE
    add t0, t0, t3
    j vm_init_loop
vm_init_done:
    restore_ra_s3
    ret

; vm_new_space() -> a0 = new page directory (sharing table 0), or 0 when out of memory
vm_new_space:
    push ra
    call frame_alloc
    beqz a0, vm_new_space_ret
    la t0, kernel_pt0
    lw t0, 0(t0)
    ori t0, t0, PTE_P
    sw t0, 0(a0)
vm_new_space_ret:
    pop ra
    ret

; vm_pte(a0 = page directory, a1 = virtual address, a2 = 1 to create the page table)
;   -> a0 = address of the page-table entry, or 0
vm_pte:
    save_ra_s1
    shri t0, a1, 22
    shli t0, t0, 2
    add s0, a0, t0              ; directory entry address
    mv s1, a1
    lw t1, 0(s0)
    andi t2, t1, PTE_P
    bnez t2, vm_pte_have
    beqz a2, vm_pte_none
    call frame_alloc
    beqz a0, vm_pte_none
    ori t1, a0, PTE_P
    sw t1, 0(s0)
vm_pte_have:
    li t2, -4096
    and t1, t1, t2
    shri t0, s1, 12
    andi t0, t0, 1023
    shli t0, t0, 2
    add a0, t1, t0
    j vm_pte_ret
vm_pte_none:
    li a0, 0
vm_pte_ret:
    restore_ra_s1
    ret

; vm_map_new(a0 = page directory, a1 = virtual address, a2 = PTE flags)
;   maps a fresh zeroed frame at the page of a1 -> a0 = frame, or 0 when out of memory
vm_map_new:
    save_ra_s1
    mv s1, a2
    li a2, 1
    call vm_pte
    beqz a0, vm_map_new_ret
    mv s0, a0
    call frame_alloc
    beqz a0, vm_map_new_ret
    or t0, a0, s1
    sw t0, 0(s0)
    tlbflush
vm_map_new_ret:
    restore_ra_s1
    ret

; vm_user_pa(a0 = page directory, a1 = virtual address, a2 = 1 for a write)
;   -> a0 = physical address when user mode may make that access, else -1
vm_user_pa:
    push ra
    push s0
    mv s0, a1
    li t4, 0
    push a2
    li a2, 0
    call vm_pte
    pop a2
    beqz a0, vm_user_pa_no
    lw t0, 0(a0)
    andi t1, t0, PTE_P
    beqz t1, vm_user_pa_no
    andi t1, t0, PTE_U
    beqz t1, vm_user_pa_no
    beqz a2, vm_user_pa_ok
    andi t1, t0, PTE_W
    beqz t1, vm_user_pa_no
vm_user_pa_ok:
    li t2, -4096
    and t0, t0, t2
    andi t1, s0, 4095
    or a0, t0, t1
    j vm_user_pa_ret
vm_user_pa_no:
    li a0, -1
vm_user_pa_ret:
    pop s0
    pop ra
    ret

; vm_free_space(a0 = page directory): frees the private tables, their frames and the directory
vm_free_space:
    save_ra_s3
    mv s0, a0
    li s1, 1                    ; directory index (0 is the shared table)
vm_free_pde:
    li t0, 1024
    bgeu s1, t0, vm_free_dir
    shli t0, s1, 2
    add t0, t0, s0
    lw s2, 0(t0)
    andi t1, s2, PTE_P
    beqz t1, vm_free_pde_next
    li t2, -4096
    and s2, s2, t2              ; page table
    li s3, 0
vm_free_pte:
    li t0, 4096
    bgeu s3, t0, vm_free_table
    add t0, s2, s3
    lw a0, 0(t0)
    andi t1, a0, PTE_P
    beqz t1, vm_free_pte_next
    li t2, -4096
    and a0, a0, t2
    call frame_free
vm_free_pte_next:
    addi s3, s3, 4
    j vm_free_pte
vm_free_table:
    mv a0, s2
    call frame_free
vm_free_pde_next:
    addi s1, s1, 1
    j vm_free_pde
vm_free_dir:
    mv a0, s0
    call frame_free
    restore_ra_s3
    ret

; vm_switch(a0 = page directory): loads it into ptbr, flushing the TLB, unless it is the one
; loaded already (a switch within one address space keeps the TLB)
vm_switch:
    la t0, current_pd
    lw t1, 0(t0)
    beq a0, t1, vm_switch_ret
    sw a0, 0(t0)
    csrw ptbr, a0
    tlbflush
vm_switch_ret:
    ret

; vm_switch_kernel(): the kernel's own directory, e.g. before freeing a process's
vm_switch_kernel:
    la t0, kernel_pd
    lw a0, 0(t0)
    j vm_switch

; paging_on(a0 = page directory): installs it and turns paging on (still kernel mode)
paging_on:
    push ra
    call vm_switch
    li t0, ST_BOOT_PAGING
    csrw status, t0
    pop ra
    ret

; space_create(a0 = address space record (task.s), a1 = stack pages to map now, a2 = data
; pages to map now, 0 or 1) -> a0 = its new page directory, or 0 when out of memory.
; The heap starts empty at USER_HEAP; pages not mapped now are left to the kernel's faults.
space_create:
    save_ra_s3
    mv s0, a0
    mv s1, a1
    mv s2, a2
    call vm_new_space
    beqz a0, space_create_ret
    sw a0, SPACE_PD(s0)
    li t0, USER_HEAP
    sw t0, SPACE_BRK(s0)
    sw t0, SPACE_HEAP_TOP(s0)
    li s3, USER_STACK_TOP
space_create_stack:
    beqz s1, space_create_data
    li t0, PAGE_SIZE
    sub s3, s3, t0
    lw a0, SPACE_PD(s0)
    mv a1, s3
    li a2, PTE_USER_RW
    call vm_map_new
    addi s1, s1, -1
    j space_create_stack
space_create_data:
    beqz s2, space_create_done
    lw a0, SPACE_PD(s0)
    li a1, USER_DATA
    li a2, PTE_USER_RW
    call vm_map_new
space_create_done:
    lw a0, SPACE_PD(s0)
space_create_ret:
    restore_ra_s3
    ret

; space_sbrk(a0 = address space record, a1 = increment, a2 = 1 to map the new heap pages now,
; 0 to leave them to page faults) -> a0 = the old break, or -1 when the break would leave
; [USER_HEAP, USER_STACK_LOW) or memory runs out
space_sbrk:
    save_ra_s3
    mv s0, a0
    mv s3, a2
    lw s1, SPACE_BRK(s0)
    add s2, s1, a1              ; the new break
    li t0, USER_HEAP
    bltu s2, t0, space_sbrk_fail
    li t0, USER_STACK_LOW
    bgeu s2, t0, space_sbrk_fail
    beqz s3, space_sbrk_done
space_sbrk_map:
    lw a1, SPACE_HEAP_TOP(s0)
    bgeu a1, s2, space_sbrk_done
    lw a0, SPACE_PD(s0)
    li a2, PTE_USER_RW
    call vm_map_new
    beqz a0, space_sbrk_fail
    lw t0, SPACE_HEAP_TOP(s0)
    li t1, PAGE_SIZE
    add t0, t0, t1
    sw t0, SPACE_HEAP_TOP(s0)
    j space_sbrk_map
space_sbrk_done:
    sw s2, SPACE_BRK(s0)
    mv a0, s1
    j space_sbrk_ret
space_sbrk_fail:
    li a0, -1
space_sbrk_ret:
    restore_ra_s3
    ret
