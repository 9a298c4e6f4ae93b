; fib(a0 = n) -> a0 = fib(n), by plain recursion through the stack; shared by
; programs/bench/fib.s and the monitor bench's kernel-mode fib (vmm/bench/monitor.ts). Needs
; programs/lib/macros.s. Uses t0, keeps s0, s1.

fib:                            ; fib(a0 = n) -> fib(n) = fib(n - 1) + fib(n - 2)
    li t0, 2
    blt a0, t0, fib_base
    save_ra_s1
    mv s0, a0
    addi a0, s0, -1
    call fib
    mv s1, a0
    addi a0, s0, -2
    call fib
    add a0, a0, s1
    restore_ra_s1
fib_base:                       ; fib(0) = 0, fib(1) = 1
    ret
