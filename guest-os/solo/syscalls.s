; The trap handler and solo's system calls (the common ones are in lib/syscall.s).

; trap_handler(a0 = context): ends in ctx_resume (always the one program)
trap_handler:
    mv s0, a0
    csrr t0, cause
    li t1, CAUSE_SYSCALL
    beq t0, t1, sys_dispatch
    la a0, str_killed           ; a fault, or a privileged instruction: report it and stop
    call puts
    call puttrap
    li a0, 1
    halt

.equ NSYS, 8
sys_table:                      ; yield and sleep mean nothing with one program
    .word sys_exit, sys_write, sys_read, sys_time, sys_sbrk
    .word sys_bad, sys_bad, sys_getpid

sys_exit:                       ; exit(status): the machine stops with that status
    la a0, str_exit
    call puts
    lw a0, CTX_A1(s0)
    call putdec
    call newline
    lw a0, CTX_A1(s0)
    halt

sys_getpid:
    li a0, 1
    j sys_return

; sbrk(increment): moves the break; pages are mapped (zeroed) as soon as the break covers them
sys_sbrk:
    addi a0, s0, PROC_SPACE
    li a2, 1
    call space_sbrk
    j sys_return

; caller_pa(a0 = virtual address, a1 = 1 for a write) -> physical address or -1
caller_pa:
    mv a2, a1
    mv a1, a0
    lw a0, PROC_PD(s0)
    j vm_user_pa

str_killed: .asciz "[solo] program killed: "
str_exit: .asciz "[solo] program exited with status "
    .balign 4
