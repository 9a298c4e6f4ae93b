/**
 * Address translation: the page-table walk and the TLB in front of it.
 *
 * The TLB is architectural (docs/ISA.md, "TLB"): what a guest sees depends on its entries, so
 * they must be the same however the host slices its time, compiles its code or saves and
 * restores it. Direct-mapped, TLB_SIZE entries, slot = virtual page mod TLB_SIZE; an entry is
 * (virtual page, mode, frame, may-write). A hit needs page and mode to match, and may-write
 * for a store; anything else walks, and a walk that succeeds replaces the slot's entry. An
 * entry may write only if its PTE was writable and already dirty, so no store skips setting
 * D. Which events empty the TLB is privileged state's rule (privileged.ts), not this file's.
 *
 * The hot paths (interpreter, compiled blocks) test `readTag` and `writeTag`, copies of the
 * tags kept only where an inline hit is exact: no copy for a frame that has not arrived yet
 * (post-copy), no write copy for a frame holding compiled code (its stores must come here to
 * drop it, Memory.dropCode). Those accesses hit the entry here, without a walk.
 *
 * With paging off, virtual = physical and the same TLB serves, so bounds and post-copy
 * "missing page" checks happen only in the slow path.
 */
import {
  CAUSE_ACCESS_FAULT,
  CAUSE_PAGE_FAULT_FETCH,
  CAUSE_PAGE_FAULT_READ,
  CAUSE_PAGE_FAULT_WRITE,
  PAGE_MASK,
  PAGE_SHIFT,
  PTE_A,
  PTE_D,
  PTE_FRAME,
  PTE_P,
  PTE_U,
  PTE_W,
} from "../arch.js";
import { UserError } from "../errors.js";
import type { Memory } from "../memory.js";

export const TLB_BITS = 10;
export const TLB_SIZE = 1 << TLB_BITS;
export const TLB_MASK = TLB_SIZE - 1;

/** A saved entry: its slot is page mod TLB_SIZE. */
export type TlbEntry = [page: number, frame: number, flags: number];
/** TlbEntry flags: filled in kernel mode; may serve stores. */
export const TLB_KERNEL = 1;
export const TLB_WRITE = 2;

export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_FETCH = 2;
export type Access = typeof ACCESS_READ | typeof ACCESS_WRITE | typeof ACCESS_FETCH;

/** translate() results below zero. */
export const XLATE_FAULT = -1;
export const XLATE_MISSING = -2;

const FAULT_CAUSE = [CAUSE_PAGE_FAULT_READ, CAUSE_PAGE_FAULT_WRITE, CAUSE_PAGE_FAULT_FETCH];
const VIRTUAL_PAGES = 1 << (32 - PAGE_SHIFT);

/** A value from a saved state, short and on one line, for a message. */
const shown = (value: unknown): string => (JSON.stringify(value) ?? String(value)).slice(0, 24);
/** Whether `n` is a whole number from 0 to below `end`. */
export const isBelow = (n: unknown, end: number): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) < end;

export class Mmu {
  /** The entries: tag = (virtual page << 1) | kernel, or -1 when empty. */
  readonly tag = new Int32Array(TLB_SIZE).fill(-1);
  /** Physical address of the entry's frame. */
  readonly frame = new Int32Array(TLB_SIZE);
  /** 1 where the entry may serve stores. */
  readonly writable = new Uint8Array(TLB_SIZE);
  /** The hot paths' copies of `tag` (see above). */
  readonly readTag = new Int32Array(TLB_SIZE).fill(-1);
  readonly writeTag = new Int32Array(TLB_SIZE).fill(-1);

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

  /** Frame `ppn` now holds compiled code: its stores must take the slow path. */
  forgetWrites(ppn: number): void {
    const page = ppn << PAGE_SHIFT;
    const frame = this.frame;
    const writeTag = this.writeTag;
    for (let slot = 0; slot < TLB_SIZE; slot++) if (frame[slot] === page) writeTag[slot] = -1;
  }

  flush(): void {
    this.tag.fill(-1);
    this.readTag.fill(-1);
    this.writeTag.fill(-1);
  }

  /** Sets the translation context. Never flushes: the caller applies the architecture's rule. */
  configure(paging: boolean, ptbr: number, kernel: boolean): void {
    this.paging = paging;
    this.ptbr = ptbr;
    this.kernel = kernel;
  }

  /**
   * Translates a virtual address through the TLB, walking the page tables on a miss. Returns
   * the physical address, or XLATE_FAULT (faultCause/faultAddress say why) or XLATE_MISSING
   * (missingPage says which).
   */
  translate(va: number, access: Access): number {
    const vpn = va >>> PAGE_SHIFT;
    const slot = vpn & TLB_MASK;
    const tag = (vpn << 1) | (this.kernel ? 1 : 0);
    if (this.tag[slot] !== tag || (access === ACCESS_WRITE && this.writable[slot] === 0)) return this.walk(va, access);
    const ppn = this.frame[slot]! >>> PAGE_SHIFT;
    if (!this.checkFrame(ppn, va)) return XLATE_MISSING; // it was in memory when the entry was made
    const pa = this.frame[slot]! | (va & PAGE_MASK);
    this.expose(slot, access, pa);
    return pa;
  }

