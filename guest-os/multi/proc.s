; The process table. A process is a task (lib/task.s: context, state, pid, wake-up time)
; followed by these fields:
.equ P_STATE, TASK_STATE
.equ P_PID, TASK_ID
.equ P_WAKE, TASK_WAKE          ; SLEEPING: guest time to wake at
.equ P_SPACE, TASK_FIELDS       ; address space record (lib/task.s); multi uses pd and break
.equ P_PD, P_SPACE + SPACE_PD
.equ P_BRK, P_SPACE + SPACE_BRK ; heap break: [USER_HEAP, brk) is valid heap
.equ P_STATUS, 92               ; ZOMBIE: exit status
.equ P_WAITFOR, 96              ; WAITING: pid waited for
.equ P_PARENT, 100              ; pid of the parent, 0 for processes started at boot
.equ P_SIZE, 128
.equ NPROC, 8

.equ S_ZOMBIE, 4                ; after the states of lib/task.s: exited, not yet waited for

    .balign 16
procs:
    .zero 1024                  ; NPROC * P_SIZE
procs_end:
proc_table:                     ; for slot_alloc and slot_find (lib/table.s); pids from 1
    .word procs, procs_end, P_SIZE, P_STATE, 1

; proc_create(a0 = program index, a1 = argument, a2 = parent pid) -> a0 = pid, or -1
; The new process starts at the program's entry with a0 = argument, a1 = its pid, and no
; pages of its own: the first touches of stack and data fault them in.
proc_create:
    save_ra_s3
    mv s1, a0
    mv s2, a1
    mv s3, a2
    la t1, multi_program_count
    lw t1, 0(t1)
    bgeu s1, t1, proc_create_fail
    la a0, proc_table
    call slot_alloc
    beqz a0, proc_create_fail
    mv s0, a0
    addi a0, s0, P_SPACE
    li a1, 0                    ; nothing mapped: demand-zero from the first instruction
    li a2, 0
    call space_create
    beqz a0, proc_create_fail
    mv a0, s1
    la a1, multi_programs
    call prog_row
    lw a1, 4(a0)
    mv a0, s0
    li a2, USER_STACK_TOP
    mv a3, s2
    call task_ready
    lw a0, P_PID(s0)
    sw a0, CTX_A1(s0)
    sw s3, P_PARENT(s0)
    j proc_create_ret
proc_create_fail:
    li a0, -1
proc_create_ret:
    restore_ra_s3
    ret

; proc_exit(a0 = process, a1 = status): frees its memory; a waiting parent gets the status,
; otherwise it stays a zombie until waited for (processes started at boot are not kept)
proc_exit:
    save_ra_s1
    mv s0, a0
    mv s1, a1
    call vm_switch_kernel       ; stop using the directory before freeing it
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
    restore_ra_s1
    ret

; proc_kill(a0 = process): reports the trap that killed it and ends it with status -1
proc_kill:
    push ra
    push s0
    mv s0, a0
    la a0, str_killed_pid
    lw a1, P_PID(s0)
    call put_killed
    kill_hook
    mv a0, s0
    li a1, -1
    call proc_exit
    pop s0
    pop ra
    ret

str_killed_pid: .asciz "[kernel] pid "
    .balign 4
