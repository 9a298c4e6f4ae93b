; The user half of the library: system-call wrappers and string helpers, placed in the user
; region (U, read-only) so user programs can run them; kernel code calls string.s too.
.include "ulib.s"
.include "string.s"
    .balign 4096
user_end:
image_end:                      ; free frames start here (lib/head.s)
