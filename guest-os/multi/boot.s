; Boot: page tables, then the processes the boot arguments ask for, then the scheduler.
;   run=name,name,...   start these programs (see programs.s)
;   procs=N             otherwise start N copies of "count" (default 3)
;   quantum=N           time slice in instructions (default 500)

boot:
    la sp, trap_stack_top
    call boot_init

    la a0, str_key_quantum
    li a1, 500
    call arg_int
    la t0, quantum
    sw a0, 0(t0)
    mv s0, a0
    la a0, str_banner
    call puts
    mv a0, s0
    call putdec
    la a0, str_banner_end
    call puts

    la a0, str_key_run
    call arg_find
    beqz a0, boot_copies
    mv s0, a0                   ; next program name in the list
boot_run_next:
    mv a0, s0
    la a1, multi_programs
    call prog_lookup
    blt a0, zero, boot_unknown
    call boot_start
    mv a0, s0
    call token_skip
    lbu t0, 0(a0)
    li t1, 44                   ; ','
    bne t0, t1, boot_go
    addi s0, a0, 1
    j boot_run_next
boot_unknown:
    la a0, str_unknown
    call puts
    li a0, 2
    halt

boot_copies:
    la a0, str_key_procs
    li a1, 3
    call arg_int
    mv s0, a0
boot_copies_loop:
    blez s0, boot_go            ; procs=-1 starts none
    li a0, 0
    call boot_start
    addi s0, s0, -1
    j boot_copies_loop

boot_go:
    li t0, IRQ_TIMER            ; preemption: the timer stays enabled for user mode
    csrw imask, t0
    la t0, kernel_pd
    lw a0, 0(t0)
    call paging_on
    call schedule
    j ctx_resume

; boot_start(a0 = program index): creates the process and says so
boot_start:
    push ra
    push s1
    mv s1, a0
    li a1, 0
    li a2, 0
    call proc_create
    blt a0, zero, boot_start_fail
    push a0
    la a0, str_started
    call puts
    pop a0
    call putdec
    la a0, str_colon
    call puts
    mv a0, s1
    la a1, multi_programs
    call prog_row
    lw a0, 0(a0)
    call puts
    call newline
    pop s1
    pop ra
    ret
boot_start_fail:
    la a0, str_full
    call puts
    li a0, 2
    halt

str_key_quantum: .asciz "quantum"
str_key_run: .asciz "run"
str_key_procs: .asciz "procs"
str_banner: .asciz "[kernel] multi: round robin, quantum "
str_banner_end: .asciz " instructions\n"
str_started: .asciz "[kernel] started pid "
str_colon: .asciz ": "
str_unknown: .asciz "[kernel] unknown program in run= (try count,sleeper,heap,bad,parent,hog)\n"
str_full: .asciz "[kernel] process table full\n"
    .balign 4
