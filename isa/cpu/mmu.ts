/**
 * Address translation: the page-table walk and a direct-mapped software TLB in front of it.
 *
 * A TLB tag is (virtual page << 1) | kernel, so a change of mode needs no flush; a change of
 * page tables, paging enable or ptbr does (the kernel says so with `tlbflush`). Read (and fetch)
 * and write hits have their own tags, and a write entry exists only for a page that is
 * writable and already marked dirty in its PTE, so the fast path never skips an A/D update.
 *
 * Stores to a page the block compiler translated always take the slow path (no write entry
 * maps it), which drops the page's compiled code (Memory.dropCode).
 *
 * With paging off, virtual = physical and the same TLB serves, so bounds and post-copy
 * "missing page" checks happen only when an entry is filled.
 */
import {
  CAUSE_ACCESS_FAULT,
  CAUSE_PAGE_FAULT_FETCH,
  CAUSE_PAGE_FAULT_READ,
  CAUSE_PAGE_FAULT_WRITE,
  PAGE_SHIFT,
  PTE_A,
  PTE_D,
  PTE_FRAME,
  PTE_P,
  PTE_U,
  PTE_W,
} from "../arch.js";
import type { Memory } from "../memory.js";

export const TLB_BITS = 10;
export const TLB_SIZE = 1 << TLB_BITS;
export const TLB_MASK = TLB_SIZE - 1;

export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_FETCH = 2;
export type Access = typeof ACCESS_READ | typeof ACCESS_WRITE | typeof ACCESS_FETCH;

/** translate() results below zero. */
export const XLATE_FAULT = -1;
export const XLATE_MISSING = -2;

const FAULT_CAUSE = [CAUSE_PAGE_FAULT_READ, CAUSE_PAGE_FAULT_WRITE, CAUSE_PAGE_FAULT_FETCH];

export class Mmu {
  readonly readTag = new Int32Array(TLB_SIZE).fill(-1);
  readonly readPage = new Int32Array(TLB_SIZE);
  readonly writeTag = new Int32Array(TLB_SIZE).fill(-1);
  readonly writePage = new Int32Array(TLB_SIZE);

  paging = false;
  ptbr = 0;
  /** Permission checks use this mode: the CPU's, or under a monitor the virtual CPU's. */
  kernel = true;

  /** Set when translate() fails: the trap cause and the faulting address. */
  faultCause = 0;
  faultAddress = 0;
  /** Set when translate() meets a page that has not arrived (post-copy). */
  missingPage = -1;

  constructor(readonly memory: Memory) {}

  /** Drops the write entries that map physical page `ppn` (it now holds compiled code). */
  forgetWrites(ppn: number): void {
    const page = ppn << PAGE_SHIFT;
    const writePage = this.writePage;
    const writeTag = this.writeTag;
    for (let slot = 0; slot < TLB_SIZE; slot++) if (writePage[slot] === page) writeTag[slot] = -1;
  }

  flush(): void {
    this.readTag.fill(-1);
    this.writeTag.fill(-1);
  }

  /** Sets the translation context; flushes the TLB when paging or the page directory changes. */
  configure(paging: boolean, ptbr: number, kernel: boolean): void {
    if (paging !== this.paging || (paging && ptbr !== this.ptbr)) this.flush();
    this.paging = paging;
    this.ptbr = ptbr;
    this.kernel = kernel;
  }

  /**
   * Translates a virtual address and fills the TLB. Returns the physical address, or
   * XLATE_FAULT (faultCause/faultAddress say why) or XLATE_MISSING (missingPage says which).
   */
  translate(va: number, access: Access): number {
    const memory = this.memory;
    const vpn = va >>> PAGE_SHIFT;
    const kernel = this.kernel;
    let ppn = vpn;
    let writable = true;
    if (this.paging) {
      const pdeAddress = (this.ptbr & PTE_FRAME) + ((va >>> 22) << 2);
      if (!this.checkFrame(pdeAddress >>> PAGE_SHIFT, va)) return this.missingPage >= 0 ? XLATE_MISSING : XLATE_FAULT;
      const pde = memory.words[pdeAddress >>> 2]!;
      if ((pde & PTE_P) === 0) return this.pageFault(va, access);
      const pteAddress = ((pde & PTE_FRAME) >>> 0) + (((va >>> PAGE_SHIFT) & 0x3ff) << 2);
      if (!this.checkFrame(pteAddress >>> PAGE_SHIFT, va)) return this.missingPage >= 0 ? XLATE_MISSING : XLATE_FAULT;
      const pte = memory.words[pteAddress >>> 2]!;
      if ((pte & PTE_P) === 0) return this.pageFault(va, access);
      if (!kernel && (pte & PTE_U) === 0) return this.pageFault(va, access);
      writable = (pte & PTE_W) !== 0;
      if (access === ACCESS_WRITE && !writable) return this.pageFault(va, access);
      ppn = pte >>> PAGE_SHIFT;
      if (!this.checkFrame(ppn, va)) return this.missingPage >= 0 ? XLATE_MISSING : XLATE_FAULT;
      const updated = pte | PTE_A | (access === ACCESS_WRITE ? PTE_D : 0);
      if (updated !== pte) {
        memory.words[pteAddress >>> 2] = updated;
        memory.dirty[pteAddress >>> PAGE_SHIFT] = 1;
        memory.dropCode(pteAddress >>> PAGE_SHIFT);
      }
      writable = writable && (updated & PTE_D) !== 0;
    } else if (!this.checkFrame(ppn, va)) {
      return this.missingPage >= 0 ? XLATE_MISSING : XLATE_FAULT;
    }
    // A page with compiled code gets no write entry: its stores come here and drop the code.
    if (writable && memory.code[ppn] !== 0) {
      if (access === ACCESS_WRITE) memory.dropCode(ppn);
      else writable = false;
    }
    const slot = vpn & TLB_MASK;
    const tag = (vpn << 1) | (kernel ? 1 : 0);
    this.readTag[slot] = tag;
    this.readPage[slot] = ppn << PAGE_SHIFT;
    if (writable) {
      this.writeTag[slot] = tag;
      this.writePage[slot] = ppn << PAGE_SHIFT;
    }
    return (ppn << PAGE_SHIFT) | (va & ((1 << PAGE_SHIFT) - 1));
  }

  /** True when the physical frame exists and has arrived; otherwise records why not. */
  private checkFrame(ppn: number, va: number): boolean {
    const memory = this.memory;
    if (ppn >= memory.pageCount) {
      this.faultCause = CAUSE_ACCESS_FAULT;
      this.faultAddress = va;
      this.missingPage = -1;
      return false;
    }
    if (memory.missingCount !== 0 && memory.missing[ppn] !== 0) {
      this.missingPage = ppn;
      return false;
    }
    return true;
  }

  private pageFault(va: number, access: Access): number {
    this.faultCause = FAULT_CAUSE[access]!;
    this.faultAddress = va;
    this.missingPage = -1;
    return XLATE_FAULT;
  }
}
