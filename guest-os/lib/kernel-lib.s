; The kernel half of the library, placed in kernel memory (not U).
.include "trap.s"
.include "syscall.s"
.include "console.s"
.include "bootargs.s"
.include "boot.s"
.include "frames.s"
.include "vm.s"

; ---- user region: everything from here to user_end is mapped U and read-only. The kernel
; includes its user programs next, then user-lib.s, which closes the region.
    .balign 4096
user_start:
