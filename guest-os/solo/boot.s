; Boot: remember the arguments, build the page tables, pick the program, enter user mode.

mem_size:
    .word 0

; The one program: its context (see lib/trap.s) followed by solo's own fields.
.equ PROC_BRK, 68               ; current break
.equ PROC_PD, 72                ; page directory
.equ PROC_HEAP_TOP, 76          ; end of the pages mapped for the heap
proc:
    .zero 80

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

    ; prog=<name> chooses the program (hello when absent)
    li s0, 0
    la a0, str_key_prog
    call arg_find
    beqz a0, boot_have_prog
    la a1, solo_programs
    call prog_lookup
    mv s0, a0
    bge a0, zero, boot_have_prog
    la a0, str_unknown_prog
    call puts
    li a0, 2
    halt
boot_have_prog:
    la a0, str_banner
    call puts
    la t0, solo_programs
    shli t1, s0, 3
    add s1, t0, t1              ; s1 = table row
    lw a0, 0(s1)
    call puts
    la a0, str_banner_end
    call puts

    ; address space: shared kernel table + one stack page and the data page
    call vm_new_space
    mv s2, a0
    la s3, proc
    sw s2, PROC_PD(s3)
    mv a0, s2
    li a1, USER_STACK_TOP
    addi a1, a1, -4
    li a2, PTE_USER_RW
    call vm_map_new
    mv a0, s2
    li a1, USER_DATA
    li a2, PTE_USER_RW
    call vm_map_new
    li t0, USER_HEAP
    sw t0, PROC_BRK(s3)
    sw t0, PROC_HEAP_TOP(s3)

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

    csrw ptbr, s2
    li t0, ST_BOOT_PAGING
    csrw status, t0
    tlbflush
    mv a0, s3
    j ctx_resume

str_key_prog: .asciz "prog"
str_key_n: .asciz "n"
str_banner: .asciz "[solo] running "
str_banner_end: .asciz " in user mode\n"
str_unknown_prog: .asciz "[solo] unknown program (try prog=hello|fib|sieve|echo|bad)\n"
    .balign 4
