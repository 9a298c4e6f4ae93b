; The threads kernel's user programs (the table that names them is in programs.s; threads-net
; has its own).

; program globals, after the thread package's (data page offsets)
.equ G_A_BLOCKED, 0x20          ; 1 while thread A is inside its blocking call
.equ G_STEPS_WHILE, 0x24        ; steps B made while A was blocked
.equ G_ROUNDS, 0x28
.equ G_DONE, 0x2c               ; server: the dispatcher has handed out every request
.equ G_WORK, 0x40               ; server: request of worker w at G_WORK + 4 * w (0 = idle)
.equ G_REQS, 0x140              ; server: request list read from the console (word pointers)
.equ G_REQ_TEXT, 0x200          ; server: text of those requests
.equ REQ_TEXT_END, 0xf00

; print(a0 = string)
print:
    j u_puts

; print_num_line(a0 = string, a1 = number): the string, the number and a newline
print_num_line:
    la a2, s_nl
; print_num_text(a0 = string, a1 = number, a2 = string after it)
print_num_text:
    save_ra_s1
    mv s0, a1
    mv s1, a2
    call u_puts
    mv a0, s0
    call u_putdec
    mv a0, s1
    call u_puts
    restore_ra_s1
    ret

; ---- demo=blocking: user threads A and B on a0 LWPs
p_ult_demo:
    mv s0, a0
    la a0, thr_a
    li a1, 0
    call ult_create
    la a0, thr_b
    li a1, 0
    call ult_create
    li t0, 2
    blt s0, t0, p_ult_demo_run
    call lwp_spawn_ult
p_ult_demo_run:
    j lwp_run_main

thr_a:
    push ra
    la a0, s_a_sleep
    call print
    li t0, USER_DATA
    li t1, 1
    sw t1, G_A_BLOCKED(t0)
    li a0, 3000
    call u_sleep
    li t0, USER_DATA
    sw zero, G_A_BLOCKED(t0)
    la a0, s_a_back
    call print
    pop ra
    ret

thr_b:
    push ra
    push s0
    li s0, 1
thr_b_loop:
    li t0, 3
    bgt s0, t0, thr_b_done
    la a0, s_b_step
    mv a1, s0
    call print_num_line
    li t0, USER_DATA
    lw t1, G_A_BLOCKED(t0)
    beqz t1, thr_b_next
    lw t1, G_STEPS_WHILE(t0)
    addi t1, t1, 1
    sw t1, G_STEPS_WHILE(t0)
thr_b_next:
    call ult_yield
    addi s0, s0, 1
    j thr_b_loop
thr_b_done:
    la a0, s_b_done
    li t0, USER_DATA
    lw a1, G_STEPS_WHILE(t0)
    call print_num_line
    pop s0
    pop ra
    ret

; ---- demo=switchcost: two LWPs of one process yield to each other through the kernel
p_lwp_pingpong:
    mv s0, a0
    la a0, lwp_pinger
    mv a1, s0
    call lwp_spawn
    call u_time
    mv s1, a0
    mv s2, s0
p_lwp_pingpong_loop:
    call u_yield
    addi s2, s2, -1
    bnez s2, p_lwp_pingpong_loop
    call u_time
    sub a1, a0, s1
    shli t0, s0, 1
    divu a1, a1, t0
    la a0, s_cost_lwp
    call print_cost
    li a0, 0
    call u_exit

lwp_pinger:
    mv s0, a0
lwp_pinger_loop:
    call u_yield
    addi s0, s0, -1
    bnez s0, lwp_pinger_loop
    li a0, 0
    call u_exit

; print_cost(a0 = label, a1 = instructions per switch)
print_cost:
    la a2, s_per_switch
    j print_num_text

; ---- demo=switchcost: two user-level threads yield to each other without the kernel
p_ult_pingpong:
    li t0, USER_DATA
    sw a0, G_ROUNDS(t0)
    la a0, ult_ping
    li a1, 0
    call ult_create
    la a0, ult_pong
    li a1, 0
    call ult_create
    j lwp_run_main

ult_ping:
    save_ra_s2
    call u_time
    mv s1, a0
    li t0, USER_DATA
    lw s0, G_ROUNDS(t0)
    mv s2, s0
ult_ping_loop:
    call ult_yield
    addi s2, s2, -1
    bnez s2, ult_ping_loop
    call u_time
    sub a1, a0, s1
    shli t0, s0, 1
    divu a1, a1, t0
    la a0, s_cost_ult
    call print_cost
    restore_ra_s2
    ret

ult_pong:
    push ra
    push s0
    li t0, USER_DATA
    lw s0, G_ROUNDS(t0)
ult_pong_loop:
    call ult_yield
    addi s0, s0, -1
    bnez s0, ult_pong_loop
    pop s0
    pop ra
    ret

; ---- demo=server: dispatcher (this LWP) and a0 worker LWPs (Tanenbaum fig. 3-3)
p_server:
    mv s0, a0                   ; workers
    li s1, 1
p_server_spawn:
    bgt s1, s0, p_server_requests
    la a0, worker
    mv a1, s1
    call lwp_spawn
    addi s1, s1, 1
    j p_server_spawn
p_server_requests:
    call read_requests          ; a0 = list of request strings ending with 0
    mv s1, a0
