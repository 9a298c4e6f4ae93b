; Non-preemptive round robin over all threads, kernel threads and LWPs alike.

last_run:                       ; slot the round-robin search starts after
    .word threads + (NTHREAD - 1) * T_SIZE
current_pd:                     ; page directory loaded in ptbr
    .word 0

; schedule() -> a0 = the next runnable thread after the last one run, with its address space
; loaded (a thread of the same process keeps the TLB). Idles (wfi) while every thread sleeps;
; halts when no thread is left.
schedule:
    push ra
    push s0
    push s1
    push s2
schedule_again:
    csrr s2, time
    li s1, 0                    ; smallest time to the next wake-up, 0 = nobody sleeps
    la t0, threads
    la t1, threads_end
schedule_wake:
    bgeu t0, t1, schedule_pick
    lw t2, T_STATE(t0)
    li t3, S_SLEEPING
    bne t2, t3, schedule_wake_next
    lw t2, T_WAKE(t0)
    sub t2, t2, s2
    bgt t2, zero, schedule_still_asleep
    li t3, S_RUNNABLE
    sw t3, T_STATE(t0)
    j schedule_wake_next
schedule_still_asleep:
    beqz s1, schedule_new_min
    bge t2, s1, schedule_wake_next
schedule_new_min:
    mv s1, t2
schedule_wake_next:
    addi t0, t0, T_SIZE
    j schedule_wake

schedule_pick:
    la t0, last_run
    lw s0, 0(t0)
    li t2, NTHREAD
    la t1, threads_end
schedule_scan:
    addi s0, s0, T_SIZE
    bltu s0, t1, schedule_check
    la s0, threads
schedule_check:
    lw t3, T_STATE(s0)
    li t4, S_RUNNABLE
    beq t3, t4, schedule_found
    addi t2, t2, -1
    bnez t2, schedule_scan

    beqz s1, schedule_nothing   ; nothing runnable: idle until the earliest wake-up
    add t0, s2, s1
    csrw timecmp, t0
    li t0, IRQ_TIMER            ; enabled only here: threads are never preempted
    csrw imask, t0
    wfi
    csrw imask, zero
    j schedule_again
schedule_nothing:
    la t0, threads
    la t1, threads_end
schedule_waiters:
    bgeu t0, t1, schedule_done
    lw t2, T_STATE(t0)
    bnez t2, schedule_deadlock
    addi t0, t0, T_SIZE
    j schedule_waiters
schedule_deadlock:
    la a0, str_deadlock
    call puts
    li a0, 3
    halt
schedule_done:
    li a0, 0
    halt

schedule_found:
    la t0, last_run
    sw s0, 0(t0)
    la t0, kernel_pd            ; the thread's address space
    lw t0, 0(t0)
    lw t1, T_PROC(s0)
    beqz t1, schedule_space
    lw t0, P_PD(t1)
schedule_space:
    la t1, current_pd
    lw t2, 0(t1)
    beq t0, t2, schedule_ret
    sw t0, 0(t1)
    csrw ptbr, t0
    tlbflush
schedule_ret:
    mv a0, s0
    pop s2
    pop s1
    pop s0
    pop ra
    ret

str_deadlock: .asciz "[threads] deadlock: every thread waits\n"
    .balign 4
