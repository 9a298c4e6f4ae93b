; The user programs: multi's (../multi/user-programs.s) and the network ones (net-programs.s,
; web.s).
; Each starts with a0 = its argument (0 at boot) and a1 = its pid.

multi_program_count:
    .word 24
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
    .word s_name_webget, p_webget
    .word s_name_daytime, p_daytime
    .word s_name_counter, p_counter
    .word s_name_statelessfs, p_statelessfs
    .word s_name_statefulfs, p_statefulfs
    .word s_name_statelessget, p_statelessget
    .word s_name_statefulget, p_statefulget
    .word s_name_faultcheck, p_faultcheck
    .word s_name_sockhog, p_sockhog
    .word s_name_patient, p_patient
    .word s_name_web, p_web
    .word s_name_tcpstream, p_tcpstream
    .word 0, 0

.include "../multi/user-programs.s"
.include "net-programs.s"
.include "server-clients.s"
.include "file-servers.s"
.include "file-clients.s"
.include "robustness.s"
.include "web.s"
.include "stream-client.s"
