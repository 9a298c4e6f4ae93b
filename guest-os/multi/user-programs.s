; multi's user programs (the table that names them is in programs.s; multi-net has its own).
; say() formats and writes one line per call.

; say(a0 = pid, a1 = message, a2 = number, or -1 for none): one line, one write
say:
    save_ra_s2
    addi sp, sp, -64
    mv s0, a0
    mv s1, a1
    mv s2, a2
    mv a0, sp
    la a1, s_pid
    call ufmt_str
    mv a1, s0
    call ufmt_dec
    la a1, s_colon
    call ufmt_str
    mv a1, s1
    call ufmt_str
    blt s2, zero, say_end
    la a1, s_space
    call ufmt_str
    mv a1, s2
    call ufmt_dec
say_end:
    li t0, 10
    sb t0, 0(a0)
    addi a0, a0, 1
    sub a1, a0, sp
    mv a0, sp
    call u_write
    addi sp, sp, 64
    restore_ra_s2
    ret

; count: four lines with some work between them; exits with its argument as status
p_count:
    mv s2, a0
    mv s0, a1
    li s1, 1
p_count_loop:
    li t0, 4
    bgt s1, t0, p_count_done
    li t0, 150
p_count_spin:
    addi t0, t0, -1
    bnez t0, p_count_spin
    mv a0, s0
    la a1, s_count
    mv a2, s1
    call say
    addi s1, s1, 1
    j p_count_loop
p_count_done:
    mv a0, s2
    call u_exit

; sleeper: sleeps 1000 ticks, three times
p_sleeper:
    mv s0, a1
    li s1, 1
p_sleeper_loop:
    li t0, 3
    bgt s1, t0, p_sleeper_done
    li a0, 1000
    call u_sleep
    mv a0, s0
    la a1, s_woke
    mv a2, s1
    call say
    addi s1, s1, 1
    j p_sleeper_loop
p_sleeper_done:
    li a0, 0
    call u_exit

; heap: grows the heap by three pages and recurses 200 deep; every page it touches is
; demand-zero, mapped by the kernel on the first fault
p_heap:
    mv s0, a1
    li a0, 12288
    call u_sbrk
    mv s1, a0
    li s2, 0                    ; sum of what the pages read back
    li t0, 0
p_heap_fill:
    li t1, 3
    bge t0, t1, p_heap_sum
    shli t2, t0, 12
    add t2, t2, s1
    lw t3, 0(t2)                ; zero on first touch
    add s2, s2, t3
    addi t3, t0, 1
    sw t3, 0(t2)
    lw t3, 0(t2)
    add s2, s2, t3
    addi t0, t0, 1
    j p_heap_fill
p_heap_sum:
    mv a0, s0
    la a1, s_heap_sum
    mv a2, s2
    call say
    li a0, 200
    call p_heap_recurse
    mv a2, a0
    mv a0, s0
    la a1, s_heap_depth
    call say
    li a0, 0
    call u_exit

; p_heap_recurse(a0 = n) -> n, using a 64-byte frame per level
p_heap_recurse:
    beqz a0, p_heap_recurse_base
    addi sp, sp, -64
    sw ra, 60(sp)
    sw a0, 0(sp)
    addi a0, a0, -1
    call p_heap_recurse
    addi a0, a0, 1
    lw ra, 60(sp)
    addi sp, sp, 64
p_heap_recurse_base:
    ret

; bad: stores into kernel memory and is killed for it
p_bad:
    mv a0, a1
    la a1, s_bad
    li a2, -1
    call say
    li t0, 0x1000
    sw zero, 0(t0)
    li a0, 0
    call u_exit

; parent: spawns count with argument 42 and waits for it
p_parent:
    mv s0, a1
    mv a0, s0
    la a1, s_spawning
    li a2, -1
    call say
    li a0, 0
    li a1, 42
    call u_spawn
    mv s1, a0
    mv a0, s0
    la a1, s_waiting
    mv a2, s1
    call say
    mv a0, s1
    call u_wait
    mv a2, a0
    mv a0, s0
    la a1, s_child_status
    call say
    li a0, 0
    call u_exit

; hog: computes for a long time without a system call; only the timer takes it off the CPU
p_hog:
    mv s0, a1
    li t0, 3000
    li t1, 0
p_hog_loop:
    add t1, t1, t0
    addi t0, t0, -1
    bnez t0, p_hog_loop
    mv a0, s0
    la a1, s_hog
    mv a2, t1
    call say
    li a0, 0
    call u_exit

s_name_count: .asciz "count"
s_name_sleeper: .asciz "sleeper"
s_name_heap: .asciz "heap"
s_name_bad: .asciz "bad"
s_name_parent: .asciz "parent"
s_name_hog: .asciz "hog"
s_pid: .asciz "pid "
s_colon: .asciz ": "
s_space: .asciz " "
s_count: .asciz "count"
s_woke: .asciz "woke up"
s_heap_sum: .asciz "heap pages read back"
s_heap_depth: .asciz "recursion depth"
s_bad: .asciz "writing to kernel memory"
s_spawning: .asciz "spawning count 42"
s_waiting: .asciz "waiting for pid"
s_child_status: .asciz "child exit status"
s_hog: .asciz "hog sum"
    .balign 4
