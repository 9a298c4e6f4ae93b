; Round-robin scheduling over a kernel's task table (tasks as in task.s), and the system calls
; that give up the CPU. The kernel defines, before including this file: TASKS and TASKS_END
; (its table), TASK_SIZE, NTASK, str_deadlock (said when every task left waits for another),
; sched_install(a0 = task): what dispatching a task takes (its address space, the timer),
; sched_all_done: where to go when no task is left, the macro sched_hook (what to do each
; time before looking for a task; empty for most) and SCHED_IDLE_IRQS (the interrupts that end
; an idle wait: IRQ_TIMER, and IRQ_NET for a kernel that wakes tasks when frames come).

last_run:                       ; slot the round-robin search starts after
    .word TASKS + (NTASK - 1) * TASK_SIZE

; schedule() -> a0 = the next task to run, installed
schedule:
    push ra
    push s0
    call sched_next
    beqz a0, sched_all_done
    mv s0, a0
    call sched_install
    mv a0, s0
    pop s0
    pop ra
    ret

; sched_next() -> a0 = the next runnable task after the last one run, or 0 when no task is
; left. Wakes the sleepers whose time has come and idles (wfi) while every task sleeps; halts
; with status 3 when the tasks left all wait.
sched_next:
    save_ra_s2
sched_again:
    sched_hook
    csrr s2, time
    li s1, 0                    ; smallest time to the next wake-up, 0 = nobody sleeps
    la t0, TASKS
    la t1, TASKS_END
sched_wake:
    bgeu t0, t1, sched_pick
    lw t2, TASK_STATE(t0)
    li t3, S_SLEEPING
    bne t2, t3, sched_wake_next
    lw t2, TASK_WAKE(t0)
    sub t2, t2, s2
    bgt t2, zero, sched_still_asleep
    li t3, S_RUNNABLE
    sw t3, TASK_STATE(t0)
    j sched_wake_next
sched_still_asleep:
    beqz s1, sched_new_min
    bge t2, s1, sched_wake_next
sched_new_min:
    mv s1, t2
sched_wake_next:
    addi t0, t0, TASK_SIZE
    j sched_wake

sched_pick:
    la t0, last_run
    lw s0, 0(t0)
    li t2, NTASK
    la t1, TASKS_END
sched_scan:
    addi s0, s0, TASK_SIZE
    bltu s0, t1, sched_check
    la s0, TASKS
sched_check:
    lw t3, TASK_STATE(s0)
    li t4, S_RUNNABLE
    beq t3, t4, sched_found
    addi t2, t2, -1
    bnez t2, sched_scan

    beqz s1, sched_nothing      ; nothing runnable: idle until the earliest wake-up
    add t0, s2, s1
    csrw timecmp, t0
    csrr s0, imask              ; the timer must wake us even if the kernel keeps it masked
    li t0, SCHED_IDLE_IRQS
    csrw imask, t0
    wfi
    csrw imask, s0
    j sched_again
sched_nothing:
    la t0, TASKS
    la t1, TASKS_END
sched_waiters:
    bgeu t0, t1, sched_none_left
    lw t2, TASK_STATE(t0)
    li t3, S_WAITING
    beq t2, t3, sched_deadlock
    addi t0, t0, TASK_SIZE
    j sched_waiters
sched_deadlock:
    la a0, str_deadlock
    call puts
    li a0, 3
    halt
sched_none_left:
    li a0, 0
    j sched_ret
sched_found:
    la t0, last_run
    sw s0, 0(t0)
    mv a0, s0
sched_ret:
    restore_ra_s2
    ret

sys_switch:                     ; the caller gives up the CPU
    call schedule
    j ctx_resume

sys_yield:
    sw zero, CTX_A0(s0)
    j sys_switch

sys_sleep:                      ; sleep(ticks): blocks the calling task only
    sw zero, CTX_A0(s0)
    csrr t0, time
    add t0, t0, a1
    sw t0, TASK_WAKE(s0)
    li t0, S_SLEEPING
    sw t0, TASK_STATE(s0)
    j sys_switch

; task_ready(a0 = task, a1 = entry, a2 = stack pointer, a3 = value for its a0): the task will
; start at entry in user mode with interrupts on, and is runnable
task_ready:
    sw a1, CTX_PC(a0)
    sw a2, CTX_SP(a0)
    sw a3, CTX_A0(a0)
    li t0, ST_TO_USER
    sw t0, CTX_STATUS(a0)
    li t0, S_RUNNABLE
    sw t0, TASK_STATE(a0)
    ret
