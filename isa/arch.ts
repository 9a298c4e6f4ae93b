/**
 * Architectural constants of the toy machine: registers, control registers, trap causes,
 * status bits, paging and I/O ports. The instruction set itself lives in `table.ts`.
 *
 * Guest-physical memory map at reset (paging off):
 *
 *   0x00000000 +---------------------------+
 *              | image sections (.org …)   |  loaded from the image, entry = header.entry
 *              +---------------------------+
 *              | boot arguments            |  header.bootArgs: NUL-terminated text
 *              +---------------------------+
 *              |  …free…                   |
 *   memSize    +---------------------------+  accesses at or above: ACCESS_FAULT
 *
 * Reset state: pc = entry, STATUS = KERNEL, every register 0 except a0 = boot-argument
 * address (0 when there are none) and a1 = memory size in bytes.
 */

export const WORD_BYTES = 4;
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

/**
 * Largest guest-physical memory a machine may have (1 GiB). Every byte address and every
 * `page << PAGE_SHIFT`, the end of the last page included, stays below 2^31, so the int32
 * arithmetic of the CPU, the MMU and the migration engine never turns negative (at 2 GiB the
 * last page's end would). A simulated migration holds the source's and the destination's copy,
 * so 1 GiB guests take 2 GiB per migration; the per-page bitmaps are 256 Ki bytes each.
 */
export const MAX_MEMORY = 1 << 30;

/**
 * Most bytes an image's sections may hold (64 MiB): what the assembler may produce and an image
 * file carries. A larger memory is zero at boot, so images stay small whatever `.memsize` says.
 */
export const MAX_IMAGE_CONTENTS = 64 << 20;

/** Most console input a host holds for one guest (16 MiB): given up front, or queued. */
export const MAX_INPUT = 16 << 20;

// ---------------------------------------------------------------------------------------------
// General registers. r0 always reads 0; the ABI names are what the assembler and disassembler use.
// Calls: arguments and results in a0..a3, ra holds the return address, sp grows down.
// System calls: number in a0, arguments in a1..a3, result in a0.

export const REGISTER_COUNT = 16;
export const REGISTER_NAMES = [
  "zero", "a0", "a1", "a2", "a3", "t0", "t1", "t2",
  "t3", "t4", "s0", "s1", "s2", "s3", "sp", "ra",
] as const;
export const REG_A0 = 1;
export const REG_A1 = 2;
export const REG_A2 = 3;
export const REG_A3 = 4;
export const REG_SP = 14;
export const REG_RA = 15;

// ---------------------------------------------------------------------------------------------
// Control registers (csrr / csrw, both privileged).

export const CSR = {
  status: 0, // mode, interrupt enable, previous mode/enable, paging enable (STATUS_*)
  tvec: 1, // trap vector: where exceptions and interrupts enter the kernel
  epc: 2, // saved pc: faulting instruction, or the next one for an interrupt
  cause: 3, // why the last trap happened (CAUSE_*)
  fault: 4, // faulting address for page, access and alignment faults
  ptbr: 5, // physical address of the page directory (4 KiB aligned)
  time: 6, // read-only: low 32 bits of guest time (retired instructions plus idle ticks)
  timecmp: 7, // timer interrupt pending while (time - timecmp) as int32 >= 0
  scratch: 8, // free for the kernel (e.g. its stack pointer while in user mode)
  ipend: 9, // read-only: pending interrupts (IRQ_* bits)
  imask: 10, // enabled interrupt sources (IRQ_* bits)
} as const;
export type CsrName = keyof typeof CSR;
export const CSR_COUNT = 11;
export const CSR_NAMES: readonly CsrName[] = (Object.keys(CSR) as CsrName[]).sort((x, y) => CSR[x] - CSR[y]);
export const CSR_READ_ONLY: ReadonlySet<number> = new Set([CSR.time, CSR.ipend]);
export const CSR_DOCS: Record<CsrName, string> = {
  status: "KERNEL (bit 0), IE (1), PKERNEL (2), PIE (3), PG paging enable (4)",
  tvec: "trap vector: exceptions and interrupts enter the kernel here",
  epc: "saved pc: the faulting instruction, or the next one for an interrupt",
  cause: "why the last trap happened; bit 31 set for interrupts",
  fault: "the faulting address of a page, access or alignment fault",
  ptbr: "physical address of the page directory, 4 KiB aligned",
  time: "read-only: low 32 bits of guest time (retired instructions and idle ticks)",
  timecmp: "timer interrupt pending while (time - timecmp) as int32 >= 0",
  scratch: "free for the kernel, e.g. its stack pointer while user code runs",
  ipend: "read-only: pending interrupts (bit 0 timer, bit 1 console input, bit 2 network)",
  imask: "enabled interrupt sources (bit 0 timer, bit 1 console input, bit 2 network: only on a machine with a NIC)",
};

