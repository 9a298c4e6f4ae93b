; Preemptive round robin over the process table: lib/sched.s picks the process, and every
; dispatch arms the timer one quantum ahead.
.equ TASKS, procs
.equ TASKS_END, procs_end
.equ TASK_SIZE, P_SIZE
.equ NTASK, NPROC

quantum:
    .word 500

; sched_install(a0 = process): its address space, and a fresh quantum on the timer
sched_install:
    push ra
    lw a0, P_PD(a0)
    call vm_switch
    la t0, quantum
    lw t0, 0(t0)
    csrr t1, time
    add t0, t0, t1
    csrw timecmp, t0
    pop ra
    ret

sched_all_done:
    la a0, str_all_done
    call puts
    li a0, 0
    halt

str_deadlock: .asciz "[kernel] deadlock: every process waits\n"
str_all_done: .asciz "[kernel] all processes finished\n"
    .balign 4
