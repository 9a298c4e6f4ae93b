; threads-net: the threads kernel (../threads) with the network stack (../lib/net*.s) and socket
; system calls, and its network demos (demos.s): a concurrent TCP echo server, one thread (LWP)
; per connection, and the dispatcher/worker server.
; The threads image is untouched: this kernel is assembled from the same files plus the stack.

.memsize 1048576
.include "../lib/head.s"
.include "../lib/net-consts.s"
.entry boot

.org 0x1000
.include "boot.s"
.include "../threads/thread.s"
.include "../threads/sched.s"
.include "traps.s"
.include "../threads/demos.s"
.include "demos.s"
.include "../lib/table.s"
.include "../lib/sched.s"
.include "../lib/net.s"
.include "../lib/kernel-lib.s"

; user region (from kernel-lib.s to user-lib.s)
.include "programs.s"
.include "../threads/ult.s"
.include "../lib/net-ulib.s"
.include "../lib/user-lib.s"
