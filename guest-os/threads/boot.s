; Boot: page tables, then one kernel thread running the demo chosen by demo=<name>
; (blocking, switchcost or server; blocking by default), then the scheduler.

mem_size:
    .word 0

boot:
    la t0, boot_args
    sw a0, 0(t0)
    la t0, mem_size
    sw a1, 0(t0)
    la sp, trap_stack_top
    la t0, trap_entry
    csrw tvec, t0

    la a0, image_end
    la t0, mem_size
    lw a1, 0(t0)
    call frame_init
    la t0, mem_size
    lw a0, 0(t0)
    la a1, user_start
    la a2, user_end
    call vm_init

    li s0, 0
    la a0, str_key_demo
    call arg_find
    beqz a0, boot_have_demo
    la a1, demos
    call prog_lookup
    mv s0, a0
    bge a0, zero, boot_have_demo
    la a0, str_unknown_demo
    call puts
    li a0, 2
    halt
boot_have_demo:
    la t0, demos
    shli t1, s0, 3
    add t0, t0, t1
    lw a0, 4(t0)
    li a1, 0
    call kthread_create

    la t0, kernel_pd
    lw t0, 0(t0)
    la t1, current_pd
    sw t0, 0(t1)
    csrw ptbr, t0
    li t0, ST_BOOT_PAGING
    csrw status, t0
    tlbflush
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
