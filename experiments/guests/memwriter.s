; memwriter (machine-level, with boot arguments): the migration experiments' workload. It
; sweeps a working set of `pages` pages from WS_BASE on, page 0, 1, …, pages-1, 0, 1, …, and
; stores the sweep number into the first word of each page it visits; after each store it
; spins so that one store takes about 1000000 / rate ticks. So the guest dirties `rate`
; distinct pages per million instructions (as long as rate is below 1e6 / TOUCH_TICKS) over a
; writable working set of `pages` pages: the two quantities of the pre-copy model. A first
; sweep at full speed (4 instructions a page) fills the working set before the paced sweeps.
;
; Boot arguments (decimal; missing ones take the default):
;   pages=N   working-set size in pages (default 64)
;   rate=R    page writes per 1,000,000 ticks (default 10000; 0 = as fast as possible)
;   iters=I   paced sweeps to make (default 0 = forever, which is what experiments want)
; It halts with status 0 after the last sweep, 2 when the working set does not fit in memory
; (WS_BASE + pages * 4096 > memory size, which the loader passes in a1).
;
; Unlike programs/memwriter.s (a process-VM program) this runs on the bare machine or under
; the monitor as a whole guest, so `toyvmm migrate` and `toyvmm experiment` can move it today.

.memsize 1048576
.entry start
.bootargs 0x800, 256          ; the loader writes "key=value …" here and passes its address in a0
.equ WS_BASE, 0x10000
.equ TOUCH_TICKS, 6             ; instructions of one store without spinning; 2 per spin

.org 0x1000
start:
    mv s3, a1                   ; s3 = memory size
    mv s2, a0                   ; s2 = boot arguments (0 when none)
    la a0, key_pages
    li a1, 64
    call arg_int
    mv s0, a0                   ; s0 = pages
    la a0, key_rate
    li a1, 10000
    call arg_int
    li s1, 0                    ; s1 = spin iterations per store
    beq a0, zero, have_spin
    li t0, 1000000
    divu t0, t0, a0
    addi t0, t0, -TOUCH_TICKS
    blt t0, zero, have_spin
    shri s1, t0, 1
have_spin:
    la a0, key_iters
    li a1, 0
    call arg_int
    mv t4, a0                   ; t4 = sweeps left (0 = forever)
    shli t0, s0, 12             ; the working set must fit
    li t1, WS_BASE
    add t0, t0, t1
    bltu s3, t0, too_big
    beq s0, zero, too_big
    li s3, 1                    ; s3 = sweep number
    li t0, WS_BASE              ; sweep 1 fills the working set at full speed, so that the
    mv t1, s0                   ; pages are not zero (a cheap marker) when migration starts
fill:
    sw s3, 0(t0)
    addi t0, t0, 4096
    addi t1, t1, -1
    bne t1, zero, fill
    addi s3, s3, 1
sweep:
    li t0, WS_BASE
    mv t1, s0
touch:
    sw s3, 0(t0)
    mv t2, s1
    beq t2, zero, spun
spin:
    addi t2, t2, -1
    bne t2, zero, spin
spun:
    addi t0, t0, 4096
    addi t1, t1, -1
    bne t1, zero, touch
    addi s3, s3, 1
    beq t4, zero, sweep         ; forever
    addi t4, t4, -1
    bne t4, zero, sweep
    li a0, 0
    halt
too_big:
    li a0, 2
    halt

; arg_int(a0 = NUL-terminated key, a1 = default) -> a0 = the key's decimal value, or the
; default. Scans the "key=value key=value" text at s2. Uses t0-t3, a2, a3.
arg_int:
    beq s2, zero, arg_default
    mv a2, s2                   ; a2 = start of the current word
arg_word:
    lbu t0, 0(a2)
    beq t0, zero, arg_default
    li t1, 32
    bne t0, t1, arg_compare
    addi a2, a2, 1
    j arg_word
arg_compare:
    mv t2, a0
    mv t3, a2
arg_compare_next:
    lbu t0, 0(t2)
    beq t0, zero, arg_key_end
    lbu t1, 0(t3)
    bne t0, t1, arg_skip
    addi t2, t2, 1
    addi t3, t3, 1
    j arg_compare_next
arg_key_end:
    lbu t1, 0(t3)
    li t0, 61                   ; '='
    bne t0, t1, arg_skip
    addi t3, t3, 1
    li a3, 0                    ; the value, digit by digit
arg_digit:
    lbu t0, 0(t3)
    addi t0, t0, -48
    sltiu t1, t0, 10            ; unsigned: below 10 means a digit
    beq t1, zero, arg_done
    li t1, 10
    mul a3, a3, t1
    add a3, a3, t0
    addi t3, t3, 1
    j arg_digit
arg_done:
    mv a0, a3
    ret
arg_skip:
    lbu t0, 0(a2)
    beq t0, zero, arg_default
    li t1, 32
    beq t0, t1, arg_word
    addi a2, a2, 1
    j arg_skip
arg_default:
    mv a0, a1
    ret

key_pages:
    .asciz "pages"
key_rate:
    .asciz "rate"
key_iters:
    .asciz "iters"
