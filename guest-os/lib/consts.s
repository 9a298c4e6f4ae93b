; Constants shared by the guest kernels: status images, page flags, the virtual memory map.

; The architecture's own constants (SYS_*, CAUSE_*, STATUS_*, IRQ_*, PTE_*, PORT_*, PAGE_SIZE)
; are predefined by the assembler from isa/arch.ts (docs/ISA.md, "Predefined symbols"); this
; file holds only the kernels' own choices built from them.

; status images installed just before `sret`: kernel mode now, paging on, and
; PKERNEL/PIE chosen for the context being resumed
.equ ST_TO_USER, STATUS_KERNEL | STATUS_PIE | STATUS_PG         ; -> user mode, interrupts on
.equ ST_TO_KTHREAD, STATUS_KERNEL | STATUS_PKERNEL | STATUS_PG  ; -> kernel mode, interrupts off
.equ ST_BOOT_PAGING, STATUS_KERNEL | STATUS_PG

; page-table entry flags the kernels install
.equ PTE_KERNEL, PTE_P | PTE_W
.equ PTE_USER_RO, PTE_P | PTE_U
.equ PTE_USER_RW, PTE_P | PTE_W | PTE_U

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
