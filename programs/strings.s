; strings: string routines on a line of text: its length (strlen), the text reversed, the
; text in upper case, and its number of words (runs of characters other than space, tab).
; The text is the first line of standard input (at most 255 bytes) when there is input,
; else a built-in sentence.
;
; expect-stdout: text: the quick brown fox jumps over the lazy dog\n
; expect-stdout: length: 43\n
; expect-stdout: reversed: god yzal eht revo spmuj xof nworb kciuq eht\n
; expect-stdout: upper: THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG\n
; expect-stdout: words: 9\n
; expect-exit: 0

.include "lib/start.s"

.equ LINE_MAX, 255

main:
    save_ra_s1
    call read_line
    mv s0, a0                   ; s0 = the text
    bnez a0, main_have_text
    la s0, sentence
main_have_text:
    la a0, str_text
    call print_str
    mv a0, s0
    call print_str
    call print_nl

    mv a0, s0
    call strlen
    mv s1, a0                   ; s1 = length
    la a0, str_length
    call print_str
    mv a0, s1
    call print_udec
    call print_nl

    la a0, scratch
    mv a1, s0
    mv a2, s1
    call str_reverse
    la a0, str_reversed
    call print_str
    la a0, scratch
    call print_str
    call print_nl

    la a0, scratch
    mv a1, s0
    call str_upper
    la a0, str_upper_label
    call print_str
    la a0, scratch
    call print_str
    call print_nl

    mv a0, s0
    call word_count
    mv s1, a0
    la a0, str_words
    call print_str
    mv a0, s1
    call print_udec
    call print_nl
    li a0, 0
    restore_ra_s1
    ret

read_line:                      ; read_line() -> the first line of standard input (NUL-terminated,
                                ;   without its newline) in line_buffer, or 0 when there is no input
    push ra
    push s0
    li s0, 0                    ; s0 = bytes read so far
read_line_more:
    li a0, STDIN
    la a1, line_buffer
    add a1, a1, s0
    li a2, LINE_MAX
    sub a2, a2, s0
    beqz a2, read_line_cut
    call read
    blez a0, read_line_cut      ; end of input (or an error)
    add s0, s0, a0
    j read_line_more
read_line_cut:
    li a0, 0
    beqz s0, read_line_ret
    la a0, line_buffer
    add t1, a0, s0
    sb zero, 0(t1)              ; NUL after the last byte read, then cut at the first newline
    mv t0, a0
read_line_scan:
    lbu t1, 0(t0)
    beqz t1, read_line_ret
    li t2, '\n'
    beq t1, t2, read_line_end
    addi t0, t0, 1
    j read_line_scan
read_line_end:
    sb zero, 0(t0)
read_line_ret:
    pop s0
    pop ra
    ret

str_reverse:                    ; str_reverse(a0 = dst, a1 = src, a2 = length): dst = src backwards, NUL-terminated
    add t0, a1, a2              ; t0 walks src from its end
    add t1, a0, a2
    sb zero, 0(t1)
str_reverse_loop:
    beq t0, a1, str_reverse_done
    addi t0, t0, -1
    lbu t2, 0(t0)
    sb t2, 0(a0)
    addi a0, a0, 1
    j str_reverse_loop
str_reverse_done:
    ret

str_upper:                      ; str_upper(a0 = dst, a1 = src): dst = src with a-z made A-Z
    lbu t0, 0(a1)
    li t1, 'a'
    blt t0, t1, str_upper_store
    li t1, 'z'
    bgt t0, t1, str_upper_store
    addi t0, t0, 'A' - 'a'
str_upper_store:
    sb t0, 0(a0)
    addi a0, a0, 1
    addi a1, a1, 1
    bnez t0, str_upper
    ret

word_count:                     ; word_count(a0 = string) -> runs of characters other than space and tab
    li t0, 0                    ; t0 = words
    li t1, 0                    ; t1 = 1 while inside a word
word_count_loop:
    lbu t2, 0(a0)
    beqz t2, word_count_done
    addi a0, a0, 1
    li t3, ' '
    beq t2, t3, word_count_gap
    li t3, '\t'
    beq t2, t3, word_count_gap
    bnez t1, word_count_loop
    li t1, 1                    ; a word starts here
    addi t0, t0, 1
    j word_count_loop
word_count_gap:
    li t1, 0
    j word_count_loop
word_count_done:
    mv a0, t0
    ret

.data
sentence:        .asciz "the quick brown fox jumps over the lazy dog"
str_text:        .asciz "text: "
str_length:      .asciz "length: "
str_reversed:    .asciz "reversed: "
str_upper_label: .asciz "upper: "
str_words:       .asciz "words: "

.bss
line_buffer:
    .zero LINE_MAX + 1
scratch:
    .zero LINE_MAX + 1
