; multi-net: the multiprogramming kernel (../multi) with the network stack (../lib/net*.s) and
; socket system calls, and network programs beside multi's own. multi's image is untouched:
; this kernel is assembled from the same files plus the stack.
; Memory map: lib/head.s (physical), lib/consts.s (virtual); the NIC's buffers and the sockets'
; rings are page frames (lib/net-nic.s, net_start).

.memsize 1048576
.include "../lib/head.s"
.include "../lib/net-consts.s"
.entry net_boot

.org 0x1000
.include "stream-args.s"
.include "../multi/boot.s"
.include "../multi/proc.s"
.include "../multi/sched.s"
.include "../multi/traps.s"
.include "syscalls.s"
.include "../lib/table.s"
.include "../lib/sched.s"
.include "../lib/net.s"
.include "../lib/kernel-lib.s"

; user region (from kernel-lib.s to user-lib.s)
.include "programs.s"
.include "../lib/net-ulib.s"
.include "../lib/user-lib.s"
