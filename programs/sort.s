; sort: sorts a built-in array of 16 signed words in place (insertion sort) and prints it
; before and after, then checks that every element is <= the next one.
;
; expect-stdout: before: 31 -4 15 9 0 27 -12 8 8 100 3 -1 42 7 19 5\n
; expect-stdout: after: -12 -4 -1 0 3 5 7 8 8 9 15 19 27 31 42 100\n
; expect-stdout: sorted: yes\n
; expect-exit: 0

.include "lib/start.s"

main:
    push ra
    la a0, str_before
    call print_str
    la a0, numbers
    li a1, COUNT
    call print_array

    la a0, numbers
    li a1, COUNT
    call insertion_sort

    la a0, str_after
    call print_str
    la a0, numbers
    li a1, COUNT
    call print_array

    la a0, numbers
    li a1, COUNT
    call is_sorted
    beqz a0, main_unsorted
    la a0, str_sorted
    call print_str
    li a0, 0
    j main_ret
main_unsorted:
    la a0, str_unsorted
    call print_str
    li a0, 1
main_ret:
    pop ra
    ret

insertion_sort:                 ; insertion_sort(a0 = words, a1 = count), ascending, signed
    li t0, 1                    ; t0 = i: words[0..i) are sorted
sort_outer:
    bge t0, a1, sort_done
    shli t1, t0, 2
    add t1, a0, t1              ; t1 = &words[i]
    lw t2, 0(t1)                ; t2 = the word to insert
sort_shift:                     ; move bigger words one place up until t2 fits
    beq t1, a0, sort_place
    lw t3, -4(t1)
    bge t2, t3, sort_place
    sw t3, 0(t1)
    addi t1, t1, -4
    j sort_shift
sort_place:
    sw t2, 0(t1)
    addi t0, t0, 1
    j sort_outer
sort_done:
    ret

is_sorted:                      ; is_sorted(a0 = words, a1 = count) -> 1 when ascending, else 0
    li t0, 1
is_sorted_loop:
    bge t0, a1, is_sorted_yes
    lw t1, 0(a0)
    lw t2, 4(a0)
    blt t2, t1, is_sorted_no
    addi a0, a0, 4
    addi t0, t0, 1
    j is_sorted_loop
is_sorted_yes:
    li a0, 1
    ret
is_sorted_no:
    li a0, 0
    ret

print_array:                    ; print_array(a0 = words, a1 = count): "w0 w1 …\n"
    save_ra_s1
    mv s0, a0
    shli s1, a1, 2
    add s1, s0, s1              ; s1 = end
print_array_loop:
    lw a0, 0(s0)
    call print_dec
    addi s0, s0, 4
    beq s0, s1, print_array_done
    call print_space
    j print_array_loop
print_array_done:
    call print_nl
    restore_ra_s1
    ret

.data
.equ COUNT, 16
numbers:
    .word 31, -4, 15, 9, 0, 27, -12, 8, 8, 100, 3, -1, 42, 7, 19, 5
str_before:   .asciz "before: "
str_after:    .asciz "after: "
str_sorted:   .asciz "sorted: yes\n"
str_unsorted: .asciz "sorted: NO\n"
