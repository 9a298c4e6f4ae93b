; Non-preemptive round robin over all threads, kernel threads and LWPs alike: lib/sched.s
; picks the thread (the timer is enabled only while idling), this file loads its address space.
.equ TASKS, threads
.equ TASKS_END, threads_end
.equ TASK_SIZE, T_SIZE
.equ NTASK, NTHREAD

; sched_install(a0 = thread): its address space (a thread of the same process keeps the TLB)
sched_install:
    lw t1, T_PROC(a0)
    la t0, kernel_pd            ; a kernel thread runs in the kernel's address space
    lw a0, 0(t0)
    beqz t1, sched_install_space
    lw a0, P_PD(t1)
sched_install_space:
    j vm_switch

sched_all_done:                 ; every demo has ended
    li a0, 0
    halt

str_deadlock: .asciz "[threads] deadlock: every thread waits\n"
    .balign 4
