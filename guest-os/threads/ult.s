; A user-level thread package. Threads are switched by ordinary user code (no system call);
; they run on the process's LWPs: each LWP runs lwp_main, which takes the next ready thread.
; Register s3 always holds the running LWP's record and is never touched by thread code.
;
; Globals in the process's data page (USER_DATA + offset):
.equ G_READY_HEAD, 0
.equ G_READY_TAIL, 4
.equ G_LIVE, 8                  ; threads created and not yet finished
.equ G_NEXT_ID, 12
.equ G_MAIN_LWP, 0x100          ; the record of the LWP the process started with
; A thread (TCB) is the bottom of its own 4 KiB heap page; its stack grows down from the top:
.equ TCB_NEXT, 0
.equ TCB_SP, 4
.equ TCB_ID, 8
; An LWP record:
.equ LWP_CURRENT, 0             ; thread it runs, 0 when in lwp_main
.equ LWP_IDLE_SP, 4             ; saved stack pointer of lwp_main
.equ LWP_DEAD_SP, 8             ; where a finished thread's last sp goes

; ult_switch(a0 = where to save this stack pointer, a1 = stack pointer to resume):
; saves ra and s0-s2 on this stack and resumes the other one
ult_switch:
    addi sp, sp, -16
    sw ra, 0(sp)
    sw s0, 4(sp)
    sw s1, 8(sp)
    sw s2, 12(sp)
    sw sp, 0(a0)
    mv sp, a1
    lw ra, 0(sp)
    lw s0, 4(sp)
    lw s1, 8(sp)
    lw s2, 12(sp)
    addi sp, sp, 16
    ret

; ult_enqueue(a0 = thread): to the tail of the ready queue
ult_enqueue:
    sw zero, TCB_NEXT(a0)
    li t0, USER_DATA
    lw t1, G_READY_TAIL(t0)
    beqz t1, ult_enqueue_empty
    sw a0, TCB_NEXT(t1)
    j ult_enqueue_tail
ult_enqueue_empty:
    sw a0, G_READY_HEAD(t0)
ult_enqueue_tail:
    sw a0, G_READY_TAIL(t0)
    ret

; ult_dequeue() -> a0 = the head of the ready queue, or 0
ult_dequeue:
    li t0, USER_DATA
    lw a0, G_READY_HEAD(t0)
    beqz a0, ult_dequeue_ret
    lw t1, TCB_NEXT(a0)
    sw t1, G_READY_HEAD(t0)
    bnez t1, ult_dequeue_ret
    sw zero, G_READY_TAIL(t0)
ult_dequeue_ret:
    ret

; ult_create(a0 = function, a1 = argument) -> a0 = thread, ready to run function(argument)
ult_create:
    save_ra_s2
    mv s0, a0
    mv s1, a1
    li a0, PAGE_SIZE
    call u_sbrk
    mv s2, a0
    li t0, PAGE_SIZE
    add t0, t0, s2
    addi t0, t0, -16            ; a first frame for ult_switch to resume
    la t1, ult_start
    sw t1, 0(t0)
    sw s0, 4(t0)
    sw s1, 8(t0)
    sw zero, 12(t0)
    sw t0, TCB_SP(s2)
    li t0, USER_DATA
    lw t1, G_NEXT_ID(t0)
    addi t1, t1, 1
    sw t1, G_NEXT_ID(t0)
    sw t1, TCB_ID(s2)
    lw t1, G_LIVE(t0)
    addi t1, t1, 1
    sw t1, G_LIVE(t0)
    mv a0, s2
    call ult_enqueue
    mv a0, s2
    restore_ra_s2
    ret

; A new thread starts here with s0 = function, s1 = argument.
ult_start:
    mv a0, s1
    jalr ra, 0(s0)
    call ult_exit

; ult_yield(): lets the next ready thread run on this LWP
ult_yield:
    push ra
    call ult_dequeue
    beqz a0, ult_yield_ret
    push a0
    lw a0, LWP_CURRENT(s3)
    call ult_enqueue
    pop a1
    lw a0, LWP_CURRENT(s3)
    sw a1, LWP_CURRENT(s3)
    addi a0, a0, TCB_SP
    lw a1, TCB_SP(a1)
    call ult_switch
ult_yield_ret:
    pop ra
    ret

; ult_exit(): ends the running thread; its LWP goes back to lwp_main
ult_exit:
    li t0, USER_DATA
    lw t1, G_LIVE(t0)
    addi t1, t1, -1
    sw t1, G_LIVE(t0)
    sw zero, LWP_CURRENT(s3)
    addi a0, s3, LWP_DEAD_SP
    lw a1, LWP_IDLE_SP(s3)
    call ult_switch

; lwp_main(a0 = LWP record): the loop every LWP runs. It resumes ready threads; with none
; ready it sleeps a little (blocking only this LWP); when no thread is left the LWP ends.
lwp_main:
    mv s3, a0
lwp_main_loop:
    call ult_dequeue
    beqz a0, lwp_main_idle
    sw a0, LWP_CURRENT(s3)
    lw a1, TCB_SP(a0)
    addi a0, s3, LWP_IDLE_SP
    call ult_switch
    j lwp_main_loop
lwp_main_idle:
    li t0, USER_DATA
    lw t1, G_LIVE(t0)
    beqz t1, lwp_main_exit
    li a0, 100
    call u_sleep
    j lwp_main_loop
lwp_main_exit:
    li a0, 0
    call u_exit

; lwp_run_main(): the process's first LWP becomes a thread-package LWP; never returns
lwp_run_main:
    li a0, USER_DATA
    addi a0, a0, G_MAIN_LWP
    j lwp_main

; lwp_spawn(a0 = entry, a1 = argument) -> tid: a new LWP (kernel thread of this process) with
; a 4 KiB stack from the heap, running entry(argument)
lwp_spawn:
    save_ra_s1
    mv s0, a0
    mv s1, a1
    li a0, PAGE_SIZE
    call u_sbrk
    li t0, PAGE_SIZE
    add a2, a0, t0
    mv a1, s0
    mv a3, s1
    li a0, SYS_LWP_CREATE
    sys
    restore_ra_s1
    ret

; lwp_spawn_ult(): one more LWP for the thread package; its record is at the bottom of its
; stack page
lwp_spawn_ult:
    push ra
    li a0, PAGE_SIZE
    call u_sbrk
    li t0, PAGE_SIZE
    add a2, a0, t0
    mv a3, a0
    la a1, lwp_main
    li a0, SYS_LWP_CREATE
    sys
    pop ra
    ret
