; The user programs: the threads kernel's (../threads/user-programs.s, indexes used by
; ../threads/demos.s) and the network servers (indexes used by demos.s): the concurrent echo
; server (net-programs.s), the dispatcher/worker server (dispatcher.s) and the superserver
; (inetd.s).

thread_programs:
    .word s_name_ult_demo, p_ult_demo
    .word s_name_lwp_pingpong, p_lwp_pingpong
    .word s_name_ult_pingpong, p_ult_pingpong
    .word s_name_server, p_server
    .word s_name_tcpecho_threads, p_tcpecho_threads
    .word s_name_dispatcher, p_dispatcher
    .word s_name_inetd, p_inetd
    .word 0, 0

.include "../threads/user-programs.s"
.include "net-programs.s"
.include "dispatcher.s"
.include "inetd.s"
