; System calls (numbers from SYS in isa/arch.ts) as functions:
; `sys` takes the number in a0 and arguments in a1..a3; these wrappers take C-style
; arguments in a0..a2 and shift them.

.equ SYS_EXIT, 0
.equ SYS_WRITE, 1
.equ SYS_READ, 2
.equ SYS_TIME, 3
.equ SYS_SBRK, 4
.equ SYS_YIELD, 5
.equ SYS_SLEEP, 6
.equ SYS_GETPID, 7

.equ STDIN, 0
.equ STDOUT, 1
.equ STDERR, 2
.equ PAGE_SIZE, 4096

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