export const STATUS_KERNEL = 1 << 0;
export const STATUS_IE = 1 << 1;
export const STATUS_PKERNEL = 1 << 2;
export const STATUS_PIE = 1 << 3;
export const STATUS_PG = 1 << 4;
export const STATUS_WRITABLE = 0x1f;

export const IRQ_TIMER = 1 << 0;
export const IRQ_CONSOLE = 1 << 1;
/** A frame arrived on the network device (only a machine with a NIC can enable it). */
export const IRQ_NET = 1 << 2;
/** Sources every machine may enable; a device adds its own (`PortBus.sources`). */
export const IRQ_WRITABLE = IRQ_TIMER | IRQ_CONSOLE;

// ---------------------------------------------------------------------------------------------
// Trap causes (CSR cause). Interrupts have bit 31 set.

export const CAUSE_ILLEGAL = 1;
export const CAUSE_PRIVILEGED = 2;
export const CAUSE_PAGE_FAULT_READ = 3;
export const CAUSE_PAGE_FAULT_WRITE = 4;
export const CAUSE_PAGE_FAULT_FETCH = 5;
export const CAUSE_MISALIGNED = 6;
export const CAUSE_ACCESS_FAULT = 7;
export const CAUSE_DIVIDE_BY_ZERO = 8;
export const CAUSE_SYSCALL = 9;
export const CAUSE_BREAKPOINT = 10;
export const CAUSE_INTERRUPT = 0x80000000 | 0;
export const CAUSE_TIMER = CAUSE_INTERRUPT | 0;
export const CAUSE_CONSOLE = CAUSE_INTERRUPT | 1;
export const CAUSE_NET = CAUSE_INTERRUPT | 2;

export const CAUSE_NAMES: Record<number, string> = {
  [CAUSE_ILLEGAL]: "illegal-instruction",
  [CAUSE_PRIVILEGED]: "privileged-instruction",
  [CAUSE_PAGE_FAULT_READ]: "page-fault-read",
  [CAUSE_PAGE_FAULT_WRITE]: "page-fault-write",
  [CAUSE_PAGE_FAULT_FETCH]: "page-fault-fetch",
  [CAUSE_MISALIGNED]: "misaligned-access",
  [CAUSE_ACCESS_FAULT]: "access-fault",
  [CAUSE_DIVIDE_BY_ZERO]: "divide-by-zero",
  [CAUSE_SYSCALL]: "syscall",
  [CAUSE_BREAKPOINT]: "breakpoint",
  [CAUSE_TIMER]: "timer-interrupt",
  [CAUSE_CONSOLE]: "console-interrupt",
  [CAUSE_NET]: "network-interrupt",
};

export function causeName(cause: number): string {
  return CAUSE_NAMES[cause | 0] ?? `cause-${cause >>> 0}`;
}

// ---------------------------------------------------------------------------------------------
// Paging: two levels, 10 + 10 + 12 bits. A page-directory entry points at a page table;
// a page-table entry maps one 4 KiB page. Only P is checked in a directory entry.
//
//   31                     12 11      5   4   3   2   1   0
//  +-------------------------+---------+---+---+---+---+---+
//  | physical frame number   | ignored | D | A | U | W | P |
//  +-------------------------+---------+---+---+---+---+---+

export const PTE_P = 1 << 0; // present
export const PTE_W = 1 << 1; // writable (in both modes)
export const PTE_U = 1 << 2; // user mode may access
export const PTE_A = 1 << 3; // accessed: set by the MMU on any access
export const PTE_D = 1 << 4; // dirty: set by the MMU on a write
export const PTE_FRAME = ~PAGE_MASK;

// ---------------------------------------------------------------------------------------------
// I/O ports (in / out, both privileged). Reading a port that has no device gives -1;
// writing one is ignored.

