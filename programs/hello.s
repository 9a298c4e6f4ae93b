; hello: prints a greeting with one write system call and exits 0.
;
; expect-stdout: Hello, world!\n
; expect-exit: 0

.include "lib/start.s"

main:
    push ra
    la a0, greeting
    call print_str
    pop ra
    li a0, 0
    ret

.data
greeting:
    .asciz "Hello, world!\n"
