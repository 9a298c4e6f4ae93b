; The stream client's boot arguments, read before multi's boot into words of the user region
; (tcpstream reads them there; once paging is on they are read-only to it):
;   every=N      guest ticks between two requests (default 20000: 5000 a second at 10^8)
;   requests=N   how many requests (default 1000)
; A value that is not a number, or not positive, keeps the default.

.equ STREAM_EVERY, 20000
.equ STREAM_REQUESTS, 1000

net_boot:
    la sp, trap_stack_top
    push a0                     ; boot_init's arguments: the boot text and the memory size
    push a1
    la t0, boot_args
    sw a0, 0(t0)
    la a0, str_key_every
    li a1, STREAM_EVERY
    la a2, stream_every
    call stream_arg
    la a0, str_key_requests
    li a1, STREAM_REQUESTS
    la a2, stream_requests
    call stream_arg
    pop a1
    pop a0
    j boot

; stream_arg(a0 = key, a1 = default, a2 = word): the key's positive value, or the default, into the word
stream_arg:
    push ra
    push a2
    push a1
    call arg_int
    pop a1
    bgtz a0, 1f
    mv a0, a1
1:  pop a2
    sw a0, 0(a2)
    pop ra
    ret

str_key_every: .asciz "every"
str_key_requests: .asciz "requests"
    .balign 4
