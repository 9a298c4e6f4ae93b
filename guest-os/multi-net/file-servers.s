; A stateless and a stateful file server over UDP, on a small read-only file system in memory,
; and what each loses when it restarts (their clients: file-clients.s). Both run under a supervisor: the program started by run=
; spawns the server (argument 1), which restarts after FS_FIRST_LIFE requests by ending; the
; supervisor then spawns it again (argument 2), and that one runs for ever. What the first life
; kept in memory ends with its process.
;
; Requests and replies are little-endian words.
; stateless, port 2049: {offset, length, name} -> {count or -1, bytes}: every request says it all
; stateful, port 2050: {1 = open, name} -> {handle or -1}; {2 = read, handle, length} ->
;   {count or -1, bytes} from the handle's offset, which the server moves on; {3 = close, handle}
;   -> {0 or -1}. The server keeps a table of open files: client, file, offset.

.equ STATELESS_PORT, 2049
.equ STATEFUL_PORT, 2050
.equ PROG_STATELESSFS, 15       ; their indexes in programs.s, for spawn
.equ PROG_STATEFULFS, 16
.equ FS_FIRST_LIFE, 3           ; requests the first life serves before it restarts
.equ FS_REQ, USER_DATA + 2560   ; the request being served
.equ FS_REPLY, USER_DATA + 3072 ; its reply
.equ FS_PIECE, 16               ; bytes the clients ask for at a time
.equ OPEN_FILES, USER_DATA + 3584  ; the stateful server's table: OPEN_MAX entries of 16 bytes
.equ OPEN_MAX, 4
.equ OF_IP, 0                   ; the client (0 = a free entry)
.equ OF_PORT, 4
.equ OF_FILE, 8
.equ OF_OFFSET, 12
.equ FS_OPEN, 1
.equ FS_READ, 2
.equ FS_CLOSE, 3

; The file system: {name, data, length}, ending with a 0 name
fs_files:
    .word s_file_motd, file_motd, file_motd_end - file_motd
    .word s_file_poem, file_poem, file_poem_end - file_poem
    .word 0
file_motd: .ascii "Welcome to the toy file server.\nEvery file is read in pieces of 16 bytes.\n"
file_motd_end:
file_poem: .ascii "The server forgets,\nthe client remembers.\n"
file_poem_end:
    .balign 4

; fs_lookup(a0 = name) -> a0 = its entry in fs_files, or 0
fs_lookup:
    save_ra_s1
    mv s0, a0
    la s1, fs_files
fs_lookup_next:
    lw a1, 0(s1)
    beqz a1, fs_lookup_none
    mv a0, s0
    call str_same
    bnez a0, fs_lookup_found
    addi s1, s1, 12
    j fs_lookup_next
fs_lookup_none:
    li s1, 0
fs_lookup_found:
    mv a0, s1
    restore_ra_s1
    ret

; str_same(a0, a1 = strings) -> a0 = 1 when they are equal, else 0
str_same:
    lbu t0, 0(a0)
    lbu t1, 0(a1)
    bne t0, t1, str_same_no
    beqz t0, str_same_yes
    addi a0, a0, 1
    addi a1, a1, 1
    j str_same
str_same_yes:
    li a0, 1
    ret
str_same_no:
    li a0, 0
    ret

; fs_piece(a0 = file entry, a1 = offset, a2 = length) -> a0 = reply length: {count, bytes} in
; FS_REPLY, the bytes of the file from offset (fewer at its end, none past it)
fs_piece:
    lw t0, 8(a0)                ; the file's length
    lw t1, 4(a0)                ; its data
    li t2, 0
    blt a1, zero, fs_piece_count
    bge a1, t0, fs_piece_count
    sub t2, t0, a1
    bleu t2, a2, 1f
    mv t2, a2
1:  li t3, FS_PIECE
    bleu t2, t3, 2f
    mv t2, t3
2:  add t1, t1, a1
    li t3, FS_REPLY + 4
    li t4, 0
3:  bge t4, t2, fs_piece_count
    lbu t0, 0(t1)
    sb t0, 0(t3)
    addi t1, t1, 1
    addi t3, t3, 1
    addi t4, t4, 1
    j 3b
fs_piece_count:
    li t0, FS_REPLY
    sw t2, 0(t0)
    addi a0, t2, 4
    ret

; fs_error() -> a0 = the reply length of {-1}
fs_error:
    li t0, FS_REPLY
    li t1, -1
    sw t1, 0(t0)
    li a0, 4
    ret

; stateless_handle(a0 = MSG of the request) -> a0 = reply length: {offset, length, name}
stateless_handle:
    save_ra_s1
    li s0, FS_REQ
    addi a0, s0, 8
    sb zero, 31(s0)             ; a name ends within the request
    call fs_lookup
    beqz a0, stateless_handle_none
    lw a1, 0(s0)
    lw a2, 4(s0)
    call fs_piece
    j stateless_handle_done
stateless_handle_none:
    call fs_error
stateless_handle_done:
    restore_ra_s1
    ret

