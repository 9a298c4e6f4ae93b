; The threads kernel's boot code (boot.s): the kernel thread for demo=<name> from the kernel's
; table `demos`, then the scheduler.

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

