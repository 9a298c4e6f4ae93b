; The trap handler and system calls. s0 = the trapped thread.

trap_handler:
    mv s0, a0
    csrr t0, cause
    li t1, CAUSE_SYSCALL
    beq t0, t1, sys_dispatch
    la a0, str_killed_tid       ; any other trap ends the thread
    call puts
    lw a0, T_TID(s0)
    call putdec
    la a0, str_killed
    call puts
    csrr a0, cause
    call cause_name
    call puts
    la a0, str_killed_at
    call puts
    csrr a0, fault
    call puthex
    call newline
    mv a0, s0
    li a1, -1
    call thread_exit
    j sys_switch

sys_dispatch:
    lw t0, CTX_PC(s0)           ; resume after the sys instruction
    addi t0, t0, 4
    sw t0, CTX_PC(s0)
    lw t0, CTX_A0(s0)
    lw a1, CTX_A1(s0)
    lw a2, CTX_A2(s0)
    lw a3, CTX_A3(s0)
    li t1, 11
    bgeu t0, t1, sys_bad
    shli t0, t0, 2
    la t1, sys_table
    add t1, t1, t0
    lw t1, 0(t1)
    jr t1

sys_table:
    .word sys_exit, sys_write, sys_read, sys_time, sys_sbrk, sys_yield
    .word sys_sleep, sys_getpid, sys_spawn, sys_wait, sys_lwp_create

sys_bad:
    li a0, -1
sys_return:                     ; a0 = result for the caller, which continues
    sw a0, CTX_A0(s0)
    mv a0, s0
    j ctx_resume
sys_switch:                     ; the caller gives up the CPU
    call schedule
    j ctx_resume

sys_exit:                       ; exit(status): ends the calling thread
    mv a0, s0
    call thread_exit
    j sys_switch

sys_yield:
    sw zero, CTX_A0(s0)
    j sys_switch

sys_sleep:                      ; sleep(ticks): blocks the calling thread only
    sw zero, CTX_A0(s0)
    csrr t0, time
    add t0, t0, a1
    sw t0, T_WAKE(s0)
    li t0, S_SLEEPING
    sw t0, T_STATE(s0)
    j sys_switch

sys_time:
    csrr a0, time
    j sys_return

sys_getpid:                     ; the process id (0 for a kernel thread)
    lw t0, T_PROC(s0)
    li a0, 0
    beqz t0, sys_return
    lw a0, P_PID(t0)
    j sys_return

sys_spawn:                      ; spawn(program index, argument) -> pid
    mv a0, a1
    mv a1, a2
    call proc_create
    j sys_return

sys_wait:                       ; wait(pid) -> exit status of the process's last LWP
    mv a0, a1
    call proc_find
    beqz a0, sys_bad
    lw t0, P_STATE(a0)
    li t1, 2
    bne t0, t1, sys_wait_block
    sw zero, P_STATE(a0)
    lw a0, P_STATUS(a0)
    j sys_return
sys_wait_block:
    sw s0, P_WAITER(a0)
    li t0, S_WAITING
    sw t0, T_STATE(s0)
    j sys_switch

sys_lwp_create:                 ; lwp_create(entry, stack pointer, argument) -> tid, or -1
    lw a0, T_PROC(s0)
    beqz a0, sys_bad
    call lwp_create
    beqz a0, sys_bad
    lw a0, T_TID(a0)
    j sys_return

sys_sbrk:                       ; sbrk(increment): heap pages are mapped right away
    lw s3, T_PROC(s0)
    beqz s3, sys_bad
    lw s1, P_BRK(s3)
    add s2, s1, a1
    li t0, USER_HEAP
    bltu s2, t0, sys_bad
    li t0, USER_STACK_LOW
    bgeu s2, t0, sys_bad
sys_sbrk_map:
    lw t0, P_HEAP_TOP(s3)
    bgeu t0, s2, sys_sbrk_done
    lw a0, P_PD(s3)
    mv a1, t0
    li a2, PTE_USER_RW
    call vm_map_new
    beqz a0, sys_bad
    lw t0, P_HEAP_TOP(s3)
    li t1, PAGE_SIZE
    add t0, t0, t1
    sw t0, P_HEAP_TOP(s3)
    j sys_sbrk_map
sys_sbrk_done:
    sw s2, P_BRK(s3)
    mv a0, s1
    j sys_return

; thread_pa(a0 = virtual address, a1 = 1 for a write) -> physical address or -1 for thread s0
thread_pa:
    lw t0, T_PROC(s0)
    beqz t0, thread_pa_kernel
    mv a2, a1
    mv a1, a0
    lw a0, P_PD(t0)
    j vm_user_pa
thread_pa_kernel:
    ret

; write(fd, buf, len): fd 1 and 2 go to the console
sys_write:
    li t0, 1
    beq a1, t0, sys_write_ok
    li t0, 2
    bne a1, t0, sys_bad
sys_write_ok:
    mv s1, a2
    add s2, a2, a3
sys_write_loop:
    bgeu s1, s2, sys_write_done
    mv a0, s1
    li a1, 0
    call thread_pa
    blt a0, zero, sys_bad
    lbu t0, 0(a0)
    out PORT_CONSOLE, t0
    addi s1, s1, 1
    j sys_write_loop
sys_write_done:
    lw a0, CTX_A3(s0)
    j sys_return

; read(fd, buf, len): console input up to len bytes, stopping after a newline; 0 at the end
sys_read:
    bnez a1, sys_bad
    mv s1, a2
    add s2, a2, a3
sys_read_loop:
    bgeu s1, s2, sys_read_done
    in s3, PORT_CONSOLE
    blt s3, zero, sys_read_done
    mv a0, s1
    li a1, 1
    call thread_pa
    blt a0, zero, sys_bad
    sb s3, 0(a0)
    addi s1, s1, 1
    li t0, 10
    bne s3, t0, sys_read_loop
sys_read_done:
    lw t0, CTX_A2(s0)
    sub a0, s1, t0
    j sys_return

str_killed_tid: .asciz "[threads] thread "
str_killed: .asciz " killed: "
str_killed_at: .asciz " at "
    .balign 4
