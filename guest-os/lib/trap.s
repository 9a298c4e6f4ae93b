; Trap entry and return, shared by the kernels. The context layout is in task.s; CSR scratch
; always points at the context of the code that is running.

; Entered at tvec with interrupts off and the previous mode in PKERNEL. The trapped code's t0
; is parked in a low kernel word (reachable with base register zero) until the context
; pointer is in hand. Then the kernel-specific trap_handler(a0 = context) runs on the trap
; stack and returns the context to resume in a0.
trap_entry:
    sw t0, TRAP_SAVE_T0(zero)
    csrr t0, scratch
    sw a0, 4(t0)
    sw a1, 8(t0)
    sw a2, 12(t0)
    sw a3, 16(t0)
    sw t1, 24(t0)
    sw t2, 28(t0)
    sw t3, 32(t0)
    sw t4, 36(t0)
    sw s0, 40(t0)
    sw s1, 44(t0)
    sw s2, 48(t0)
    sw s3, 52(t0)
    sw sp, 56(t0)
    sw ra, 60(t0)
    lw a0, TRAP_SAVE_T0(zero)
    sw a0, 20(t0)
    csrr a0, epc
    sw a0, 0(t0)
    la sp, trap_stack_top
    mv a0, t0
    call trap_handler

; ctx_resume(a0 = context): continue it; never returns. The kernel has already switched
; ptbr to the context's address space.
ctx_resume:
    csrw scratch, a0
    lw t0, 0(a0)
    csrw epc, t0
    lw t0, 64(a0)
    csrw status, t0
    lw a1, 8(a0)
    lw a2, 12(a0)
    lw a3, 16(a0)
    lw t0, 20(a0)
    lw t1, 24(a0)
    lw t2, 28(a0)
    lw t3, 32(a0)
    lw t4, 36(a0)
    lw s0, 40(a0)
    lw s1, 44(a0)
    lw s2, 48(a0)
    lw s3, 52(a0)
    lw sp, 56(a0)
    lw ra, 60(a0)
    lw a0, 4(a0)
    sret

; The stack trap handlers run on (the kernels are not re-entered: traps arrive with
; interrupts off and kernel code does not fault).
    .balign 16
trap_stack:
    .zero 2048
trap_stack_top:

; put_killed(a0 = who, a1 = id): prints "<who><id> killed: <cause> at <fault>" and a newline
put_killed:
    save_ra_s1
    mv s0, a1
    call puts
    mv a0, s0
    call putdec
    la a0, str_killed_mid
    call puts
    call puttrap
    restore_ra_s1
    ret

; puttrap(): prints "<cause name> at <fault address>" and a newline, for the trap being handled
puttrap:
    push ra
    csrr a0, cause
    call cause_name
    call puts
    la a0, str_trap_at
    call puts
    csrr a0, fault
    call puthex
    call newline
    pop ra
    ret

; cause_name(a0 = cause) -> a0 = printable name
cause_name:
    li t0, CAUSE_TIMER
    beq a0, t0, cause_name_timer
    li t0, 11
    bgeu a0, t0, cause_name_other
    shli a0, a0, 2
    la t0, cause_names
    add t0, t0, a0
    lw a0, 0(t0)
    ret
cause_name_timer:
    la a0, str_cause_timer
    ret
cause_name_other:
    la a0, str_cause_other
    ret

cause_names:
    .word str_cause_other, str_cause_1, str_cause_2, str_cause_3, str_cause_4, str_cause_5
    .word str_cause_6, str_cause_7, str_cause_8, str_cause_9, str_cause_10
str_cause_other: .asciz "unknown-trap"
str_cause_1: .asciz "illegal-instruction"
str_cause_2: .asciz "privileged-instruction"
str_cause_3: .asciz "page-fault-read"
str_cause_4: .asciz "page-fault-write"
str_cause_5: .asciz "page-fault-fetch"
str_cause_6: .asciz "misaligned-access"
str_cause_7: .asciz "access-fault"
str_cause_8: .asciz "divide-by-zero"
str_cause_9: .asciz "syscall"
str_cause_10: .asciz "breakpoint"
str_cause_timer: .asciz "timer-interrupt"
str_trap_at: .asciz " at "
str_killed_mid: .asciz " killed: "
    .balign 4