p_server_next:
    lw s2, 0(s1)
    beqz s2, p_server_done
p_server_find:                  ; an idle worker?
    li t0, 1
p_server_scan:
    bgt t0, s0, p_server_all_busy
    shli t1, t0, 2
    li t2, USER_DATA
    add t1, t1, t2
    lw t2, G_WORK(t1)
    beqz t2, p_server_assign
    addi t0, t0, 1
    j p_server_scan
p_server_all_busy:
    la a0, s_all_busy
    call print
    li a0, 100
    call u_sleep
    j p_server_find
p_server_assign:
    sw s2, G_WORK(t1)
    mv s3, t0
    la a0, s_dispatch
    call u_puts
    mv a0, s2
    call u_puts
    la a0, s_to_worker
    mv a1, s3
    call print_num_line
    addi s1, s1, 4
    j p_server_next
p_server_done:
    li t0, USER_DATA
    li t1, 1
    sw t1, G_DONE(t0)
    la a0, s_dispatch_done
    call print
    li a0, 0
    call u_exit

; read_requests() -> a0 = list of requests: the lines of console input, or the built-in list
read_requests:
    save_ra_s1
    li s0, USER_DATA
    addi s1, s0, G_REQS         ; next list slot
    addi s0, s0, G_REQ_TEXT     ; next free text
read_requests_line:
    li t0, USER_DATA
    addi t0, t0, REQ_TEXT_END
    sub a1, t0, s0
    li t1, 64
    bge a1, t1, read_requests_read
    j read_requests_end
read_requests_read:
    mv a0, s0
    li a1, 63
    call u_read
    beqz a0, read_requests_end
    add t0, s0, a0              ; end of the bytes read
    lbu t1, -1(t0)
    li t2, 10
    bne t1, t2, read_requests_term
    addi t0, t0, -1
read_requests_term:
    sb zero, 0(t0)
    beq t0, s0, read_requests_line  ; an empty line
    sw s0, 0(s1)
    addi s1, s1, 4
    addi s0, t0, 1
    j read_requests_line
read_requests_end:
    sw zero, 0(s1)
    li a0, USER_DATA
    addi a0, a0, G_REQS
    lw t0, 0(a0)
    bnez t0, read_requests_ret
    la a0, builtin_requests
read_requests_ret:
    restore_ra_s1
    ret

; worker(a0 = worker number): serves the requests the dispatcher leaves in its slot; each
; takes a blocking "disk read" (sleep) of 1000 + 100 * length ticks
worker:
    mv s0, a0
    shli s1, s0, 2
    li t0, USER_DATA
    add s1, s1, t0              ; s1 + G_WORK = this worker's slot
worker_loop:
    lw s2, G_WORK(s1)
    bnez s2, worker_serve
    li t0, USER_DATA
    lw t1, G_DONE(t0)
    bnez t1, worker_exit
    li a0, 50
    call u_sleep
    j worker_loop
worker_serve:
    la a0, s_worker
    call u_puts
    mv a0, s0
    call u_putdec
    la a0, s_serving
    call u_puts
    mv a0, s2
    call u_puts
    mv a0, s2
    call strlen
    li t0, 100
    mul a0, a0, t0
    addi s3, a0, 1000
    la a0, s_disk
    mv a1, s3
    call print_num_line
    mv a0, s3
    call u_sleep
    la a0, s_worker
    call u_puts
    mv a0, s0
    call u_putdec
    la a0, s_finished
    call u_puts
    mv a0, s2
    call u_puts
    la a0, s_quote_nl
    call u_puts
    sw zero, G_WORK(s1)
    j worker_loop
worker_exit:
    li a0, 0
    call u_exit

builtin_requests:
    .word s_req1, s_req2, s_req3, s_req4, s_req5, 0

s_name_ult_demo: .asciz "ult_demo"
s_name_lwp_pingpong: .asciz "lwp_pingpong"
s_name_ult_pingpong: .asciz "ult_pingpong"
s_name_server: .asciz "server"
s_nl: .asciz "\n"
s_quote_nl: .asciz "'\n"
s_a_sleep: .asciz "A: calling sleep(3000)\n"
s_a_back: .asciz "A: back from sleep\n"
s_b_step: .asciz "B: step "
s_b_done: .asciz "B: steps made while A was blocked: "
s_cost_lwp: .asciz "kernel-level threads (LWPs, sys yield from user mode): "
s_cost_ult: .asciz "user-level threads (ult_yield, no system call): "
s_per_switch: .asciz " instructions per switch\n"
s_all_busy: .asciz "dispatcher: all workers busy, waiting\n"
s_dispatch: .asciz "dispatcher: request '"
s_to_worker: .asciz "' -> worker "
s_dispatch_done: .asciz "dispatcher: every request handed out\n"
s_worker: .asciz "worker "
s_serving: .asciz ": serving '"
s_disk: .asciz "', blocking disk read of "
s_finished: .asciz ": finished '"
s_req1: .asciz "GET /index.html"
s_req2: .asciz "GET /logo.png"
s_req3: .asciz "GET /about.html"
s_req4: .asciz "GET /news/today.html"
s_req5: .asciz "GET /index.html"
    .balign 4
