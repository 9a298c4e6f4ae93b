; User programs of the threads kernel (indexes used by demos.s). Each starts on its first LWP
; with a0 = its argument.

thread_programs:
    .word s_name_ult_demo, p_ult_demo
    .word s_name_lwp_pingpong, p_lwp_pingpong
    .word s_name_ult_pingpong, p_ult_pingpong
    .word s_name_server, p_server
    .word 0, 0

.include "user-programs.s"
