; threads: a kernel for the thread models of the processes chapter.
;  - kernel threads: run in kernel mode in the kernel's address space, scheduled by the kernel;
;  - processes whose kernel-scheduled threads (LWPs) share one address space;
;  - a user-level thread package (ult.s) that multiplexes user threads over a process's LWPs.
; Scheduling is round robin and non-preemptive: a thread runs until it makes a blocking or
; yielding system call. That keeps the user-level package free of locks on this one CPU.
;
; Physical memory (identity mapped for the kernel, paging on once booted):
;   0x00000000  page 0: boot arguments at 0x800, trap scratch word at 0xf00
;   0x00001000  kernel text and data          (not U)
;   user_start  user programs, ult, ulib      (U, read-only, shared)
;   image_end   free frames: page tables, kernel-thread stacks, process pages

.memsize 524288
.bootargs 0x800, 256
.entry boot

.include "../lib/consts.s"

.org 0x1000
.include "boot.s"
.include "thread.s"
.include "sched.s"
.include "traps.s"
.include "demos.s"
.include "../lib/trap.s"
.include "../lib/console.s"
.include "../lib/bootargs.s"
.include "../lib/frames.s"
.include "../lib/vm.s"

; ---- user region: everything from here to user_end is mapped U and read-only ----
    .balign 4096
user_start:
.include "programs.s"
.include "ult.s"
.include "../lib/ulib.s"
.include "../lib/string.s"
    .balign 4096
user_end:
image_end:
