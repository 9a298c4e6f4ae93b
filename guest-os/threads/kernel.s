; threads: a kernel for the thread models of the processes chapter.
;  - kernel threads: run in kernel mode in the kernel's address space, scheduled by the kernel;
;  - processes whose kernel-scheduled threads (LWPs) share one address space;
;  - a user-level thread package (ult.s) that multiplexes user threads over a process's LWPs.
; Scheduling is round robin and non-preemptive: a thread runs until it makes a blocking or
; yielding system call. That keeps the user-level package free of locks on this one CPU.
; Memory map: lib/head.s (physical), lib/consts.s (virtual). Free frames hold page tables,
; kernel-thread stacks and process pages.

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
.include "thread.s"
.include "sched.s"
.include "traps.s"
.include "demos.s"
.include "../lib/table.s"
.include "../lib/sched.s"
.include "../lib/kernel-lib.s"

; user region (from kernel-lib.s to user-lib.s)
.include "programs.s"
.include "ult.s"
.include "../lib/user-lib.s"
