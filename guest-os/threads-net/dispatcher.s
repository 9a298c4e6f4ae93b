; The dispatcher/worker server (fig. 3-3) fed by the network: the dispatcher thread listens on
; port 80, accepts a connection, waits for an idle worker, reads the request line into that
; worker's slot and hands the connection over; each worker (an LWP) "reads the disk" with a
; blocking sleep of 1000 + 100 * length ticks, answers, closes and is idle again. A blocked
; worker blocks only itself, so the dispatcher goes on taking connections meanwhile.

.equ DW_PORT, 80
.equ DW_WORKERS, 3
.equ DW_SLOT, 0x400             ; worker w's slot at USER_DATA + DW_SLOT + 4 * w: connection (0 = idle)
.equ DW_REQ, 0x440              ; its request line at USER_DATA + DW_REQ + DW_REQ_SIZE * w
.equ DW_REQ_SIZE, 64

; dw_slot(a0 = worker) -> a0 = the address of its slot
dw_slot:
    shli a0, a0, 2
    li t0, USER_DATA + DW_SLOT
    add a0, a0, t0
    ret

; dw_request(a0 = worker) -> a0 = the address of its request line
dw_request:
    li t0, DW_REQ_SIZE
    mul a0, a0, t0
    li t0, USER_DATA + DW_REQ
    add a0, a0, t0
    ret

p_dispatcher:
    li s1, 1
p_dispatcher_spawn:
    li t0, DW_WORKERS
    bgt s1, t0, p_dispatcher_listen
    la a0, dw_worker
    mv a1, s1
    call lwp_spawn
    addi s1, s1, 1
    j p_dispatcher_spawn
p_dispatcher_listen:
    li a0, SOCK_STREAM
    call u_socket
    mv s0, a0
    li a1, DW_PORT
    call u_bind
    bnez a0, p_dispatcher_fail
    mv a0, s0
    call u_listen
    la a0, s_dw_listening
    call print
p_dispatcher_accept:
    mv a0, s0
    call u_accept
    blt a0, zero, p_dispatcher_accept
    mv s1, a0
p_dispatcher_find:              ; an idle worker?
    li s2, 1
p_dispatcher_scan:
    li t0, DW_WORKERS
    bgt s2, t0, p_dispatcher_busy
    mv a0, s2
    call dw_slot
    lw t0, 0(a0)
    beqz t0, p_dispatcher_read
    addi s2, s2, 1
    j p_dispatcher_scan
p_dispatcher_busy:
    la a0, s_all_busy
    call print
    li a0, 100
    call u_sleep
    j p_dispatcher_find
p_dispatcher_read:              ; the request line, into the worker's slot
    mv a0, s1
    mv a1, s2
    call dw_read_line
    bgtz a0, p_dispatcher_hand
    mv a0, s1                   ; the client closed without asking
    call u_close
    j p_dispatcher_accept
p_dispatcher_hand:
    mv a0, s2
    call dw_slot
    sw s1, 0(a0)
    la a0, s_dispatch
    call u_puts
    mv a0, s2
    call dw_request
    call u_puts
    la a0, s_to_worker
    mv a1, s2
    call print_num_line
    j p_dispatcher_accept
p_dispatcher_fail:
    la a0, s_dw_bind_failed
    call print
    li a0, 1
    call u_exit

; dw_read_line(a0 = connection, a1 = worker) -> a0 = length of the line read into the worker's
; request (without its newline, NUL-terminated); 0 when the stream ended before a byte came
dw_read_line:
    save_ra_s3
    mv s0, a0
    mv a0, a1
    call dw_request
    mv s1, a0                   ; start
    mv s2, a0                   ; end so far
dw_read_line_more:
    sub t0, s2, s1
    li t1, DW_REQ_SIZE - 1
    bge t0, t1, dw_read_line_done
    mv a0, s0
    mv a1, s2
    li a2, 1
    call u_recv
    blez a0, dw_read_line_done
    lbu t0, 0(s2)
    li t1, 10
    beq t0, t1, dw_read_line_done
    addi s2, s2, 1
    j dw_read_line_more
dw_read_line_done:
    sb zero, 0(s2)
    sub a0, s2, s1
    restore_ra_s3
    ret

; dw_worker(a0 = worker number): serves the connections the dispatcher leaves in its slot
dw_worker:
    mv s0, a0
    call dw_slot
    mv s1, a0
dw_worker_wait:
    lw s2, 0(s1)
    bnez s2, dw_worker_serve
    li a0, 50
    call u_sleep
    j dw_worker_wait
dw_worker_serve:
    mv a0, s0
    call dw_request
    mv s3, a0
    la a0, s_worker
    mv a1, s0
    la a2, s_serving
    call print_num_text
    mv a0, s3
    call u_puts
    mv a0, s3
    call strlen
    li t0, 100
    mul a0, a0, t0
    addi a1, a0, 1000
    push a1
    la a0, s_disk
    call print_num_line
    pop a0
    call u_sleep
    mv a0, s2
    mv a1, s0
    mv a2, s3
    call dw_answer
    mv a0, s2
    call u_close
    la a0, s_worker
    mv a1, s0
    la a2, s_finished
    call print_num_text
    mv a0, s3
    call u_puts
    la a0, s_quote_nl
    call u_puts
    sw zero, 0(s1)
    j dw_worker_wait

; dw_answer(a0 = connection, a1 = worker, a2 = request): "worker W: REQUEST\n" in one send
dw_answer:
    save_ra_s2
    addi sp, sp, -96
    mv s2, a0
    mv s0, a1
    mv s1, a2
    mv a0, sp
    la a1, s_worker
    call ufmt_str
    mv a1, s0
    call ufmt_dec
    la a1, s_inetd_colon
    call ufmt_str
    mv a1, s1
    call ufmt_str
    li t0, 10
    sb t0, 0(a0)
    addi a0, a0, 1
    sub a2, a0, sp
    mv a1, sp
    mv a0, s2
    call u_send_all
    addi sp, sp, 96
    restore_ra_s2
    ret

s_name_dispatcher: .asciz "dispatcher"
s_dw_listening: .asciz "dispatcher: listening on port 80, 3 workers\n"
s_dw_bind_failed: .asciz "dispatcher: bind failed\n"
    .balign 4
