; Non-preemptive round robin over all threads, kernel threads and LWPs alike: lib/sched.s
; picks the thread (the timer is enabled only while idling), this file loads its address space.
.equ TASKS, threads
.equ TASKS_END, threads_end
.equ TASK_SIZE, T_SIZE
.equ NTASK, NTHREAD

; schedule() -> a0 = the next thread to run, with its address space loaded (a thread of the
; same process keeps the TLB); halts when no thread is left
schedule:
    push ra
    push s0
    call sched_next
    beqz a0, schedule_done
    mv s0, a0
    la t0, kernel_pd            ; a kernel thread runs in the kernel's address space
    lw a0, 0(t0)
    lw t1, T_PROC(s0)
    beqz t1, schedule_space
    lw a0, P_PD(t1)
schedule_space:
    call vm_switch
    mv a0, s0
    pop s0
    pop ra
    ret
schedule_done:
    li a0, 0
    halt

str_deadlock: .asciz "[threads] deadlock: every thread waits\n"
    .balign 4
