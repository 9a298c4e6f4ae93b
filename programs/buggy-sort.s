; buggy-sort: a bubble sort with an off-by-one. Its inner loop runs one step too far, so the
; first pass swaps the largest word with the word after the array: 9 leaves the array and -1
; comes in. docs/DEBUGGING.md finds the bug with a watchpoint and reverse-continue.
;
; expect-stdout: before: 5 3 8 1 9 2\n
; expect-stdout: after: 1 -1 2 3 5 8\n
; expect-exit: 0

.include "lib/start.s"

main:
    push ra
    la a0, str_before
    call print_str
    call show
    la a0, numbers
    li a1, COUNT
    call bubble_sort
    la a0, str_after
    call print_str
    call show
    li a0, 0
    pop ra
    ret

bubble_sort:                    ; bubble_sort(a0 = words, a1 = count), ascending, signed
    addi t4, a1, -1             ; t4 = end: a pass compares words[j] and words[j+1] for j < end
sort_pass:
    beqz t4, sort_done
    li t0, 0                    ; t0 = j
    mv t1, a0                   ; t1 = &words[j]
sort_compare:
    blt t4, t0, sort_next_pass  ; the bug: goes on while j <= end (it should stop at j >= end)
    lw t2, 0(t1)
    lw t3, 4(t1)
    bge t3, t2, sort_in_order
    sw t3, 0(t1)                ; swap words[j] and words[j+1]
    sw t2, 4(t1)
sort_in_order:
    addi t0, t0, 1
    addi t1, t1, 4
    j sort_compare
sort_next_pass:
    addi t4, t4, -1
    j sort_pass
sort_done:
    ret

show:                           ; prints the COUNT words at numbers, then a newline
    save_ra_s1
    la s0, numbers
    li s1, COUNT
show_next:
    lw a0, 0(s0)
    call print_dec
    addi s0, s0, 4
    addi s1, s1, -1
    beqz s1, show_done
    call print_space
    j show_next
show_done:
    call print_nl
    restore_ra_s1
    ret

.data
.equ COUNT, 6
numbers:
    .word 5, 3, 8, 1, 9, 2
next_word:
    .word -1                    ; whatever the program keeps after the array
str_before: .asciz "before: "
str_after:  .asciz "after: "
