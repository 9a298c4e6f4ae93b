; The network demos: the kernel thread starts a server (programs.s) and waits for it.
; demo=echo: the concurrent echo server; demo=dispatcher: the dispatcher/worker server;
; demo=inetd: the superserver.

.equ PROG_TCPECHO_THREADS, 4
.equ PROG_DISPATCHER, 5
.equ PROG_INETD, 6

kt_echo:
    la a0, str_echo
    call puts
    li a0, PROG_TCPECHO_THREADS
    li a1, 0
    call kt_run
    j kt_exit

kt_dispatcher:
    la a0, str_dispatcher
    call puts
    li a0, PROG_DISPATCHER
    li a1, 0
    call kt_run
    j kt_exit

kt_inetd:
    la a0, str_inetd
    call puts
    li a0, PROG_INETD
    li a1, 0
    call kt_run
    j kt_exit

str_echo: .asciz "[threads] demo=echo: a TCP echo server on port 7, a thread per connection\n"
str_dispatcher: .asciz "[threads] demo=dispatcher: a dispatcher thread hands network requests to worker threads\n"
str_inetd: .asciz "[threads] demo=inetd: a superserver on several ports, a new thread per connection\n"
    .balign 4
