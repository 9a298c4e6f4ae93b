; solo: a single-program monitor. One user program runs deprivileged in its own address
; space; the kernel serves its system calls and stops the machine when it exits or faults.
;
; Physical memory (identity mapped for the kernel, paging on once booted):
;   0x00000000  page 0: boot arguments at 0x800, trap scratch word at 0xf00
;   0x00001000  kernel text and data          (not U)
;   user_start  user programs and ulib        (U, read-only)
;   image_end   free frames: page tables, the program's stack, data and heap pages

.memsize 262144
.bootargs 0x800, 256
.entry boot

.include "../lib/consts.s"

.org 0x1000
.include "boot.s"
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
