; The user programs: multi's (../multi/user-programs.s) and the network ones (net-programs.s).
; Each starts with a0 = its argument (0 at boot) and a1 = its pid.

multi_program_count:
    .word 13
multi_programs:
    .word s_name_count, p_count
    .word s_name_sleeper, p_sleeper
    .word s_name_heap, p_heap
    .word s_name_bad, p_bad
    .word s_name_parent, p_parent
    .word s_name_hog, p_hog
    .word s_name_udpecho, p_udpecho
    .word s_name_udpclient, p_udpclient
    .word s_name_tcpecho, p_tcpecho
    .word s_name_tcpclient, p_tcpclient
    .word s_name_tcpbulk, p_tcpbulk
    .word s_name_udpbench, p_udpbench
    .word s_name_tcpstream, p_tcpstream
    .word 0, 0

.include "../multi/user-programs.s"
.include "net-programs.s"
.include "stream-client.s"
