; String helpers (also included by guest-os/lib/string.s: the kernels share them).

strlen:                         ; strlen(a0 = NUL-terminated string) -> length in bytes
    mv t0, a0
strlen_loop:
    lbu t1, 0(t0)
    beqz t1, strlen_done
    addi t0, t0, 1
    j strlen_loop
strlen_done:
    sub a0, t0, a0
    ret
