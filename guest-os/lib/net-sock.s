; Sockets: the table, descriptors, copies to and from the caller's memory, the socket system
; calls, and the scheduler's hook that wakes blocked calls. The kernel provides net_owner() ->
; a0 = the id (pid) that owns the sockets the calling task s0 opens, caller_pa (lib/syscall.s),
; and sched_hook calling net_wake. A call that cannot finish yet sleeps and is made again when
; frames come (net_block), so a blocked task holds no kernel state but its registers.

.equ NET_AGAIN, -11             ; a result that means "not yet": the call blocks

    .balign 16
sockets:
    .zero NSOCK * SK_SIZE       ; their rings' frames come with the NIC's (net_start)
sockets_end:
net_next_port:                  ; the next ephemeral port
    .word 49152

; net_call: the prologue of every socket call: arguments to s1..s3, then the stack runs
.macro net_call
    la t0, net_caller
    sw s0, 0(t0)
    lw t1, TASK_NET(s0)         ; since when it has been blocked, for poll's timeout
    sw t1, 4(t0)
    sw zero, TASK_NET(s0)
    mv s1, a1
    mv s2, a2
    mv s3, a3
    call net_poll
.endm
net_caller:                     ; the task whose socket call is being served, and since when
    .word 0, 0                  ; it has been blocked in it (0: this is its first try)

; net_fd_call lookup: the prologue of a socket call on a descriptor (in s1): a0 = the socket
; lookup(descriptor) names, and a descriptor it does not name fails the call
.macro net_fd_call lookup
    net_call
    mv a0, s1
    call \lookup
    beqz a0, sys_bad
.endm

; net_caller_pa(a0 = virtual address, a1 = 1 for a write) -> caller_pa's answer for net_caller,
; whatever s0 holds by now
net_caller_pa:
    push ra
    push s0
    la t0, net_caller
    lw s0, 0(t0)
    call caller_pa
    pop s0
    pop ra
    ret

; net_waited() -> a0 = ticks the call being served has been blocked so far (0 on its first try)
net_waited:
    la t0, net_caller
    lw t0, 4(t0)
    li a0, 0
    beqz t0, net_waited_done
    csrr a0, time
    sub a0, a0, t0
net_waited_done:
    ret

