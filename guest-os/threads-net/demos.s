; demo=echo: the kernel thread starts the concurrent echo server (net-programs.s) and waits for it

.equ PROG_TCPECHO_THREADS, 4

kt_echo:
    la a0, str_echo
    call puts
    li a0, PROG_TCPECHO_THREADS
    li a1, 0
    call kt_run
    j kt_exit

str_echo: .asciz "[threads] demo=echo: a TCP echo server on port 7, a thread per connection\n"
    .balign 4
