; Threads and processes.
;
; A thread is a context (lib/trap.s) followed by:
.equ T_STATE, 68
.equ T_TID, 72
.equ T_PROC, 76                 ; its process, 0 for a kernel thread
.equ T_WAKE, 80                 ; SLEEPING: guest time to wake at
.equ T_KSTACK, 84               ; kernel thread: its stack frame
.equ T_SIZE, 128
.equ NTHREAD, 12

; A process is an address space shared by its threads (LWPs):
.equ P_STATE, 0                 ; 0 free, 1 live, 2 finished
.equ P_PID, 4
.equ P_PD, 8
.equ P_BRK, 12
.equ P_HEAP_TOP, 16             ; end of the heap pages mapped so far
.equ P_NLWP, 20                 ; live LWPs
.equ P_STATUS, 24               ; exit status of its last LWP
.equ P_WAITER, 28               ; thread waiting for it, or 0
.equ P_SIZE, 32
.equ NPROCS, 4

.equ S_FREE, 0
.equ S_RUNNABLE, 1
.equ S_SLEEPING, 2
.equ S_WAITING, 3

    .balign 16
threads:
    .zero 1536                  ; NTHREAD * T_SIZE
threads_end:
processes:
    .zero 128                   ; NPROCS * P_SIZE
processes_end:
next_tid:
    .word 1
next_pid:
    .word 1

; thread_alloc() -> a0 = a zeroed free thread slot with a tid, or 0
thread_alloc:
    push ra
    push s0
    la s0, threads
    la t1, threads_end
thread_alloc_scan:
    bgeu s0, t1, thread_alloc_none
    lw t2, T_STATE(s0)
    beqz t2, thread_alloc_found
    addi s0, s0, T_SIZE
    j thread_alloc_scan
thread_alloc_found:
    mv a0, s0
    li a1, T_SIZE
    call memzero
    la t0, next_tid
    lw t1, 0(t0)
    addi t2, t1, 1
    sw t2, 0(t0)
    sw t1, T_TID(s0)
    mv a0, s0
    j thread_alloc_ret
thread_alloc_none:
    li a0, 0
thread_alloc_ret:
    pop s0
    pop ra
    ret

; kthread_create(a0 = entry, a1 = argument) -> a0 = thread, or 0
; The thread runs entry(argument) in kernel mode with interrupts off on its own 4 KiB stack,
; and ends with `sys` exit.
kthread_create:
    push ra
    push s0
    push s1
    push s2
    mv s1, a0
    mv s2, a1
    call thread_alloc
    beqz a0, kthread_create_ret
    mv s0, a0
    call frame_alloc
    beqz a0, kthread_create_fail
    sw a0, T_KSTACK(s0)
    li t0, PAGE_SIZE
    add t0, t0, a0
    sw t0, CTX_SP(s0)
    sw s1, CTX_PC(s0)
    sw s2, CTX_A0(s0)
    li t0, ST_TO_KTHREAD
    sw t0, CTX_STATUS(s0)
    li t0, S_RUNNABLE
    sw t0, T_STATE(s0)
    mv a0, s0
    j kthread_create_ret
kthread_create_fail:
    li a0, 0
kthread_create_ret:
    pop s2
    pop s1
    pop s0
    pop ra
    ret

; lwp_create(a0 = process, a1 = entry, a2 = user stack pointer, a3 = argument) -> a0 = thread
; or 0: a new kernel-scheduled thread in the process's address space, in user mode
lwp_create:
    push ra
    push s0
    push s1
    push s2
    push s3
    mv s1, a0
    mv s2, a1
    mv s3, a2
    push a3
    call thread_alloc
    pop a3
    beqz a0, lwp_create_ret
    sw s2, CTX_PC(a0)
    sw s3, CTX_SP(a0)
    sw a3, CTX_A0(a0)
    sw s1, T_PROC(a0)
    li t0, ST_TO_USER
    sw t0, CTX_STATUS(a0)
    li t0, S_RUNNABLE
    sw t0, T_STATE(a0)
    lw t0, P_NLWP(s1)
    addi t0, t0, 1
    sw t0, P_NLWP(s1)
