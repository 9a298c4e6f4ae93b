; memwriter: the live-migration workload. It takes a working set of `pages` pages from the
; heap and sweeps over it again and again, page 0, 1, …, pages-1, 0, 1, …; each visit
; ("touch") dirties one page and then spins, so the dirty rate is set by the arguments.
;
; Every page of the working set carries its own history (QEMU's migration-test does the same):
;   word 0        counter: how often the page was touched; stored last, it commits the touch
;   word 1        the page's index in the working set
;   last word     a copy of the counter (a page copied half old, half new shows up)
;   other words   zero
; So at ANY instruction boundary the counters, read in sweep order, are k+1 for a prefix of the
; pages and k for the rest: neighbours differ by at most 1, and only at one place.
; vmm/process/memcheck.ts checks exactly that, e.g. on the destination of a migration, and
; finds the working set through the symbols ws_base and ws_pages below.
;
; Arguments:
;   pages=N   working-set size in pages (default 16)
;   rate=R    page writes per 1,000,000 ticks (default 10000, i.e. one every 100 ticks;
;             0 = as fast as possible). A touch costs TOUCH_TICKS ticks plus 2 per spin
;             iteration: spin = (1000000 / R - TOUCH_TICKS) / 2, printed as ticks-per-write.
;   iters=I   sweeps to make (default 4); 0 = sweep forever (for migration experiments)
; After the last sweep it checks every page, prints a checksum of the working set and exits 0
; (1 when a page is inconsistent, 2 for bad arguments or no memory).
;
; args: pages=16 rate=10000 iters=4
; expect-stdout: memwriter: pages=16 sweeps=4 writes=64 ticks-per-write=100\n
; expect-stdout: checksum: 0xff70a885\n
; expect-exit: 0

.include "lib/start.s"

.equ TOUCH_TICKS, 10            ; instructions of one touch without spinning (see `touch`)
.equ LAST_WORD, PAGE_SIZE - 4

main:
    save_ra_s3
    la a0, key_pages
    li a1, 16
    call arg_int
    mv s1, a0                   ; s1 = pages
    beqz a1, main_bad_args
    blez s1, main_bad_args
    la a0, key_iters
    li a1, 4
    call arg_int
    mv s2, a0                   ; s2 = sweeps to make, 0 = forever
    beqz a1, main_bad_args
    bltz s2, main_bad_args
    la a0, key_rate
    li a1, 10000
    call arg_int
    beqz a1, main_bad_args
    bltz a0, main_bad_args
    li s3, 0                    ; s3 = spin iterations per touch
    beqz a0, main_have_spin
    li t0, 1000000
    divu t0, t0, a0
    addi t0, t0, -TOUCH_TICKS
    blez t0, main_have_spin
    shri s3, t0, 1
main_have_spin:
    la t0, ws_spin
    sw s3, 0(t0)

    li a0, 0                    ; the working set: whole pages from the heap
    call sbrk
    sub t0, zero, a0
    andi t0, t0, PAGE_SIZE - 1  ; padding up to a page boundary
    shli a0, s1, 12
    add a0, a0, t0
    bltz a0, main_no_memory
    push t0
    call sbrk
    pop t0
    li t1, -1
    beq a0, t1, main_no_memory
    add s0, a0, t0              ; s0 = base of the working set
    la t0, ws_base
    sw s0, 0(t0)
    la t0, ws_pages
    sw s1, 0(t0)

sweep:                          ; one pass over the working set
    li t4, 0                    ; t4 = page index
    mv t3, s0                   ; t3 = page address
touch:
    lw t0, 0(t3)
    addi t0, t0, 1
    sw t4, 4(t3)                ; the page's index
    sw t0, LAST_WORD(t3)        ; the copy of the counter
    sw t0, 0(t3)                ; the counter, last: it commits the touch
    mv t1, s3
    beqz t1, touch_next
touch_spin:
    addi t1, t1, -1
    bnez t1, touch_spin
touch_next:
    addi t4, t4, 1
    addi t3, t3, PAGE_SIZE
    blt t4, s1, touch
    la t0, ws_sweeps
    lw t1, 0(t0)
    addi t1, t1, 1
    sw t1, 0(t0)
    beqz s2, sweep              ; iters=0: forever
    blt t1, s2, sweep

    mv a0, s0                   ; check every page, then report
    mv a1, s1
    mv a2, s2
    call verify
    beqz a1, main_inconsistent
    mv s0, a0                   ; s0 = checksum
    la a0, str_report_pages
    call print_str
    mv a0, s1
    call print_udec
    la a0, str_report_sweeps
    call print_str
    mv a0, s2
    call print_udec
    la a0, str_report_writes
    call print_str
    mul a0, s1, s2
    call print_udec
    la a0, str_report_ticks
    call print_str
    shli a0, s3, 1
    addi a0, a0, TOUCH_TICKS
    call print_udec
    call print_nl
    la a0, str_checksum
    call print_str
    mv a0, s0
    call print_hex
    call print_nl
    li a0, 0
    j main_ret

main_inconsistent:
    la a0, str_inconsistent
    call eprint_str
    li a0, 1
    j main_ret
main_no_memory:
    la a0, str_no_memory
    call eprint_str
    li a0, 2
    j main_ret
main_bad_args:
    la a0, str_bad_args
    call eprint_str
    li a0, 2
main_ret:
    restore_ra_s3
    ret

verify:                         ; verify(a0 = base, a1 = pages, a2 = sweeps) -> a0 = FNV-1a hash of
                                ;   (counter, index, copy) of every page; a1 = 1, or 0 when a
                                ;   page's counter or copy is not `sweeps` or its index is wrong
    li t0, 0x811c9dc5           ; t0 = hash
    li t4, 0x01000193           ; FNV prime
    li t1, 0                    ; t1 = page index
verify_page:
    lw t2, 0(a0)
    bne t2, a2, verify_bad
    xor t0, t0, t2
    mul t0, t0, t4
    lw t2, 4(a0)
    bne t2, t1, verify_bad
    xor t0, t0, t2
    mul t0, t0, t4
    lw t2, LAST_WORD(a0)
    bne t2, a2, verify_bad
    xor t0, t0, t2
    mul t0, t0, t4
    addi a0, a0, PAGE_SIZE
    addi t1, t1, 1
    blt t1, a1, verify_page
    mv a0, t0
    li a1, 1
    ret
verify_bad:
    li a1, 0
    ret

.data
ws_base:   .word 0              ; address of page 0 of the working set (0 until allocated)
ws_pages:  .word 0              ; pages in the working set
ws_sweeps: .word 0              ; sweeps completed
ws_spin:   .word 0              ; spin iterations after each touch
key_pages: .asciz "pages"
key_rate:  .asciz "rate"
key_iters: .asciz "iters"
str_report_pages:  .asciz "memwriter: pages="
str_report_sweeps: .asciz " sweeps="
str_report_writes: .asciz " writes="
str_report_ticks:  .asciz " ticks-per-write="
str_checksum:      .asciz "checksum: "
str_inconsistent:  .asciz "memwriter: a page of the working set is inconsistent\n"
str_no_memory:     .asciz "memwriter: sbrk could not give memory for the working set\n"
str_bad_args:      .asciz "memwriter: pages must be >= 1, rate and iters >= 0 (numbers)\n"
