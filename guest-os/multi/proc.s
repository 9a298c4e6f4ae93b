; The process table. A process is a context (lib/trap.s) followed by these fields:
.equ P_STATE, 68
.equ P_PID, 72
.equ P_PD, 76                   ; page directory
.equ P_BRK, 80                  ; heap break: [USER_DATA, brk) is valid heap
.equ P_WAKE, 84                 ; SLEEPING: guest time to wake at
.equ P_STATUS, 88               ; ZOMBIE: exit status
.equ P_WAITFOR, 92              ; WAITING: pid waited for
.equ P_PARENT, 96               ; pid of the parent, 0 for processes started at boot
.equ P_SIZE, 128
.equ NPROC, 8

; states
.equ S_FREE, 0
.equ S_RUNNABLE, 1
.equ S_SLEEPING, 2
.equ S_WAITING, 3
.equ S_ZOMBIE, 4

    .balign 16
procs:
    .zero 1024                  ; NPROC * P_SIZE
procs_end:
next_pid:
    .word 1

; proc_create(a0 = program index, a1 = argument, a2 = parent pid) -> a0 = pid, or -1
; The new process starts at the program's entry with a0 = argument, a1 = its pid, and no
; pages of its own: the first touches of stack and data fault them in.
proc_create:
    push ra
    push s0
    push s1
    push s2
    push s3
    mv s1, a0
    mv s2, a1
    mv s3, a2
    li t0, 0
    la t1, multi_program_count
    lw t1, 0(t1)
    bltu s1, t1, proc_create_find
    j proc_create_fail
proc_create_find:
    la s0, procs
    la t1, procs_end
proc_create_scan:
    bgeu s0, t1, proc_create_fail
    lw t2, P_STATE(s0)
    beqz t2, proc_create_slot
    addi s0, s0, P_SIZE
    j proc_create_scan
proc_create_slot:
    mv a0, s0
    li a1, P_SIZE
    call memzero
    call vm_new_space
    beqz a0, proc_create_fail
    sw a0, P_PD(s0)
    la t0, multi_programs
    shli t1, s1, 3
    add t0, t0, t1
    lw t0, 4(t0)
    sw t0, CTX_PC(s0)
    li t0, USER_STACK_TOP
    sw t0, CTX_SP(s0)
    sw s2, CTX_A0(s0)
    la t0, next_pid
    lw t1, 0(t0)
    addi t2, t1, 1
    sw t2, 0(t0)
    sw t1, P_PID(s0)
    sw t1, CTX_A1(s0)
    li t0, ST_TO_USER
    sw t0, CTX_STATUS(s0)
    li t0, USER_HEAP
    sw t0, P_BRK(s0)
    sw s3, P_PARENT(s0)
    li t0, S_RUNNABLE
    sw t0, P_STATE(s0)
    mv a0, t1
    j proc_create_ret
proc_create_fail:
    li a0, -1
proc_create_ret:
    pop s3
    pop s2
    pop s1
    pop s0
    pop ra
    ret

; proc_find(a0 = pid) -> a0 = process, or 0 (free slots never match)
proc_find:
    la t0, procs
    la t1, procs_end
proc_find_loop:
    bgeu t0, t1, proc_find_none
    lw t2, P_STATE(t0)
    beqz t2, proc_find_next
    lw t2, P_PID(t0)
    beq t2, a0, proc_find_found
proc_find_next:
    addi t0, t0, P_SIZE
    j proc_find_loop
proc_find_found:
    mv a0, t0
    ret
proc_find_none:
    li a0, 0
    ret

; proc_exit(a0 = process, a1 = status): frees its memory; a waiting parent gets the status,
; otherwise it stays a zombie until waited for (processes started at boot are not kept)
proc_exit:
    push ra
    push s0
    push s1
    mv s0, a0
    mv s1, a1
    la t0, kernel_pd            ; stop using the directory before freeing it
    lw t0, 0(t0)
    csrw ptbr, t0
    tlbflush
    lw a0, P_PD(s0)
    call vm_free_space
    sw zero, P_PD(s0)
    sw s1, P_STATUS(s0)
    lw t0, P_PID(s0)
    la t1, procs                ; a process waiting for this one takes the status
    la t2, procs_end
proc_exit_scan:
    bgeu t1, t2, proc_exit_nowaiter
    lw t3, P_STATE(t1)
    li t4, S_WAITING
    bne t3, t4, proc_exit_next
    lw t3, P_WAITFOR(t1)
    bne t3, t0, proc_exit_next
    sw s1, CTX_A0(t1)
    li t4, S_RUNNABLE
    sw t4, P_STATE(t1)
    j proc_exit_free
proc_exit_next:
    addi t1, t1, P_SIZE
    j proc_exit_scan
proc_exit_nowaiter:
    lw t3, P_PARENT(s0)
    beqz t3, proc_exit_free
    li t4, S_ZOMBIE
    sw t4, P_STATE(s0)
    j proc_exit_ret
proc_exit_free:
    sw zero, P_STATE(s0)
proc_exit_ret:
    pop s1
    pop s0
    pop ra
    ret

; proc_kill(a0 = process): reports the trap that killed it and ends it with status -1
proc_kill:
    push ra
    push s0
    mv s0, a0
    la a0, str_killed_pid
    call puts
    lw a0, P_PID(s0)
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
    call proc_exit
    pop s0
    pop ra
    ret

str_killed_pid: .asciz "[kernel] pid "
str_killed: .asciz " killed: "
str_killed_at: .asciz " at "
    .balign 4