lwp_create_ret:
    pop s3
    pop s2
    pop s1
    pop s0
    pop ra
    ret

; proc_create(a0 = program index, a1 = argument) -> a0 = pid, or -1
; A new address space with two stack pages and the data page mapped, and one LWP at the
; program's entry (a0 = argument, sp = USER_STACK_TOP).
proc_create:
    push ra
    push s0
    push s1
    push s2
    mv s1, a0
    mv s2, a1
    la s0, processes
    la t1, processes_end
proc_create_scan:
    bgeu s0, t1, proc_create_fail
    lw t2, P_STATE(s0)
    beqz t2, proc_create_found
    addi s0, s0, P_SIZE
    j proc_create_scan
proc_create_found:
    mv a0, s0
    li a1, P_SIZE
    call memzero
    call vm_new_space
    beqz a0, proc_create_fail
    sw a0, P_PD(s0)
    li a1, USER_STACK_TOP
    addi a1, a1, -4
    li a2, PTE_USER_RW
    call vm_map_new
    lw a0, P_PD(s0)
    li a1, USER_STACK_TOP
    li t0, PAGE_SIZE
    sub a1, a1, t0
    addi a1, a1, -4
    li a2, PTE_USER_RW
    call vm_map_new
    lw a0, P_PD(s0)
    li a1, USER_DATA
    li a2, PTE_USER_RW
    call vm_map_new
    li t0, USER_HEAP
    sw t0, P_BRK(s0)
    sw t0, P_HEAP_TOP(s0)
    li t0, 1
    sw t0, P_STATE(s0)
    la t0, next_pid
    lw t1, 0(t0)
    addi t2, t1, 1
    sw t2, 0(t0)
    sw t1, P_PID(s0)
    la t0, thread_programs
    shli t1, s1, 3
    add t0, t0, t1
    mv a0, s0
    lw a1, 4(t0)
    li a2, USER_STACK_TOP
    mv a3, s2
    call lwp_create
    lw a0, P_PID(s0)
    j proc_create_ret
proc_create_fail:
    li a0, -1
proc_create_ret:
    pop s2
    pop s1
    pop s0
    pop ra
    ret

; thread_exit(a0 = thread, a1 = status): the thread's slot is freed; when the last LWP of a
; process ends, the process ends: its memory is freed and a waiting thread gets the status
thread_exit:
    push ra
    push s0
    push s1
    push s2
    mv s0, a0
    mv s1, a1
    sw zero, T_STATE(s0)
    lw s2, T_PROC(s0)
    bnez s2, thread_exit_lwp
    lw a0, T_KSTACK(s0)         ; a kernel thread: we run on the trap stack, so its stack can go
    call frame_free
    j thread_exit_ret
thread_exit_lwp:
    lw t0, P_NLWP(s2)
    addi t0, t0, -1
    sw t0, P_NLWP(s2)
    bnez t0, thread_exit_ret
    sw s1, P_STATUS(s2)
    la t0, kernel_pd            ; leave the address space before freeing it
    lw t0, 0(t0)
    csrw ptbr, t0
    tlbflush
    la t1, current_pd           ; the kernel's directory is the one loaded now
    sw t0, 0(t1)
    lw a0, P_PD(s2)
    call vm_free_space
    li t0, 2
    sw t0, P_STATE(s2)
    lw t0, P_WAITER(s2)
    beqz t0, thread_exit_ret
    sw s1, CTX_A0(t0)
    li t1, S_RUNNABLE
    sw t1, T_STATE(t0)
    sw zero, P_STATE(s2)        ; reaped by the waiter
thread_exit_ret:
    pop s2
    pop s1
    pop s0
    pop ra
    ret

; proc_find(a0 = pid) -> a0 = process (live or finished), or 0
proc_find:
    la t0, processes
    la t1, processes_end
proc_find_loop:
    bgeu t0, t1, proc_find_none
    lw t2, P_STATE(t0)
    beqz t2, proc_find_next
    lw t2, P_PID(t0)
    beq t2, a0, proc_find_found
proc_find_next:
    addi t0, t0, P_SIZE
    j proc_find_loop
proc_find_found:
    mv a0, t0
    ret
proc_find_none:
    li a0, 0
    ret
