; Round-robin scheduling over the process table.

last_run:                       ; slot the round-robin search starts after
    .word procs + (NPROC - 1) * P_SIZE
quantum:
    .word 500

; schedule() -> a0 = the next runnable process after the last one run, with its address
; space installed and a fresh quantum on the timer. Idles (wfi) while every process sleeps;
; halts when nothing is left to run.
schedule:
    push ra
    push s0
    push s1
    push s2
schedule_again:
    csrr s2, time
    li s1, 0                    ; smallest time to the next wake-up, 0 = nobody sleeps
    la t0, procs
    la t1, procs_end
schedule_wake:
    bgeu t0, t1, schedule_pick
    lw t2, P_STATE(t0)
    li t3, S_SLEEPING
    bne t2, t3, schedule_wake_next
    lw t2, P_WAKE(t0)
    sub t2, t2, s2
    bgt t2, zero, schedule_still_asleep
    li t3, S_RUNNABLE
    sw t3, P_STATE(t0)
    j schedule_wake_next
schedule_still_asleep:
    beqz s1, schedule_new_min
    bge t2, s1, schedule_wake_next
schedule_new_min:
    mv s1, t2
schedule_wake_next:
    addi t0, t0, P_SIZE
    j schedule_wake

schedule_pick:
    la t0, last_run
    lw s0, 0(t0)
    li t2, NPROC
    la t1, procs_end
schedule_scan:
    addi s0, s0, P_SIZE
    bltu s0, t1, schedule_check
    la s0, procs
schedule_check:
    lw t3, P_STATE(s0)
    li t4, S_RUNNABLE
    beq t3, t4, schedule_found
    addi t2, t2, -1
    bnez t2, schedule_scan

    ; nothing runnable
    beqz s1, schedule_nothing
    add t0, s2, s1              ; sleep until the earliest wake-up
    csrw timecmp, t0
    wfi
    j schedule_again
schedule_nothing:
    la t0, procs
    la t1, procs_end
schedule_waiters:
    bgeu t0, t1, schedule_done
    lw t2, P_STATE(t0)
    li t3, S_WAITING
    beq t2, t3, schedule_deadlock
    addi t0, t0, P_SIZE
    j schedule_waiters
schedule_deadlock:
    la a0, str_deadlock
    call puts
    li a0, 3
    halt
schedule_done:
    la a0, str_all_done
    call puts
    li a0, 0
    halt

schedule_found:
    la t0, last_run
    sw s0, 0(t0)
    lw t0, P_PD(s0)
    csrw ptbr, t0
    tlbflush
    la t0, quantum
    lw t0, 0(t0)
    csrr t1, time
    add t0, t0, t1
    csrw timecmp, t0
    mv a0, s0
    pop s2
    pop s1
    pop s0
    pop ra
    ret

str_deadlock: .asciz "[kernel] deadlock: every process waits\n"
str_all_done: .asciz "[kernel] all processes finished\n"
    .balign 4
