; Start-up code and the shared library, included first by every program in programs/:
;
;     .include "lib/start.s"
;
; It declares the boot-argument area (the loader writes the "key=value ..." text there and
; passes its address in a0), saves that address for lib/args.s, calls the program's `main`
; and exits with the status main returns in a0.
;
; Calling convention: arguments a0..a3, result a0; a0-a3 and t0-t4 may be clobbered by any
; call, s0-s3 and sp are preserved, ra holds the return address; save_ra_sN/restore_ra_sN
; (macros.s) keep ra and s0..sN on the stack.

.bootargs 0x800, 2048

.text
_start:
    la t0, boot_args
    sw a0, 0(t0)
    call main
    call exit

.data
boot_args:                      ; address of the boot-argument text (0 when there is none)
    .word 0

.text
.include "macros.s"
.include "sys.s"
.include "string.s"
.include "print.s"
.include "args.s"
