; The kernel half of the library, placed in kernel memory (not U).
.include "trap.s"
.include "syscall.s"
.include "console.s"
.include "bootargs.s"
.include "boot.s"
.include "frames.s"
.include "vm.s"
