; A process that faults while it holds sockets, and a client that outlasts a server's restart
; or a SYN flood. faultcheck spawns sockhog, which takes every
; socket the kernel has (the first listening on port 7, the next bound to UDP port 7) and then
; stores into kernel memory; once it is killed, faultcheck makes a socket, binds port 7 and
; serves as the iterative echo server. Were the dead process's sockets not given back, there
; would be no socket left to make, and port 7 would be taken.

.equ PROG_SOCKHOG, 20           ; its index in programs.s, for spawn

p_faultcheck:
    mv s0, a1
    li a0, PROG_SOCKHOG
    li a1, 0
    call u_spawn
    call u_wait
    la a1, s_hog_ended
    bge a0, zero, 1f
    la a1, s_hog_killed
1:  mv a2, a0
    mv a0, s0
    call say
    mv a1, s0
    j p_tcpecho

p_sockhog:
    mv s0, a1
    li s1, 0                    ; sockets held
    li a0, SOCK_STREAM
    call u_socket
    blt a0, zero, p_sockhog_fault
    addi s1, s1, 1
    li a1, ECHO_PORT
    push a0
    call u_bind
    pop a0
    call u_listen
    li a0, SOCK_DGRAM
    call u_socket
    blt a0, zero, p_sockhog_fault
    addi s1, s1, 1
    li a1, ECHO_PORT
    call u_bind
p_sockhog_more:
    li a0, SOCK_STREAM
    call u_socket
    blt a0, zero, p_sockhog_fault
    addi s1, s1, 1
    j p_sockhog_more
p_sockhog_fault:
    mv a0, s0
    la a1, s_hog_holds
    mv a2, s1
    call say
    li t0, 0x1000               ; kernel memory: the process is killed
    sw zero, 0(t0)
    li a0, 0
    call u_exit

; patient: tcpclient, but a refused connection is tried again after PATIENT_WAIT ticks, up to
; PATIENT_TRIES times
.equ PATIENT_WAIT, 100000
.equ PATIENT_TRIES, 10
p_patient:
    mv s0, a1
    li s2, PATIENT_TRIES
p_patient_dial:
    li a0, SOCK_STREAM
    call u_socket
    mv s1, a0
    li a1, SERVER_IP
    li a2, ECHO_PORT
    call u_connect
    beqz a0, p_patient_connected
    mv a0, s1
    call u_close
    addi s2, s2, -1
    beqz s2, tcp_dial_refused
    mv a0, s0
    la a1, s_patient_again
    li a2, -1
    call say
    li a0, PATIENT_WAIT
    call u_sleep
    j p_patient_dial
p_patient_connected:
    mv a0, s0
    la a1, s_connected
    li a2, -1
    call say
    j p_tcpclient_connected

s_name_patient: .asciz "patient"
s_patient_again: .asciz "connection refused, trying again in 1 ms"
s_name_faultcheck: .asciz "faultcheck"
s_name_sockhog: .asciz "sockhog"
s_hog_holds: .asciz "sockets held, port 7 bound (tcp and udp); now a fault:"
s_hog_ended: .asciz "the process holding them ended with status"
s_hog_killed: .asciz "the process holding them was killed"
    .balign 4
