; Boot: page tables, then one kernel thread running the demo chosen by demo=<name>
; (blocking, switchcost or server; blocking by default), then the scheduler.

boot:
    la sp, trap_stack_top
    call boot_init
    la a0, str_key_demo
    la a1, demos
    la a2, str_unknown_demo
    call boot_pick
    lw a0, 4(a0)
    li a1, 0
    call kthread_create
    la t0, kernel_pd
    lw a0, 0(t0)
    call paging_on
    call schedule
    j ctx_resume

demos:
    .word str_demo_blocking, kt_blocking
    .word str_demo_switchcost, kt_switchcost
    .word str_demo_server, kt_server
    .word 0, 0

str_key_demo: .asciz "demo"
str_demo_blocking: .asciz "blocking"
str_demo_switchcost: .asciz "switchcost"
str_demo_server: .asciz "server"
str_unknown_demo: .asciz "[threads] unknown demo (try demo=blocking|switchcost|server)\n"
    .balign 4
