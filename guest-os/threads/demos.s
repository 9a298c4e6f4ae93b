; The demos, each run by a kernel thread. Kernel threads are ordinary kernel code that
; calls `sys` to block or yield, exactly as user threads do.

.equ PROG_ULT_DEMO, 0
.equ PROG_LWP_PINGPONG, 1
.equ PROG_ULT_PINGPONG, 2
.equ PROG_SERVER, 3
.equ SWITCH_ROUNDS, 100

; kt_run(a0 = program index, a1 = argument) -> a0 = exit status: runs a process, waits for it
kt_run:
    push ra
    call proc_create
    mv a1, a0
    li a0, SYS_WAIT
    sys
    pop ra
    ret

kt_exit:
    li a0, SYS_EXIT
    li a1, 0
    sys

; demo=blocking: the same two user-level threads on one LWP, then on two
kt_blocking:
    la a0, str_blocking
    call puts
    la a0, str_one_lwp
    call puts
    li a0, PROG_ULT_DEMO
    li a1, 1
    call kt_run
    la a0, str_two_lwps
    call puts
    li a0, PROG_ULT_DEMO
    li a1, 2
    call kt_run
    j kt_exit

; demo=switchcost: kernel threads, LWPs and user-level threads each switch back and forth
; 2 * SWITCH_ROUNDS times; guest time (instructions) over the switches is the cost of one
kt_switchcost:
    la a0, str_switchcost
    call puts
    la a0, kt_pinger
    li a1, SWITCH_ROUNDS
    call kthread_create
    csrr s0, time
    li s1, SWITCH_ROUNDS
kt_switchcost_loop:
    li a0, SYS_YIELD
    sys
    addi s1, s1, -1
    bnez s1, kt_switchcost_loop
    csrr s1, time
    la a0, str_cost_kthread
    call puts
    sub a0, s1, s0
    li t0, SWITCH_ROUNDS
    shli t0, t0, 1
    divu a0, a0, t0
    call putdec
    la a0, str_per_switch
    call puts
    li a0, PROG_LWP_PINGPONG
    li a1, SWITCH_ROUNDS
    call kt_run
    li a0, PROG_ULT_PINGPONG
    li a1, SWITCH_ROUNDS
    call kt_run
    j kt_exit

; kt_pinger(a0 = rounds): the other kernel thread of the ping-pong
kt_pinger:
    mv s0, a0
kt_pinger_loop:
    li a0, SYS_YIELD
    sys
    addi s0, s0, -1
    bnez s0, kt_pinger_loop
    j kt_exit

; demo=server: a dispatcher thread hands requests to worker threads (all LWPs of one process)
kt_server:
    la a0, str_server
    call puts
    li a0, PROG_SERVER
    li a1, 3
    call kt_run
    mv s0, a0
    la a0, str_server_done
    call puts
    mv a0, s0
    call putdec
    call newline
    j kt_exit

str_blocking: .asciz "[threads] demo=blocking: user thread A makes a blocking system call, sleep(3000)\n"
str_one_lwp: .asciz "== one LWP: the kernel blocks the LWP, and with it every user-level thread\n"
str_two_lwps: .asciz "== two LWPs: the other LWP goes on running user-level threads\n"
str_switchcost: .asciz "[threads] demo=switchcost: 200 switches each, guest time in instructions\n"
str_cost_kthread: .asciz "kernel threads (sys yield in kernel mode): "
str_per_switch: .asciz " instructions per switch\n"
str_server: .asciz "[threads] demo=server: a dispatcher thread hands requests to 3 worker threads\n"
str_server_done: .asciz "[threads] server exited with status "
    .balign 4
