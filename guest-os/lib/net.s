; The network stack, kernel half (included by a networked kernel after lib/kernel-lib.s's
; kernel part, before its user region): from the NIC driver up to the socket calls. Its
; constants are in net-consts.s; the user half is net-ulib.s.
.include "net-bytes.s"
.include "net-nic.s"
.include "net-eth.s"
.include "net-arp.s"
.include "net-ip.s"
.include "net-udp.s"
.include "net-tcp.s"
.include "net-sock.s"
