; The trap handler: timer interrupts preempt, system calls are served, page faults in the
; stack, data or heap area map a zeroed page, and any other trap kills the process.

; trap_handler(a0 = context of the trapped process): ends in ctx_resume
trap_handler:
    mv s0, a0
    csrr t0, cause
    li t1, CAUSE_TIMER
    beq t0, t1, trap_preempt
    li t1, CAUSE_SYSCALL
    beq t0, t1, sys_dispatch
    li t1, CAUSE_PAGE_FAULT_READ
    beq t0, t1, trap_page_fault
    li t1, CAUSE_PAGE_FAULT_WRITE
    beq t0, t1, trap_page_fault
trap_kill:
    mv a0, s0
    call proc_kill
trap_preempt:                   ; quantum used up (or the process is gone): next process
    call schedule
    j ctx_resume

trap_page_fault:
    mv a0, s0
    csrr a1, fault
    call demand_page
    beqz a0, trap_kill
    mv a0, s0                   ; retry the instruction
    j ctx_resume

; demand_page(a0 = process, a1 = virtual address) -> a0 = 1 when a zeroed page is now mapped
; there, 0 when the address is outside the data/heap and stack areas (or memory is full)
demand_page:
    push ra
    li t0, USER_STACK_LOW
    li t1, USER_STACK_TOP
    bltu a1, t0, demand_page_heap
    bltu a1, t1, demand_page_map
demand_page_heap:
    li t0, USER_DATA
    bltu a1, t0, demand_page_no
    lw t1, P_BRK(a0)
    bgeu a1, t1, demand_page_no
demand_page_map:
    push a0
    push a1
    li a2, 0                    ; already mapped? then it was a protection fault
    lw a0, P_PD(a0)
    call vm_pte
    pop a1
    pop t1
    beqz a0, demand_page_new
    lw t0, 0(a0)
    andi t0, t0, PTE_P
    bnez t0, demand_page_no
demand_page_new:
    lw a0, P_PD(t1)
    li a2, PTE_USER_RW
    call vm_map_new
    beqz a0, demand_page_no
    li a0, 1
    pop ra
    ret
demand_page_no:
    li a0, 0
    pop ra
    ret

; caller_pa(a0 = virtual address, a1 = 1 for a write) -> physical address or -1, for process
; s0 (lib/syscall.s); faults the page in when it is demand-zero memory not yet touched
caller_pa:
    push ra
    push s1
    push s2
    mv s1, a0
    mv s2, a1
    lw a0, P_PD(s0)
    mv a1, s1
    mv a2, s2
    call vm_user_pa
    bge a0, zero, caller_pa_ret
    mv a0, s0
    mv a1, s1
    call demand_page
    beqz a0, caller_pa_fail
    lw a0, P_PD(s0)
    mv a1, s1
    mv a2, s2
    call vm_user_pa
    j caller_pa_ret
caller_pa_fail:
    li a0, -1
caller_pa_ret:
    pop s2
    pop s1
    pop ra
    ret
