; multi: a multiprogramming kernel. Several user processes, each with its own page directory,
; share the CPU by preemptive round robin on the timer (a quantum counted in instructions).
; Stack, data and heap pages are demand-zero: mapped on the first touch. A process that
; faults outside them is killed and the others go on.
; Memory map: lib/head.s (physical), lib/consts.s (virtual). Free frames hold page directories,
; page tables and process pages.

.memsize 524288
.include "../lib/head.s"
.entry boot

; lib/sched.s: nothing to do before each pick, and only the timer ends an idle wait
.macro sched_hook
.endm
.equ SCHED_IDLE_IRQS, IRQ_TIMER
; the trap handler: nothing more to release when a fault kills a task
.macro kill_hook
.endm

.org 0x1000
.include "boot.s"
.include "proc.s"
.include "sched.s"
.include "traps.s"
.include "syscalls.s"
.include "../lib/table.s"
.include "../lib/sched.s"
.include "../lib/kernel-lib.s"

; user region (from kernel-lib.s to user-lib.s)
.include "programs.s"
.include "../lib/user-lib.s"
