; multi: a multiprogramming kernel. Several user processes, each with its own page directory,
; share the CPU by preemptive round robin on the timer (a quantum counted in instructions).
; Stack, data and heap pages are demand-zero: mapped on the first touch. A process that
; faults outside them is killed and the others go on.
;
; Physical memory (identity mapped for the kernel, paging on once booted):
;   0x00000000  page 0: boot arguments at 0x800, trap scratch word at 0xf00
;   0x00001000  kernel text and data          (not U)
;   user_start  user programs and ulib        (U, read-only, shared by all processes)
;   image_end   free frames: page directories, page tables, process pages

.memsize 524288
.bootargs 0x800, 256
.entry boot

.include "../lib/consts.s"

.org 0x1000
.include "boot.s"
.include "proc.s"
.include "sched.s"
.include "traps.s"
.include "syscalls.s"
.include "../lib/trap.s"
.include "../lib/console.s"
.include "../lib/bootargs.s"
.include "../lib/frames.s"
.include "../lib/vm.s"

; ---- user region: everything from here to user_end is mapped U and read-only ----
    .balign 4096
user_start:
.include "programs.s"
.include "../lib/ulib.s"
.include "../lib/string.s"
    .balign 4096
user_end:
image_end:
