; Preemptive round robin over the process table: lib/sched.s picks the process, and every
; dispatch arms the timer one quantum ahead.
.equ TASKS, procs
.equ TASKS_END, procs_end
.equ TASK_SIZE, P_SIZE
.equ NTASK, NPROC

quantum:
    .word 500

; schedule() -> a0 = the next process to run, with its address space installed and a fresh
; quantum on the timer; halts when no process is left
schedule:
    push ra
    push s0
    call sched_next
    beqz a0, schedule_done
    mv s0, a0
    lw a0, P_PD(s0)
    call vm_switch
    la t0, quantum
    lw t0, 0(t0)
    csrr t1, time
    add t0, t0, t1
    csrw timecmp, t0
    mv a0, s0
    pop s0
    pop ra
    ret
schedule_done:
    la a0, str_all_done
    call puts
    li a0, 0
    halt

str_deadlock: .asciz "[kernel] deadlock: every process waits\n"
str_all_done: .asciz "[kernel] all processes finished\n"
    .balign 4
