; Boot: page tables, then one kernel thread running the demo chosen by demo=<name>
; (blocking, switchcost or server; blocking by default), then the scheduler.

.include "boot-code.s"

demos:
    .word str_demo_blocking, kt_blocking
    .word str_demo_switchcost, kt_switchcost
    .word str_demo_server, kt_server
    .word 0, 0

str_key_demo: .asciz "demo"
str_demo_blocking: .asciz "blocking"
str_demo_switchcost: .asciz "switchcost"
str_demo_server: .asciz "server"
str_unknown_demo: .asciz "[threads] unknown demo (try demo=blocking|switchcost|server)\n"
    .balign 4
