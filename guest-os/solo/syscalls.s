; The trap handler: system calls are served, anything else ends the program.

; trap_handler(a0 = context): ends in ctx_resume (always the one program)
trap_handler:
    mv s0, a0
    csrr t0, cause
    li t1, CAUSE_SYSCALL
    beq t0, t1, sys_dispatch

    ; a fault, or a privileged instruction in user mode: report it and stop
    la a0, str_killed
    call puts
    csrr a0, cause
    call cause_name
    call puts
    la a0, str_at
    call puts
    csrr a0, fault
    call puthex
    call newline
    li a0, 1
    halt

sys_dispatch:
    lw t0, CTX_PC(s0)           ; resume after the sys instruction
    addi t0, t0, 4
    sw t0, CTX_PC(s0)
    lw t0, CTX_A0(s0)
    lw a1, CTX_A1(s0)
    lw a2, CTX_A2(s0)
    lw a3, CTX_A3(s0)
    li t1, SYS_EXIT
    beq t0, t1, sys_exit
    li t1, SYS_WRITE
    beq t0, t1, sys_write
    li t1, SYS_READ
    beq t0, t1, sys_read
    li t1, SYS_TIME
    beq t0, t1, sys_time
    li t1, SYS_SBRK
    beq t0, t1, sys_sbrk
    li t1, SYS_GETPID
    beq t0, t1, sys_getpid
    li a0, -1                   ; not a system call solo knows
sys_return:                     ; a0 = result
    sw a0, CTX_A0(s0)
    mv a0, s0
    j ctx_resume

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

sys_time:
    csrr a0, time
    j sys_return

; write(fd, buf, len): fd 1 and 2 go to the console; every byte must be user-readable
sys_write:
    li t0, 1
    beq a1, t0, sys_write_ok
    li t0, 2
    beq a1, t0, sys_write_ok
    li a0, -1
    j sys_return
sys_write_ok:
    mv s1, a2                   ; next user address
    add s2, a2, a3              ; end
sys_write_loop:
    bgeu s1, s2, sys_write_done
    lw a0, PROC_PD(s0)
    mv a1, s1
    li a2, 0
    call vm_user_pa
    blt a0, zero, sys_bad_pointer
    lbu t0, 0(a0)
    out PORT_CONSOLE, t0
    addi s1, s1, 1
    j sys_write_loop
sys_write_done:
    lw a0, CTX_A3(s0)
    j sys_return
sys_bad_pointer:
    li a0, -1
    j sys_return

; read(fd, buf, len): console input up to len bytes, stopping after a newline; 0 at the end
sys_read:
    bnez a1, sys_bad_pointer
    mv s1, a2
    add s2, a2, a3
sys_read_loop:
    bgeu s1, s2, sys_read_done
    in s3, PORT_CONSOLE
    blt s3, zero, sys_read_done
    lw a0, PROC_PD(s0)
    mv a1, s1
    li a2, 1
    call vm_user_pa
    blt a0, zero, sys_bad_pointer
    sb s3, 0(a0)
    addi s1, s1, 1
    li t0, 10
    bne s3, t0, sys_read_loop
sys_read_done:
    lw t0, CTX_A2(s0)
    sub a0, s1, t0
    j sys_return

; sbrk(increment): moves the break; pages are mapped (zeroed) as soon as the break covers them
sys_sbrk:
    lw s1, PROC_BRK(s0)         ; old break
    add s2, s1, a1              ; new break
    li t0, USER_HEAP
    bltu s2, t0, sys_bad_pointer
    li t0, USER_STACK_LOW
    bgeu s2, t0, sys_bad_pointer
sys_sbrk_map:
    lw s3, PROC_HEAP_TOP(s0)
    bgeu s3, s2, sys_sbrk_done
    lw a0, PROC_PD(s0)
    mv a1, s3
    li a2, PTE_USER_RW
    call vm_map_new
    beqz a0, sys_bad_pointer
    li t0, PAGE_SIZE
    add s3, s3, t0
    sw s3, PROC_HEAP_TOP(s0)
    j sys_sbrk_map
sys_sbrk_done:
    sw s2, PROC_BRK(s0)
    mv a0, s1
    j sys_return

str_killed: .asciz "[solo] program killed: "
str_at: .asciz " at "
str_exit: .asciz "[solo] program exited with status "
    .balign 4
