; solo: a single-program monitor. One user program runs deprivileged in its own address
; space; the kernel serves its system calls and stops the machine when it exits or faults.
; Memory map: lib/head.s (physical), lib/consts.s (virtual). Free frames hold the page tables
; and the program's stack, data and heap pages.

.memsize 262144
.include "../lib/head.s"
.entry boot

.org 0x1000
.include "boot.s"
.include "syscalls.s"
.include "../lib/kernel-lib.s"

; user region (from kernel-lib.s to user-lib.s)
.include "programs.s"
.include "../lib/user-lib.s"