; udp_result(a0 = udp_send's result, s3 = the datagram's length): a datagram that could not go
; within NET_SEND_WAIT (its peer's MAC unknown, or no transmit buffer) is dropped, as UDP may:
; the caller is told it went. Else as net_result.
udp_result:
    li t0, NET_AGAIN
    bne a0, t0, sys_return
    call net_waited
    li t0, NET_SEND_WAIT
    blt a0, t0, net_block
    mv a0, s3
    j sys_return

; net_result(a0 = result): returns it to the caller, or blocks on NET_AGAIN
net_result:
    li t0, NET_AGAIN
    bne a0, t0, sys_return
; net_block: the call is made again when frames come, or after NET_WAIT ticks (its arguments
; are still in the caller's registers); net_block_for(t1 = ticks) waits at most that long
net_block:
    li t1, NET_WAIT
net_block_for:
    lw t0, CTX_PC(s0)
    addi t0, t0, -4
    sw t0, CTX_PC(s0)
    csrr t0, time
    add t1, t0, t1
    sw t1, TASK_WAKE(s0)
    la t1, net_caller           ; blocked since its first try
    lw t1, 4(t1)
    bnez t1, net_block_since
    ori t1, t0, 1
net_block_since:
    sw t1, TASK_NET(s0)
    li t0, S_SLEEPING
    sw t0, TASK_STATE(s0)
    j sys_switch

; net_wake(): the scheduler's hook (sched_hook), before it looks for a task: when frames have
; come, the stack takes them and every task blocked in a socket call is woken to make it again.
; Keeps s0..s3.
net_wake:
    la t0, net_up
    lw t0, 0(t0)
    beqz t0, net_start
    csrr t0, ipend
    andi t0, t0, IRQ_NET
    beqz t0, net_wake_done
    push ra
    call net_poll
    pop ra
    csrr t2, time
    la t0, TASKS
    la t1, TASKS_END
net_wake_scan:
    bgeu t0, t1, net_wake_done
    lw t3, TASK_STATE(t0)
    li t4, S_SLEEPING
    bne t3, t4, net_wake_next
    lw t3, TASK_NET(t0)
    beqz t3, net_wake_next
    sw t2, TASK_WAKE(t0)
net_wake_next:
    addi t0, t0, TASK_SIZE
    j net_wake_scan
net_wake_done:
    ret

; sock_alloc() -> a0 = a free socket with its words zeroed, or 0 (also while net_start found
; no frame for its rings)
sock_alloc:
    la a0, sockets
    la t1, sockets_end
sock_alloc_scan:
    bgeu a0, t1, sock_alloc_none
    lw t0, SK_STATE(a0)
    bnez t0, sock_alloc_next
    lw t0, SK_BUF(a0)
    bnez t0, sock_alloc_found
sock_alloc_next:
    li t0, SK_SIZE
    add a0, a0, t0
    j sock_alloc_scan
sock_alloc_found:
    push ra
    push a0
    li a1, SK_BUF               ; all but its rings' frame
    call memzero
    pop a0
    pop ra
    ret
sock_alloc_none:
    li a0, 0
    ret

; sock_of(a0 = descriptor) -> a0 = the caller's socket it names, or 0
sock_of:
    addi t0, a0, -FD_FIRST_SOCKET
    li t1, NSOCK
    bgeu t0, t1, sock_of_none
    li t1, SK_SIZE
    mul t0, t0, t1
    la t1, sockets
    add t0, t0, t1
    lw t1, SK_STATE(t0)
    beqz t1, sock_of_none
    lw t1, SK_FLAGS(t0)
    andi t1, t1, SKF_CLOSED
    bnez t1, sock_of_none       ; closed, still finishing its stream
    push ra
    push t0
    call net_owner
    pop t0
    pop ra
    lw t1, SK_OWNER(t0)
    bne t1, a0, sock_of_none
    mv a0, t0
    ret
sock_of_none:
    li a0, 0
    ret

; sock_fd(a0 = socket) -> a0 = its descriptor
sock_fd:
    la t0, sockets
    sub a0, a0, t0
    li t0, SK_SIZE
    divu a0, a0, t0
    addi a0, a0, FD_FIRST_SOCKET
    ret

; sock_bound(a0 = port, a1 = state) -> a0 = the socket in that state bound to the port, or 0
sock_bound:
    la t0, sockets
    la t1, sockets_end
sock_bound_scan:
    bgeu t0, t1, sock_bound_none
    lw t2, SK_STATE(t0)
    bne t2, a1, sock_bound_next
    lw t2, SK_LPORT(t0)
    beq t2, a0, sock_bound_found
sock_bound_next:
    li t2, SK_SIZE
    add t0, t0, t2
    j sock_bound_scan
sock_bound_found:
    mv a0, t0
    ret
sock_bound_none:
    li a0, 0
    ret

; sock_port_free(a0 = port, a1 = 1 for TCP) -> a0 = 1 when no socket of that protocol has it
sock_port_free:
    la t0, sockets
    la t1, sockets_end
sock_port_scan:
    bgeu t0, t1, sock_port_yes
    lw t2, SK_STATE(t0)
    beqz t2, sock_port_next
    li t3, SK_UDP
    sub t2, t2, t3
    snez t2, t2                 ; 1 for a TCP socket
    bne t2, a1, sock_port_next
    lw t2, SK_LPORT(t0)
    beq t2, a0, sock_port_no
sock_port_next:
    li t2, SK_SIZE
    add t0, t0, t2
    j sock_port_scan
sock_port_yes:
    li a0, 1
    ret
sock_port_no:
    li a0, 0
    ret

; sock_autobind(a0 = socket): an unbound socket gets the next ephemeral port (49152..65535)
sock_autobind:
    lw t0, SK_LPORT(a0)
    bnez t0, sock_autobind_done
    la t1, net_next_port
    lw t0, 0(t1)
    sw t0, SK_LPORT(a0)
    addi t0, t0, 1
    li t2, 65536
    bltu t0, t2, sock_autobind_next
    li t0, 49152
sock_autobind_next:
    sw t0, 0(t1)
sock_autobind_done:
    ret

; ucopy_in(a0 = ring, a1 = position, a2 = user address, a3 = length) -> a0 = 0, or -1 when the
; caller may not read all of it; ucopy_out(the same, for a user destination) the other way.
; The ring is indexed as ring_copy_in/out do; a linear buffer under SK_RING bytes works too.
ucopy_in:
    li t0, 0
    j ucopy
ucopy_out:
    li t0, 1
ucopy:
    save_ra_s3
    la t1, ucopy_ring
    sw a0, 0(t1)
    sw t0, 4(t1)
    mv s1, a1
    mv s2, a2
    add s3, a2, a3
    bltu s3, s2, ucopy_fail     ; wraps past 4 GiB
ucopy_page:
    bgeu s2, s3, ucopy_ok
    mv a0, s2
    la t1, ucopy_ring
    lw a1, 4(t1)
    call net_caller_pa
    blt a0, zero, ucopy_fail
    ori t0, s2, 0xfff           ; up to the end of this page
    addi t0, t0, 1
    bgeu s3, t0, ucopy_chunk
    mv t0, s3
ucopy_chunk:
    sub a3, t0, s2
    mv a2, a0
    mv a1, s1
    add s1, s1, a3
    add s2, s2, a3
    la t1, ucopy_ring
    lw a0, 0(t1)
    lw t1, 4(t1)
    bnez t1, ucopy_chunk_out
    call ring_copy_in
    j ucopy_page
ucopy_chunk_out:
    call ring_copy_out
    j ucopy_page
ucopy_ok:
    li a0, 0
    j ucopy_done
ucopy_fail:
    li a0, -1
ucopy_done:
    restore_ra_s3
    ret
ucopy_ring:                     ; the ring and the direction of the copy under way
    .word 0, 0

; user_word(a0 = user address, a1 = 1 for a write) -> a0 = its physical address, or -1 when it
; is not word aligned or not the caller's
user_word:
    andi t0, a0, 3
    bnez t0, user_word_bad
    j net_caller_pa
user_word_bad:
    li a0, -1
    ret

; user_get(a0 = user address) -> a0 = the word there, a1 = 0; a1 = -1 when it may not be read
user_get:
    push ra
    li a1, 0
    call user_word
    li a1, -1
    blt a0, zero, user_get_done
    lw a0, 0(a0)
    li a1, 0
user_get_done:
    pop ra
    ret

; user_put2(a0 = user address, a1 = first word, a2 = second word) -> a0 = 0, or -1
user_put2:
    save_ra_s2
    mv s0, a0
    mv s1, a1
    mv s2, a2
    li a1, 1
    call user_word
    blt a0, zero, user_put2_done
    sw s1, 0(a0)
    addi a0, s0, 4
    li a1, 1
    call user_word
    blt a0, zero, user_put2_done
    sw s2, 0(a0)
    li a0, 0
user_put2_done:
    restore_ra_s2
    ret

; ---- the system calls: s0 = the calling task, arguments in a1..a3

sys_socket:                     ; socket(type) -> descriptor
    net_call
    li t0, SK_UDP
    li t1, SOCK_DGRAM
    beq s1, t1, sys_socket_make
    li t0, SK_TCP_NEW
    li t1, SOCK_STREAM
    bne s1, t1, sys_bad
sys_socket_make:
    mv s2, t0
    call sock_alloc
    beqz a0, sys_bad
    sw s2, SK_STATE(a0)
    mv s1, a0
    call net_owner
    sw a0, SK_OWNER(s1)
    mv a0, s1
    call sock_fd
    j sys_return

sys_bind:                       ; bind(fd, port) -> 0
    net_fd_call sock_of
    mv s1, a0
    lw t0, SK_LPORT(s1)
    bnez t0, sys_bad
    beqz s2, sys_bad
    li t0, 65536
    bgeu s2, t0, sys_bad
    lw t0, SK_STATE(s1)
    li t1, SK_UDP
    beq t0, t1, sys_bind_check
    li t1, SK_TCP_NEW
    bne t0, t1, sys_bad
sys_bind_check:
    li t1, SK_UDP
    sub a1, t0, t1
    snez a1, a1
    mv a0, s2
    call sock_port_free
    beqz a0, sys_bad
    sw s2, SK_LPORT(s1)
    li a0, 0
    j sys_return

sys_listen:                     ; listen(fd) -> 0, for a bound TCP socket
    net_fd_call sock_of
    lw t0, SK_STATE(a0)
    li t1, SK_TCP_NEW
    bne t0, t1, sys_bad
    lw t0, SK_LPORT(a0)
    beqz t0, sys_bad
    li t0, SK_LISTEN
    sw t0, SK_STATE(a0)
    li a0, 0
    j sys_return

sys_accept:                     ; accept(fd) -> descriptor of an established connection
    net_fd_call sock_of
    mv s1, a0
    lw t0, SK_STATE(s1)
    li t1, SK_LISTEN
    bne t0, t1, sys_bad
    call tcp_accepted
    beqz a0, net_block
    sw zero, SK_PARENT(a0)
    mv s2, a0
    call net_owner
    sw a0, SK_OWNER(s2)
    mv a0, s2
    call sock_fd
    j sys_return

sys_connect:                    ; connect(fd, ip, port) -> 0 once connected
    net_fd_call sock_of
    mv s1, a0
    beqz s3, sys_bad
    li t0, 65536
    bgeu s3, t0, sys_bad
    mv a0, s2
    call swap32
    mv a1, a0
    lw t0, SK_STATE(s1)
    li t1, SK_UDP
    bne t0, t1, sys_connect_tcp
    sw a1, SK_RIP(s1)           ; UDP: the peer send() sends to
    sw s3, SK_RPORT(s1)
    mv a0, s1
    call sock_autobind
    li a0, 0
    j sys_return
sys_connect_tcp:
    mv a0, s1
    mv a2, s3
    call tcp_connect
    li t0, NET_AGAIN
    bne a0, t0, sys_return
    lw t0, SK_STATE(s1)         ; still no MAC for the peer after NET_SEND_WAIT: unreachable
    li t1, SK_TCP_NEW
    bne t0, t1, net_block
    call net_waited
    li t0, NET_SEND_WAIT
    blt a0, t0, net_block
    j sys_bad

sys_send:                       ; send(fd, buf, len) -> bytes taken
    net_fd_call sock_of
    lw t0, SK_STATE(a0)
    li t1, SK_UDP
    bne t0, t1, sys_send_tcp
    lw a3, SK_RIP(a0)
    beqz a3, sys_bad            ; send needs connect first; sendto names the peer
    lw t0, SK_RPORT(a0)
    la t1, udp_send_port
    sw t0, 0(t1)
    mv a1, s2
    mv a2, s3
    call udp_send
    j udp_result
sys_send_tcp:
    mv a1, s2
    mv a2, s3
    call tcp_write
    j net_result

sys_recv:                       ; recv(fd, buf, len) -> bytes, 0 at the end of the stream
    net_fd_call sock_of
    lw t0, SK_STATE(a0)
    mv a1, s2
    mv a2, s3
    li t1, SK_UDP
    bne t0, t1, sys_recv_tcp
    li a3, 0
    call udp_take
    j net_result
sys_recv_tcp:
    call tcp_read
    j net_result

; udp_sock_of(a0 = descriptor) -> a0 = the caller's UDP socket it names, or 0
udp_sock_of:
    push ra
    call sock_of
    pop ra
    beqz a0, udp_sock_of_done
    lw t0, SK_STATE(a0)
    li t1, SK_UDP
    beq t0, t1, udp_sock_of_done
    li a0, 0
udp_sock_of_done:
    ret

sys_sendto:                     ; sendto(fd, msg = {buf, len, ip, port}) -> bytes sent
    net_fd_call udp_sock_of
    mv s1, a0
    addi a0, s2, 12
    call user_get
    bnez a1, sys_bad
    beqz a0, sys_bad
    li t0, 65536
    bgeu a0, t0, sys_bad
    la t1, udp_send_port
    sw a0, 0(t1)
    addi a0, s2, 8
    call user_get
    bnez a1, sys_bad
    call swap32
    mv s3, a0
    addi a0, s2, 4
    call user_get
    bnez a1, sys_bad
    push a0
    mv a0, s2
    call user_get
    pop a2
    bnez a1, sys_bad
    mv a1, a0
    mv a0, s1
    mv a3, s3
    mv s3, a2
    call udp_send
    j udp_result

sys_recvfrom:                   ; recvfrom(fd, msg) -> bytes; msg's len, ip and port filled in
    net_fd_call udp_sock_of
    mv s1, a0
    addi a0, s2, 4
    call user_get
    bnez a1, sys_bad
    mv s3, a0
    mv a0, s2
    call user_get
    bnez a1, sys_bad
    mv a1, a0
    mv a0, s1
    mv a2, s3
    addi a3, s2, 8
    call udp_take
    blt a0, zero, net_result
    mv s3, a0
    addi a0, s2, 4
    li a1, 1
    call user_word
    blt a0, zero, sys_bad
    sw s3, 0(a0)
    mv a0, s3
    j sys_return

sys_close:                      ; close(fd) -> 0
    net_fd_call sock_of
    call sock_close
    li a0, 0
    j sys_return

; sock_close(a0 = socket): the owner lets go of it; a connection closes its stream first
sock_close:
    lw t0, SK_STATE(a0)
    li t1, SK_SYN_SENT
    bge t0, t1, tcp_close       ; a connection, or one that was reset
    li t1, SK_LISTEN
    beq t0, t1, tcp_unlisten
    sw zero, SK_STATE(a0)       ; UDP, or TCP neither listening nor connected
    ret

; net_exit: the exit system call of a kernel's last task of an owner: its sockets are closed,
; and it waits while they close, then the kernel's sys_exit ends it
net_exit:
    call net_poll
    call net_owner
    call net_release
    bnez a0, net_block
    lw a1, CTX_A1(s0)
    j sys_exit

; net_release(a0 = owner) -> a0 = 1 while connections it closed are still closing, else 0:
; closes every socket it owns. At its exit the owner waits for the 1 to become 0, so its
; streams end as TCP ends them (a peer that never closes is given up after TCP_TRIES timeouts).
net_release:
    save_ra_s2
    mv s1, a0
    li s2, 0
    la s0, sockets
net_release_scan:
    la t0, sockets_end
    bgeu s0, t0, net_release_done
    lw t0, SK_STATE(s0)
    beqz t0, net_release_next
    lw t0, SK_OWNER(s0)
    bne t0, s1, net_release_next
    lw t0, SK_FLAGS(s0)
    andi t0, t0, SKF_CLOSED
    bnez t0, net_release_closing
    mv a0, s0
    call sock_close
    lw t0, SK_STATE(s0)
    beqz t0, net_release_next
net_release_closing:
    li s2, 1
net_release_next:
    li t0, SK_SIZE
    add s0, s0, t0
    j net_release_scan
net_release_done:
    mv a0, s2
    restore_ra_s2
    ret

sys_poll:                       ; poll(pollfds, count, ticks) -> how many are ready
    net_call
    li t0, POLL_MAX
    bgtu s2, t0, sys_bad
    la t0, poll_ready
    sw zero, 0(t0)
sys_poll_next:
    beqz s2, sys_poll_end
    mv a0, s1
    call user_get
    bnez a1, sys_bad
    call sock_of
    li t0, POLLNVAL
    beqz a0, sys_poll_set
    call sock_ready
    mv t0, a0
sys_poll_set:
    la t1, poll_ready
    sw t0, 4(t1)                ; this one's events
    addi a0, s1, 4
    li a1, 1
    call user_word
    blt a0, zero, sys_bad
    lhu t1, 0(a0)
    ori t1, t1, POLLERR | POLLHUP | POLLNVAL
    la t2, poll_ready
    lw t0, 4(t2)
    and t0, t0, t1
    sh t0, 2(a0)
    beqz t0, sys_poll_step
    lw t1, 0(t2)
    addi t1, t1, 1
    sw t1, 0(t2)
sys_poll_step:
    addi s1, s1, 8
    addi s2, s2, -1
    j sys_poll_next
sys_poll_end:
    la t0, poll_ready
    lw a0, 0(t0)
    bnez a0, sys_return
    beqz s3, sys_return         ; ticks 0: do not wait
    blt s3, zero, net_block     ; negative: wait for ever
    call net_waited
    sub s3, s3, a0              ; the time left
    li a0, 0
    blez s3, sys_return         ; timed out: 0 ready
    li t1, NET_WAIT
    ble t1, s3, net_block_for
    mv t1, s3
    j net_block_for
poll_ready:                     ; descriptors ready so far, and the current one's events
    .word 0, 0

; sock_ready(a0 = socket) -> a0 = its poll events
sock_ready:
    lw t0, SK_STATE(a0)
    li t1, SK_UDP
    bne t0, t1, sock_ready_tcp
    lw t0, SK_RX_LEN(a0)
    li a0, POLLOUT
    beqz t0, sock_ready_done
    ori a0, a0, POLLIN
sock_ready_done:
    ret
sock_ready_tcp:
    li t1, SK_LISTEN
    bne t0, t1, tcp_ready
    push ra
    call tcp_accepted
    pop ra
    snez a0, a0                 ; POLLIN is 1
    ret
