; The network stack's constants and layouts (net-*.s), and the scheduler's hooks, included
; after head.s by the networked kernels. The wire is big-endian and the machine little-endian: a 16-bit field loaded with lhu
; reads byte-swapped, so the constants compared with such loads are written swapped (_LE).

; System calls of the networked kernels, after the architecture's SYS_* (0..9, isa/arch.ts) and
; the threads kernel's lwp_create (10): the process VM and the other kernels do not serve them.
; Descriptors from 3 are sockets.
.equ SYS_SOCKET, 11             ; socket(type) -> fd
.equ SYS_BIND, 12               ; bind(fd, port) -> 0
.equ SYS_LISTEN, 13             ; listen(fd) -> 0
.equ SYS_ACCEPT, 14             ; accept(fd) -> fd of the next connection (blocks)
.equ SYS_CONNECT, 15            ; connect(fd, ip, port) -> 0 once connected (blocks)
.equ SYS_SEND, 16               ; send(fd, buf, len) -> bytes taken (blocks while none fit)
.equ SYS_RECV, 17               ; recv(fd, buf, len) -> bytes, 0 at the end (blocks)
.equ SYS_CLOSE, 18              ; close(fd) -> 0
.equ SYS_POLL, 19               ; poll(pollfds, count, ticks) -> descriptors ready (blocks)
.equ SYS_SENDTO, 20             ; sendto(fd, msg) -> bytes sent; msg = {buf, len, ip, port}
.equ SYS_RECVFROM, 21           ; recvfrom(fd, msg) -> bytes; fills msg's len, ip and port
.equ NET_NSYS, 22
.equ FD_FIRST_SOCKET, 3

.equ SOCK_DGRAM, 1              ; socket types: UDP
.equ SOCK_STREAM, 2             ; TCP
.equ POLLIN, 0x1                ; poll events (struct pollfd: word fd, half events, half revents)
.equ POLLOUT, 0x4
.equ POLLERR, 0x8
.equ POLLHUP, 0x10
.equ POLLNVAL, 0x20
.equ POLL_MAX, 16               ; descriptors one poll may name

; A socket call that cannot finish yet blocks: its task sleeps until frames come (the scheduler's
; hook, net_wake) or NET_WAIT ticks pass (for TCP's timers and poll's timeout: 200 us at 10^8
; ticks/s), then makes the call again. TASK_NET is the task word (the last of the kernels'
; 128-byte task records) that says since when it has been blocked in the call: 0 when it is not.
.equ NET_WAIT, 20000
.equ TASK_NET, 124
.equ NET_SEND_WAIT, 100000      ; how long a datagram or a connect waits for the peer's MAC (1 ms)

; The NIC's rings (net-nic.s): NIC_SLOTS receive and transmit buffers of NIC_BUF bytes, two to a
; page frame. Each frame starts 2 bytes into its buffer, so the IP header after the 14-byte
; Ethernet header and the 32-bit fields behind it are word aligned.
.equ NIC_SLOTS, 8
.equ NIC_MASK, 7
.equ NIC_BUF, 2048
.equ NIC_ROOM, 2046
.equ FRAME_MIN, 60              ; Ethernet's minimum without its checksum: shorter ones are padded

; Ethernet, ARP, IPv4, UDP and TCP fields as offsets from the start of a frame (IPv4 without
; options, so the transport header is at 34)
.equ ETH_DST, 0
.equ ETH_SRC, 6
.equ ETH_TYPE, 12
.equ ETH_HLEN, 14
.equ ETH_IP_LE, 0x0008          ; EtherType 0x0800
.equ ETH_ARP_LE, 0x0608         ; EtherType 0x0806
.equ ARP_HTYPE, 14
.equ ARP_PTYPE, 16
.equ ARP_SIZES, 18              ; hlen, plen
.equ ARP_OPER, 20
.equ ARP_SHA, 22
.equ ARP_SPA, 28
.equ ARP_THA, 32
.equ ARP_TPA, 38
.equ ARP_FRAME, 42
.equ ARP_ETHER_LE, 0x0100       ; hardware type 1
.equ ARP_SIZES_LE, 0x0406       ; 6-byte hardware, 4-byte protocol addresses
.equ ARP_REQUEST_LE, 0x0100
.equ ARP_REPLY_LE, 0x0200
.equ IP_VHL, 14
.equ IP_LEN, 16
.equ IP_ID, 18
.equ IP_FRAG, 20
.equ IP_TTL, 22
.equ IP_PROTO, 23
.equ IP_SUM, 24
.equ IP_SRC, 26
.equ IP_DST, 30
.equ IP_HLEN, 20
.equ IP_VHL_NO_OPTIONS, 0x45
.equ IP_DF_LE, 0x0040           ; don't fragment
.equ IP_FRAG_MASK_LE, 0xff3f    ; more-fragments and the fragment offset
.equ IP_TTL_PROTO_DEFAULT, 64
.equ IPPROTO_ICMP, 1
.equ IPPROTO_TCP, 6
.equ IPPROTO_UDP, 17
.equ L4, 34
.equ UDP_SPORT, 34
.equ UDP_DPORT, 36
.equ UDP_LEN, 38
.equ UDP_SUM, 40
.equ UDP_DATA, 42
.equ UDP_HLEN, 8
.equ UDP_MAX_DATA, 1472         ; 1500 - IP - UDP headers: larger datagrams would need fragments
.equ ICMP_TYPE, 34
.equ ICMP_SUM, 36
.equ TCP_SPORT, 34
.equ TCP_DPORT, 36
.equ TCP_SEQ, 38
.equ TCP_ACK, 42
.equ TCP_OFF, 46
.equ TCP_FLAGS, 47
.equ TCP_WIN, 48
.equ TCP_SUM, 50
.equ TCP_URG, 52
.equ TCP_DATA, 54
.equ TCP_HLEN, 20
.equ TCP_FIN, 0x01
.equ TCP_SYN, 0x02
.equ TCP_RST, 0x04
.equ TCP_PSH, 0x08
.equ TCP_ACKF, 0x10
.equ TCP_MSS, 512               ; bytes of data per segment we send
.equ TCP_RTO, 100000            ; first retransmission timeout: 1 ms at 10^8 ticks/s, doubling
.equ TCP_TRIES, 6               ; timeouts in a row before the connection is given up
.equ TCP_BACKLOG, 4             ; connections a listener holds before accept takes them

