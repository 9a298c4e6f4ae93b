; System calls (numbers from SYS in isa/arch.ts) as functions:
; `sys` takes the number in a0 and arguments in a1..a3; these wrappers take C-style
; arguments in a0..a2 and shift them. SYS_*, PAGE_SIZE and the other architecture constants
; are predefined by the assembler from isa/arch.ts (docs/ISA.md, "Predefined symbols").

.equ STDIN, 0
.equ STDOUT, 1
.equ STDERR, 2

exit:                           ; exit(a0 = status): does not return
    mv a1, a0
    li a0, SYS_EXIT
    sys
    brk                         ; exit came back: stop with a breakpoint fault

write:                          ; write(a0 = fd, a1 = buffer, a2 = length) -> bytes written, or -1
    mv a3, a2
    mv a2, a1
    mv a1, a0
    li a0, SYS_WRITE
    sys
    ret

read:                           ; read(a0 = fd, a1 = buffer, a2 = length) -> bytes read, 0 at end, -1
    mv a3, a2
    mv a2, a1
    mv a1, a0
    li a0, SYS_READ
    sys
    ret

time:                           ; time() -> guest time in ticks, low 32 bits
    li a0, SYS_TIME
    sys
    ret

sbrk:                           ; sbrk(a0 = increment) -> previous break, or -1
    mv a1, a0
    li a0, SYS_SBRK
    sys
    ret

yield:                          ; yield()
    li a0, SYS_YIELD
    sys
    ret

sleep:                          ; sleep(a0 = ticks)
    mv a1, a0
    li a0, SYS_SLEEP
    sys
    ret

getpid:                         ; getpid() -> process id
    li a0, SYS_GETPID
    sys
    ret
