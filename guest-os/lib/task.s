; Layouts shared by the kernels' code and lib/ (included right after consts.s, because `li`
; needs its constants defined before use).
;
; A context holds everything needed to resume a user program or a kernel thread:
;
;   offset 0        saved pc (epc)         the slot of r0, which needs no saving
;   offset 4..60    r1..r15                at register number * 4
;   offset 64       status image           written to STATUS just before `sret`
;
; CSR scratch always points at the context of the code that is running (lib/trap.s).
.equ CTX_PC, 0
.equ CTX_A0, 4
.equ CTX_A1, 8
.equ CTX_A2, 12
.equ CTX_A3, 16
.equ CTX_SP, 56
.equ CTX_RA, 60
.equ CTX_STATUS, 64

; A task is what a scheduler (lib/sched.s) runs: a context followed by these words, then the
; kernel's own fields (multi's processes, threads' threads) from TASK_FIELDS on.
.equ TASK_STATE, 68             ; one of the S_ states; S_FREE marks an unused table slot
.equ TASK_ID, 72                ; pid or tid (the word after the state: see lib/table.s)
.equ TASK_WAKE, 76              ; S_SLEEPING: guest time to wake at
.equ TASK_FIELDS, 80

.equ S_FREE, 0
.equ S_RUNNABLE, 1
.equ S_SLEEPING, 2
.equ S_WAITING, 3

; An address space record (lib/vm.s space_*): a page directory and the heap's bounds. Kernels
; embed one in their process records.
.equ SPACE_PD, 0
.equ SPACE_BRK, 4               ; heap break: [USER_HEAP, brk) is valid heap
.equ SPACE_HEAP_TOP, 8          ; end of the heap pages mapped so far
.equ SPACE_SIZE, 12