export const PORT = {
  consoleData: 0, // out: write one byte; in: next input byte, or -1 when there is none
  consoleStatus: 1, // in: 1 when an input byte is waiting, else 0
  netMacLow: 16, // in: MAC address bytes 0..3 (byte 0 in bits 0..7, as `sw` stores them)
  netMacHigh: 17, // in: MAC address bytes 4..5 in bits 0..15
  netStatus: 18, // in: NET_STATUS_* bits (link up)
  netCause: 19, // in: NET_CAUSE_* events not yet acknowledged; out: clears the bits written
  netTxRing: 20, // out: guest-physical address of the transmit ring (word aligned)
  netTxSize: 21, // out: descriptors in the transmit ring, a power of two up to NET_RING_MAX
  netTxTail: 22, // out: the guest's producer index: transmit every descriptor before it
  netTxHead: 23, // in: the device's consumer index: descriptors before it are done
  netRxRing: 24, // out: guest-physical address of the receive ring (word aligned)
  netRxSize: 25, // out: descriptors in the receive ring, a power of two up to NET_RING_MAX
  netRxTail: 26, // out: the guest's producer index: buffers before it may be filled
  netRxHead: 27, // in: the device's producer index: descriptors before it hold frames
} as const;

/** What each port does, for docs/ISA.md (the comments above, once more as text). */
export const PORT_DOCS: Record<keyof typeof PORT, string> = {
  consoleData: "out: write one byte; in: next input byte, or -1 when there is none",
  consoleStatus: "in: 1 when an input byte is waiting, else 0",
  netMacLow: "in: MAC address bytes 0..3 (byte 0 in bits 0..7, as `sw` stores them)",
  netMacHigh: "in: MAC address bytes 4..5 in bits 0..15",
  netStatus: "in: status bits (bit 0: link up)",
  netCause: "in: events not yet acknowledged (bit 0 frame received, bit 1 descriptor error); out: clears the bits written",
  netTxRing: "out: guest-physical address of the transmit ring (word aligned); resets its indices to 0",
  netTxSize: "out: descriptors in the transmit ring, a power of two up to 256 (anything else: 0, no ring); resets its indices",
  netTxTail: "out: the guest's producer index: the device sends every descriptor from its head up to this one",
  netTxHead: "in: the device's consumer index: descriptors before it have been sent (or marked in error)",
  netRxRing: "out: guest-physical address of the receive ring (word aligned); resets its indices to 0",
  netRxSize: "out: descriptors in the receive ring, a power of two up to 256 (anything else: 0, no ring); resets its indices",
  netRxTail: "out: the guest's producer index: the device may fill descriptors from its head up to this one",
  netRxHead: "in: the device's producer index: descriptors before it hold received frames",
};

// ---------------------------------------------------------------------------------------------
// The network device (isa/devices/net.ts). Rings of 8-byte descriptors in guest-physical memory,
// indices counting up for ever (slot = index mod size):
//
//   +0  word  buffer address (guest-physical)
//   +4  word  bits 0..15 length · bit 30 NET_DESC_ERROR · bit 31 NET_DESC_DONE
//
// Transmit: the guest writes address and frame length, then the tail; the device sends the
// frame and writes the word back with DONE. Receive: the guest writes address and buffer size;
// the device writes the frame there and the word back with its length and DONE.

/** Largest frame (Ethernet header and payload, no checksum): 14 + 1500 bytes. */
export const NET_FRAME_MAX = 1514;
/** Smallest frame the device sends: an Ethernet header. */
export const NET_FRAME_MIN = 14;
/**
 * The device's line rate in guest time: sending a frame keeps the transmitter busy for
 * NET_TX_FRAME_TICKS plus NET_TX_TICKS_PER_BYTE per byte; descriptors wait their turn.
 */
export const NET_TX_FRAME_TICKS = 20;
export const NET_TX_TICKS_PER_BYTE = 1;
export const NET_DESC_BYTES = 8;
export const NET_RING_MAX = 256;
export const NET_DESC_LENGTH = 0xffff;
export const NET_DESC_ERROR = 1 << 30;
export const NET_DESC_DONE = 1 << 31;
export const NET_STATUS_LINK = 1 << 0;
/** A frame was written into the receive ring (raises IRQ_NET until cleared). */
export const NET_CAUSE_RX = 1 << 0;
/** A descriptor or ring lay outside memory or had a bad length: it was marked ERROR and skipped. */
export const NET_CAUSE_ERROR = 1 << 1;

// ---------------------------------------------------------------------------------------------
// System calls served by the process VM (`toyvmm run`) and by the bundled guest kernels.
// Number in a0, arguments in a1..a3, result in a0 (negative on error).

export const SYS = {
  exit: 0, // exit(status)
  write: 1, // write(fd, buf, len) -> bytes written
  read: 2, // read(fd, buf, len) -> bytes read, 0 at end of input
  time: 3, // time() -> guest time, low 32 bits
  sbrk: 4, // sbrk(increment) -> previous break, or -1
  yield: 5, // yield()
  sleep: 6, // sleep(ticks)
  getpid: 7, // getpid() -> pid
  spawn: 8, // spawn(program index) -> pid, or -1
  wait: 9, // wait(pid) -> exit status
} as const;