  private walk(va: number, access: Access): number {
    const memory = this.memory;
    const vpn = va >>> PAGE_SHIFT;
    let ppn = vpn;
    let writable = true;
    if (this.paging) {
      const pdeAddress = (this.ptbr & PTE_FRAME) + ((va >>> 22) << 2);
      if (!this.checkFrame(pdeAddress >>> PAGE_SHIFT, va)) return this.missingPage >= 0 ? XLATE_MISSING : XLATE_FAULT;
      const pde = memory.words[pdeAddress >>> 2]!;
      if ((pde & PTE_P) === 0) return this.pageFault(va, access);
      const pteAddress = ((pde & PTE_FRAME) >>> 0) + ((vpn & 0x3ff) << 2);
      if (!this.checkFrame(pteAddress >>> PAGE_SHIFT, va)) return this.missingPage >= 0 ? XLATE_MISSING : XLATE_FAULT;
      const pte = memory.words[pteAddress >>> 2]!;
      if ((pte & PTE_P) === 0) return this.pageFault(va, access);
      if (!this.kernel && (pte & PTE_U) === 0) return this.pageFault(va, access);
      writable = (pte & PTE_W) !== 0;
      if (access === ACCESS_WRITE && !writable) return this.pageFault(va, access);
      ppn = pte >>> PAGE_SHIFT;
      if (!this.checkFrame(ppn, va)) return this.missingPage >= 0 ? XLATE_MISSING : XLATE_FAULT;
      const updated = pte | PTE_A | (access === ACCESS_WRITE ? PTE_D : 0);
      if (updated !== pte) {
        memory.words[pteAddress >>> 2] = updated;
        memory.dirty[pteAddress >>> PAGE_SHIFT] = 1;
        memory.storeDropsCode(pteAddress, 4);
      }
      writable = writable && (updated & PTE_D) !== 0;
    } else if (!this.checkFrame(ppn, va)) {
      return this.missingPage >= 0 ? XLATE_MISSING : XLATE_FAULT;
    }
    const slot = vpn & TLB_MASK;
    this.tag[slot] = (vpn << 1) | (this.kernel ? 1 : 0);
    this.frame[slot] = ppn << PAGE_SHIFT;
    this.writable[slot] = writable ? 1 : 0;
    const pa = (ppn << PAGE_SHIFT) | (va & PAGE_MASK);
    this.expose(slot, access, pa);
    return pa;
  }

  /** Gives the hot paths the slot's entry, whose frame is in memory, for `access` at `pa`. */
  private expose(slot: number, access: Access, pa: number): void {
    const tag = this.tag[slot]!;
    const ppn = pa >>> PAGE_SHIFT;
    const memory = this.memory;
    let fast = this.writable[slot] !== 0;
    // A frame with compiled code gets no write copy: its stores come here. One to a compiled
    // word (aligned, so within the word at pa) drops the code and the frame is plain data again;
    // one to the frame's other words (variables beside the code) leaves the code, and its
    // next store comes here too.
    if (fast && memory.code[ppn] !== 0) fast = access === ACCESS_WRITE && memory.storeDropsCode(pa & ~3, 4);
    this.readTag[slot] = tag;
    this.writeTag[slot] = fast ? tag : -1;
  }

  /** The valid entries, in slot order. */
  entries(): TlbEntry[] {
    const out: TlbEntry[] = [];
    for (let slot = 0; slot < TLB_SIZE; slot++) {
      const tag = this.tag[slot]!;
      if (tag === -1) continue;
      const flags = (tag & 1 ? TLB_KERNEL : 0) | (this.writable[slot] ? TLB_WRITE : 0);
      out.push([tag >>> 1, this.frame[slot]! >>> PAGE_SHIFT, flags]);
    }
    return out;
  }

  /**
   * Replaces the TLB with saved entries, or changes nothing and names the first it cannot hold.
   * Plain loops, no closure per entry: a migration's destination loads a full TLB in cold code.
   */
  load(entries: readonly TlbEntry[]): void {
    if (!Array.isArray(entries)) throw new UserError("CPU state: the TLB is not a list of entries");
    const memory = this.memory;
    const taken = new Uint8Array(TLB_SIZE);
    for (let i = 0; i < entries.length; i++) {
      const problem = this.entryProblem(entries[i], taken);
      if (problem) throw new UserError(`CPU state: TLB entry ${i}: ${problem}`);
    }
    this.flush();
    for (let i = 0; i < entries.length; i++) {
      const [page, frame, flags] = entries[i]!;
      const slot = page & TLB_MASK;
      this.tag[slot] = (page << 1) | (flags & TLB_KERNEL);
      this.frame[slot] = frame << PAGE_SHIFT;
      this.writable[slot] = flags & TLB_WRITE ? 1 : 0;
      if (memory.missingCount === 0 || memory.missing[frame] === 0) this.expose(slot, ACCESS_READ, frame << PAGE_SHIFT);
    }
  }

  /** Why this TLB cannot hold `entry` (its slot marked in `taken` when it can), or null. */
  private entryProblem(entry: unknown, taken: Uint8Array): string | null {
    if (!Array.isArray(entry) || entry.length !== 3) return "is not [page, frame, flags]";
    const [page, frame, flags] = entry as unknown[];
    if (!isBelow(page, VIRTUAL_PAGES)) return `page ${shown(page)} is not a virtual page number`;
    if (!isBelow(frame, this.memory.pageCount)) return `frame ${shown(frame)} is outside memory`;
    if (!isBelow(flags, (TLB_KERNEL | TLB_WRITE) + 1)) return `flags ${shown(flags)} are not TLB_KERNEL and/or TLB_WRITE`;
    if (taken[page & TLB_MASK]) return `slot ${page & TLB_MASK} is taken by an earlier entry`;
    taken[page & TLB_MASK] = 1;
    return null;
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
