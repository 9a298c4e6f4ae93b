; The start of every kernel's image: where boot arguments go, the entry point, and the
; constants and layouts the rest of the source uses. Each kernel.s then sets .org 0x1000.
;
; Physical memory (identity mapped for the kernel, paging on once booted; size from .memsize):
;
;   0x00000000 +-----------------------------+
;              | page 0: boot arguments      |  0x800..0x8ff, written by the loader
;              |         trap scratch word   |  0xf00 (TRAP_SAVE_T0)
;   0x00001000 +-----------------------------+
;              | kernel text and data        |  not U
;   user_start +-----------------------------+
;              | user programs, ulib, string |  U, read-only, shared by every address space
;   image_end  +-----------------------------+  (user_end, page aligned)
;              | free frames                 |  page directories and tables, process pages,
;              |                             |  kernel-thread stacks (lib/frames.s)
;   .memsize   +-----------------------------+
;
; Virtual memory above that is per address space: see consts.s. The kernel.s that includes
; this file names its entry (`.entry boot`).

.bootargs 0x800, 256

.include "consts.s"
.include "task.s"
.include "../../programs/lib/macros.s"
