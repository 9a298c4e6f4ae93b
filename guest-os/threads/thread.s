; Threads and processes.
;
; A thread is a task (lib/task.s: context, state, tid, wake-up time) followed by:
.equ T_STATE, TASK_STATE
.equ T_TID, TASK_ID
.equ T_WAKE, TASK_WAKE          ; SLEEPING: guest time to wake at
.equ T_PROC, TASK_FIELDS        ; its process, 0 for a kernel thread
.equ T_KSTACK, 84               ; kernel thread: its stack frame
.equ T_SIZE, 128
.equ NTHREAD, 12

; A process is an address space shared by its threads (LWPs):
.equ P_STATE, 0                 ; 0 free, 1 live, 2 finished
.equ P_PID, 4
.equ P_SPACE, 8                 ; address space record (lib/task.s)
.equ P_PD, P_SPACE + SPACE_PD
.equ P_NLWP, 20                 ; live LWPs
.equ P_STATUS, 24               ; exit status of its last LWP
.equ P_WAITER, 28               ; thread waiting for it, or 0
.equ P_SIZE, 32
.equ NPROCS, 4

    .balign 16
threads:
    .zero 1536                  ; NTHREAD * T_SIZE
threads_end:
processes:
    .zero 128                   ; NPROCS * P_SIZE
processes_end:
thread_table:                   ; for slot_alloc and slot_find (lib/table.s); ids from 1
    .word threads, threads_end, T_SIZE, T_STATE, 1
process_table:
    .word processes, processes_end, P_SIZE, P_STATE, 1

; kthread_create(a0 = entry, a1 = argument) -> a0 = thread, or 0
; The thread runs entry(argument) in kernel mode with interrupts off on its own 4 KiB stack,
; and ends with `sys` exit.
kthread_create:
    save_ra_s2
    mv s1, a0
    mv s2, a1
    la a0, thread_table
    call slot_alloc
    beqz a0, kthread_create_ret
    mv s0, a0
    call frame_alloc
    beqz a0, kthread_create_fail
    sw a0, T_KSTACK(s0)
    li t0, PAGE_SIZE
    add a2, t0, a0
    mv a0, s0
    mv a1, s1
    mv a3, s2
    call task_ready
    li t0, ST_TO_KTHREAD        ; kernel mode, interrupts off
    sw t0, CTX_STATUS(s0)
    mv a0, s0
    j kthread_create_ret
kthread_create_fail:
    li a0, 0
kthread_create_ret:
    restore_ra_s2
    ret

; lwp_create(a0 = process, a1 = entry, a2 = user stack pointer, a3 = argument) -> a0 = thread
; or 0: a new kernel-scheduled thread in the process's address space, in user mode
lwp_create:
    save_ra_s3
    mv s1, a0
    mv s2, a1
    mv s3, a2
    push a3
    la a0, thread_table
    call slot_alloc
    pop a3
    beqz a0, lwp_create_ret
    sw s1, T_PROC(a0)
    mv s0, a0
    mv a1, s2
    mv a2, s3
    call task_ready
    mv a0, s0
    lw t0, P_NLWP(s1)
    addi t0, t0, 1
    sw t0, P_NLWP(s1)
lwp_create_ret:
    restore_ra_s3
    ret

; proc_create(a0 = program index, a1 = argument) -> a0 = pid, or -1
; A new address space with two stack pages and the data page mapped, and one LWP at the
; program's entry (a0 = argument, sp = USER_STACK_TOP).
proc_create:
    save_ra_s2
    mv s1, a0
    mv s2, a1
    la a0, process_table
    call slot_alloc
    beqz a0, proc_create_fail
    mv s0, a0
    addi a0, s0, P_SPACE
    li a1, 2
    li a2, 1
    call space_create
    beqz a0, proc_create_fail
    li t0, 1
    sw t0, P_STATE(s0)
    mv a0, s1
    la a1, thread_programs
    call prog_row
    lw a1, 4(a0)
    mv a0, s0
    li a2, USER_STACK_TOP
    mv a3, s2
    call lwp_create
    lw a0, P_PID(s0)
    j proc_create_ret
proc_create_fail:
    li a0, -1
proc_create_ret:
    restore_ra_s2
    ret

; thread_exit(a0 = thread, a1 = status): the thread's slot is freed; when the last LWP of a
; process ends, the process ends: its memory is freed and a waiting thread gets the status
thread_exit:
    save_ra_s2
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
    call vm_switch_kernel       ; leave the address space before freeing it
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
    restore_ra_s2
    ret
