; Subroutine prologues and epilogues: keep ra and the callee-saved s registers a routine uses
; on the stack (pushed ra first, popped in reverse). Included by lib/start.s and by the guest
; kernels (guest-os/lib/head.s). Macros exist from their definition on: include this first.
.macro save_ra_s1
    push ra
    push s0
    push s1
.endm
.macro restore_ra_s1
    pop s1
    pop s0
    pop ra
.endm
.macro save_ra_s2
    save_ra_s1
    push s2
.endm
.macro restore_ra_s2
    pop s2
    restore_ra_s1
.endm
.macro save_ra_s3
    save_ra_s2
    push s3
.endm
.macro restore_ra_s3
    pop s3
    restore_ra_s2
.endm
