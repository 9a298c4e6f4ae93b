; Boot: page tables, the program prog=<name> chooses, its address space, then user mode.

; The one program: its context (lib/task.s) followed by its address space.
.equ PROC_SPACE, 68             ; address space record: page directory, break, heap top
.equ PROC_PD, PROC_SPACE + SPACE_PD
proc:
    .zero 80

boot:
    la sp, trap_stack_top
    call boot_init

    la a0, str_key_prog         ; prog=<name> (hello when absent)
    la a1, solo_programs
    la a2, str_unknown_prog
    call boot_pick
    mv s1, a0                   ; s1 = table row
    la a0, str_banner
    call puts
    lw a0, 0(s1)
    call puts
    la a0, str_banner_end
    call puts

    ; address space: the shared kernel table, one stack page and the data page
    la s3, proc
    addi a0, s3, PROC_SPACE
    li a1, 1
    li a2, 1
    call space_create
    mv s2, a0

    ; initial registers: pc = entry, sp = stack top, a0 = n=<value> (0 when absent)
    lw t0, 4(s1)
    sw t0, CTX_PC(s3)
    li t0, USER_STACK_TOP
    sw t0, CTX_SP(s3)
    la a0, str_key_n
    li a1, 0
    call arg_int
    sw a0, CTX_A0(s3)
    li t0, ST_TO_USER
    sw t0, CTX_STATUS(s3)

    mv a0, s2
    call paging_on
    mv a0, s3
    j ctx_resume

str_key_prog: .asciz "prog"
str_key_n: .asciz "n"
str_banner: .asciz "[solo] running "
str_banner_end: .asciz " in user mode\n"
str_unknown_prog: .asciz "[solo] unknown program (try prog=hello|fib|sieve|echo|bad)\n"
    .balign 4