; A socket (net-sock.s): these words; its receive and send rings share a page frame. TCP keeps
; the byte with sequence number s at ring[s & SK_RING_MASK]; UDP's receive ring holds UDP_SLOTS
; datagrams.
.equ SK_STATE, 0
.equ SK_OWNER, 4                ; owner id (the kernel's net_owner)
.equ SK_LPORT, 8
.equ SK_RPORT, 12
.equ SK_RIP, 16                 ; peer address as it is on the wire (lw of its 4 bytes)
.equ SK_PARENT, 20              ; TCP: the listener of a connection not yet accepted
.equ SK_FLAGS, 24
.equ SK_SND_UNA, 28             ; TCP: oldest sequence number not acknowledged
.equ SK_SND_NXT, 32             ; TCP: next sequence number to send
.equ SK_SND_WND, 36             ; TCP: the peer's window
.equ SK_RCV_NXT, 40             ; TCP: next sequence number expected
.equ SK_RX_LEN, 44              ; bytes (TCP) or datagrams (UDP) received, not yet read
.equ SK_RX_HEAD, 48             ; UDP: slot of the oldest datagram
.equ SK_TX_LEN, 52              ; TCP: bytes from snd_una in the send ring
.equ SK_RTO_AT, 56              ; TCP: time of the retransmission timeout, 0 = none
.equ SK_TRIES, 60               ; TCP: timeouts in a row
.equ SK_LIP, 64                 ; TCP: the local address when it is the service address (net_vip), else 0
.equ SK_BORN, 68                ; TCP: when a listener's SYN made it (the oldest half-open one makes way)
.equ SK_BUF, 72                 ; a page frame: the receive ring, then the send ring
.equ SK_SIZE, 76
.equ SK_RING, 2048
.equ SK_RING_MASK, 2047
.equ NSOCK, 8
.equ UDP_SLOTS, 4
.equ UDP_SLOT, 512              ; a datagram's slot: address, port, length, data
.equ UDP_SLOT_MASK, 3
.equ UDP_SLOT_IP, 0
.equ UDP_SLOT_PORT, 4
.equ UDP_SLOT_LEN, 6
.equ UDP_SLOT_DATA, 8
.equ UDP_SLOT_MAX, 504          ; longer datagrams are cut to this when received

; socket states
.equ SK_FREE, 0
.equ SK_UDP, 1
.equ SK_TCP_NEW, 2              ; made by socket(), neither listening nor connected
.equ SK_LISTEN, 3
.equ SK_SYN_SENT, 4
.equ SK_SYN_RCVD, 5
.equ SK_ESTAB, 6                ; established, and its closing handshake (see the flags)
.equ SK_RESET, 7                ; reset by the peer or given up after TCP_TRIES: calls fail
; TCP flags: how far the closing handshake got
.equ SKF_FIN_RCVD, 0x1          ; the peer sent everything
.equ SKF_FIN_WANTED, 0x2        ; the owner closed: a FIN follows the data
.equ SKF_FIN_SENT, 0x4
.equ SKF_FIN_ACKED, 0x8
.equ SKF_CLOSED, 0x10           ; closed by its owner: no descriptor names it; freed when the stream ends

; lib/sched.s: frames that came wake the tasks blocked on the network (net_wake, net-sock.s),
; and end an idle wait as the timer does
.macro sched_hook
    call net_wake
.endm
.equ SCHED_IDLE_IRQS, IRQ_TIMER | IRQ_NET
; the trap handlers: a task killed by a fault (s0) gives back its sockets (the kernel's net_kill)
.macro kill_hook
    call net_kill
.endm
