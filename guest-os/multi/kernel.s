; multi: a multiprogramming kernel. Several user processes, each with its own page directory,
; share the CPU by preemptive round robin on the timer (a quantum counted in instructions).
; Stack, data and heap pages are demand-zero: mapped on the first touch. A process that
; faults outside them is killed and the others go on.
; Memory map: lib/head.s (physical), lib/consts.s (virtual). Free frames hold page directories,
; page tables and process pages.

.memsize 524288
.include "../lib/head.s"

.org 0x1000
.include "boot.s"
.include "proc.s"
.include "sched.s"
.include "traps.s"
.include "syscalls.s"
.include "../lib/kernel-lib.s"
.include "../lib/table.s"
.include "../lib/sched.s"

; ---- user region: everything from here to user_end is mapped U and read-only ----
    .balign 4096
user_start:
.include "programs.s"
.include "../lib/user-lib.s"
    .balign 4096
user_end:
image_end:
