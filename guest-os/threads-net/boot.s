; Boot: the threads kernel's boot code (../threads/boot-code.s) with the network demos: demo=echo
; (the default here), demo=dispatcher and demo=inetd. The network starts when the scheduler first looks for
; a task (net_start).

.include "../threads/boot-code.s"

demos:
    .word str_demo_echo, kt_echo
    .word str_demo_dispatcher, kt_dispatcher
    .word str_demo_inetd, kt_inetd
    .word str_demo_blocking, kt_blocking
    .word str_demo_switchcost, kt_switchcost
    .word str_demo_server, kt_server
    .word 0, 0

str_key_demo: .asciz "demo"
str_demo_echo: .asciz "echo"
str_demo_dispatcher: .asciz "dispatcher"
str_demo_inetd: .asciz "inetd"
str_demo_blocking: .asciz "blocking"
str_demo_switchcost: .asciz "switchcost"
str_demo_server: .asciz "server"
str_unknown_demo: .asciz "[threads] unknown demo (try demo=echo|dispatcher|inetd|blocking|switchcost|server)\n"
    .balign 4
