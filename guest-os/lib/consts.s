; Architecture constants shared by the guest kernels (values from isa/arch.ts).

; STATUS bits
.equ ST_KERNEL, 1
.equ ST_IE, 2
.equ ST_PKERNEL, 4
.equ ST_PIE, 8
.equ ST_PG, 16
; status images installed just before `sret`: kernel mode now, paging on, and
; PKERNEL/PIE chosen for the context being resumed
.equ ST_TO_USER, 25          ; KERNEL | PIE | PG        -> user mode, interrupts on
.equ ST_TO_KTHREAD, 21       ; KERNEL | PKERNEL | PG    -> kernel mode, interrupts off
.equ ST_BOOT_PAGING, 17      ; KERNEL | PG

; interrupt sources (imask / ipend)
.equ IRQ_TIMER, 1
.equ IRQ_CONSOLE, 2

; trap causes
.equ CAUSE_ILLEGAL, 1
.equ CAUSE_PRIVILEGED, 2
.equ CAUSE_PF_READ, 3
.equ CAUSE_PF_WRITE, 4
.equ CAUSE_PF_FETCH, 5
.equ CAUSE_MISALIGNED, 6
.equ CAUSE_ACCESS, 7
.equ CAUSE_DIVZERO, 8
.equ CAUSE_SYSCALL, 9
.equ CAUSE_BREAKPOINT, 10
.equ CAUSE_TIMER, 0x80000000

; page-table entry bits
.equ PTE_P, 1
.equ PTE_W, 2
.equ PTE_U, 4
.equ PTE_KERNEL, 3           ; P | W
.equ PTE_USER_RO, 5          ; P | U
.equ PTE_USER_RW, 7          ; P | W | U
.equ PAGE_SIZE, 4096

; system call numbers (SYS in isa/arch.ts)
.equ SYS_EXIT, 0
.equ SYS_WRITE, 1
.equ SYS_READ, 2
.equ SYS_TIME, 3
.equ SYS_SBRK, 4
.equ SYS_YIELD, 5
.equ SYS_SLEEP, 6
.equ SYS_GETPID, 7
.equ SYS_SPAWN, 8
.equ SYS_WAIT, 9
; threads kernel only: start another LWP in the caller's address space
.equ SYS_LWP_CREATE, 10

; console ports
.equ PORT_CONSOLE, 0

; User virtual memory (every kernel uses the same layout):
;
;   0x00000000 +--------------------------+
;              | kernel, identity mapped  |  not U: user access faults
;              | user programs (U, r/o)   |  the image's user region, shared read-only
;              | free frames              |  not U
;   0x00400000 +--------------------------+
;              | data page (zero)         |  0x00400000..0x00400fff: a program's globals
;              | heap, grows up (sbrk)    |  break starts at 0x00401000
;              |   ...                    |
;              | stack, grows down        |  at most STACK_MAX bytes
;   0x00800000 +--------------------------+  initial sp
.equ USER_DATA, 0x00400000
.equ USER_HEAP, 0x00401000
.equ USER_STACK_TOP, 0x00800000
.equ STACK_MAX, 0x00010000
.equ USER_STACK_LOW, 0x007f0000

; Low kernel words reachable with base register zero (page 0, kernel only).
.equ TRAP_SAVE_T0, 0x0f00