; stateful_handle(a0 = MSG of the request) -> a0 = reply length: open, read or close
stateful_handle:
    save_ra_s2
    mv s2, a0
    li s0, FS_REQ
    lw t0, 0(s0)
    li t1, FS_OPEN
    beq t0, t1, stateful_open
    lw a0, 4(s0)                ; read and close: the client's entry for the handle
    mv a1, s2
    call open_entry
    beqz a0, stateful_bad
    mv s1, a0
    lw t0, 0(s0)
    li t1, FS_READ
    beq t0, t1, stateful_read
    li t1, FS_CLOSE
    bne t0, t1, stateful_bad
    sw zero, OF_IP(s1)
    li a0, 0
    call fs_piece_count_only
    j stateful_done
stateful_read:
    lw a0, OF_FILE(s1)
    lw a1, OF_OFFSET(s1)
    lw a2, 8(s0)
    call fs_piece
    li t0, FS_REPLY
    lw t0, 0(t0)
    lw t1, OF_OFFSET(s1)
    add t1, t1, t0
    sw t1, OF_OFFSET(s1)
    j stateful_done
stateful_open:
    addi a0, s0, 4
    sb zero, 31(s0)
    call fs_lookup
    beqz a0, stateful_bad
    mv s1, a0
    li t0, OPEN_FILES           ; a free entry
    li t1, 1                    ; its handle
stateful_open_scan:
    li t2, OPEN_MAX
    bgt t1, t2, stateful_bad
    lw t2, OF_IP(t0)
    beqz t2, stateful_open_take
    addi t0, t0, 16
    addi t1, t1, 1
    j stateful_open_scan
stateful_open_take:
    lw t2, 8(s2)
    sw t2, OF_IP(t0)
    lw t2, 12(s2)
    sw t2, OF_PORT(t0)
    sw s1, OF_FILE(t0)
    sw zero, OF_OFFSET(t0)
    mv a0, t1
    call fs_piece_count_only
    j stateful_done
stateful_bad:
    call fs_error
stateful_done:
    restore_ra_s2
    ret

; fs_piece_count_only(a0 = word) -> a0 = the reply length of {word}
fs_piece_count_only:
    li t0, FS_REPLY
    sw a0, 0(t0)
    li a0, 4
    ret

; open_entry(a0 = handle, a1 = MSG of the request) -> a0 = the entry of that handle if it is the
; requesting client's, else 0
open_entry:
    addi a0, a0, -1
    li t0, OPEN_MAX
    bgeu a0, t0, open_entry_none
    shli a0, a0, 4
    li t0, OPEN_FILES
    add a0, a0, t0
    lw t0, OF_IP(a0)
    beqz t0, open_entry_none
    lw t1, 8(a1)
    bne t0, t1, open_entry_none
    lw t0, OF_PORT(a0)
    lw t1, 12(a1)
    bne t0, t1, open_entry_none
    ret
open_entry_none:
    li a0, 0
    ret

; The two servers: {program index, port, request handler, name}
stateless_server:
    .word PROG_STATELESSFS, STATELESS_PORT, stateless_handle, s_fs_stateless
stateful_server:
    .word PROG_STATEFULFS, STATEFUL_PORT, stateful_handle, s_fs_stateful

; statelessfs, statefulfs: the supervisor (argument 0), or the server in its first (1) or second
; (2) life
p_statelessfs:
    la a2, stateless_server
    j fs_main
p_statefulfs:
    la a2, stateful_server
fs_main:
    beqz a0, fs_supervise
    mv s0, a1                   ; pid
    lw s1, 8(a2)                ; handler
    li s3, -1                   ; requests left in this life (-1: for ever)
    li t1, 1
    bne a0, t1, 1f
    li s3, FS_FIRST_LIFE
1:  push a2
    li a0, SOCK_DGRAM
    call u_socket
    mv s2, a0
    lw t0, 0(sp)
    lw a1, 4(t0)
    call u_bind
    pop t0
    bnez a0, fs_bind_failed
    mv a0, s0
    lw a1, 12(t0)
    lw a2, 4(t0)
    call say
fs_serve:
    beqz s3, fs_restart
    li t0, MSG
    li t1, FS_REQ
    sw t1, 0(t0)
    li t1, 32
    sw t1, 4(t0)
    mv a0, s2
    li a1, MSG
    call u_recvfrom
    blt a0, zero, fs_serve
    li a0, MSG
    jalr ra, 0(s1)
    li t0, MSG
    sw a0, 4(t0)
    li t1, FS_REPLY
    sw t1, 0(t0)
    mv a0, s2
    li a1, MSG
    call u_sendto
    addi s3, s3, -1
    j fs_serve
fs_restart:
    mv a0, s0
    la a1, s_fs_restarting
    li a2, -1
    call say
    li a0, 0
    call u_exit
fs_bind_failed:
    mv a0, s0
    la a1, s_bind_failed
    j fail

; fs_supervise(a2 = the server): its lives, one after the other
fs_supervise:
    lw s1, 0(a2)
    li s2, 1
fs_supervise_life:
    mv a0, s1
    mv a1, s2
    call u_spawn
    call u_wait
    addi s2, s2, 1
    j fs_supervise_life

s_name_statelessfs: .asciz "statelessfs"
s_name_statefulfs: .asciz "statefulfs"
s_fs_stateless: .asciz "stateless file server on port"
s_fs_stateful: .asciz "stateful file server on port"
s_fs_restarting: .asciz "file server restarts: what it kept in memory is gone"
s_file_motd: .asciz "motd"
s_file_poem: .asciz "poem"
    .balign 4
