/**
 * The debugger's view of guest memory through the guest's page tables: a walk that reads the
 * tables in guest-physical memory and changes nothing (no TLB fill, no A or D bit), so looking
 * never perturbs the guest. With paging off, virtual is physical.
 */
import { PAGE_MASK, PAGE_SHIFT, PTE_A, PTE_D, PTE_FRAME, PTE_P, PTE_U, PTE_W } from "../../isa/arch.js";
import type { Memory } from "../../isa/memory.js";

/** How the guest translates now: paging, its page directory, and the mode checks use. */
export interface Translation {
  paging: boolean;
  ptbr: number;
  kernel: boolean;
}

export interface WalkLevel {
  /** "directory" or "table". */
  level: "directory" | "table";
  /** Physical address of the entry. */
  entryAddress: number;
  /** The entry, or undefined when its address is outside memory. */
  entry: number | undefined;
}

export interface Walk {
  va: number;
  levels: WalkLevel[];
  /** The physical address, or undefined with the reason. */
  pa?: number;
  problem?: string;
}

/** Walks the two levels for `va` from directory `ptbr`, as the MMU would, checking user access when `user`. */
export function walk(memory: Memory, ptbr: number, va: number, user = false): Walk {
  const levels: WalkLevel[] = [];
  const read = (address: number): number | undefined =>
    address >= 0 && address + 4 <= memory.size ? memory.words[address >>> 2] : undefined;
  const pdeAddress = (ptbr & PTE_FRAME) + ((va >>> 22) << 2);
  const pde = read(pdeAddress >>> 0);
  levels.push({ level: "directory", entryAddress: pdeAddress >>> 0, entry: pde });
  if (pde === undefined) return { va, levels, problem: "the page directory is outside memory" };
  if ((pde & PTE_P) === 0) return { va, levels, problem: "directory entry not present" };
  const pteAddress = ((pde & PTE_FRAME) >>> 0) + (((va >>> PAGE_SHIFT) & 0x3ff) << 2);
  const pte = read(pteAddress);
  levels.push({ level: "table", entryAddress: pteAddress, entry: pte });
  if (pte === undefined) return { va, levels, problem: "the page table is outside memory" };
  if ((pte & PTE_P) === 0) return { va, levels, problem: "page not present" };
  if (user && (pte & PTE_U) === 0) return { va, levels, problem: "page not user-accessible" };
  const pa = ((pte & PTE_FRAME) >>> 0) + (va & PAGE_MASK);
  if (pa >= memory.size) return { va, levels, problem: "the frame is outside memory" };
  return { va, levels, pa };
}

/** Physical address of `va` as the guest would reach it now, or -1. */
export function physical(memory: Memory, t: Translation, va: number): number {
  if (!t.paging) return va >>> 0 < memory.size ? va >>> 0 : -1;
  return walk(memory, t.ptbr, va >>> 0, !t.kernel).pa ?? -1;
}

/** `P W U A D` flags of an entry, e.g. `P W - A -`. */
export function entryFlags(entry: number): string {
  const bits: [number, string][] = [
    [PTE_P, "P"],
    [PTE_W, "W"],
    [PTE_U, "U"],
    [PTE_A, "A"],
    [PTE_D, "D"],
  ];
  return bits.map(([bit, name]) => ((entry & bit) !== 0 ? name : "-")).join(" ");
}

/** `length` bytes at virtual `va`, page by page; undefined when any byte is unmapped. */
export function readVirtual(memory: Memory, t: Translation, va: number, length: number): Uint8Array | undefined {
  const out = new Uint8Array(length);
  for (let i = 0; i < length;) {
    const pa = physical(memory, t, (va + i) | 0);
    if (pa < 0) return undefined;
    const n = Math.min(length - i, 4096 - (pa & PAGE_MASK));
    out.set(memory.bytes.subarray(pa, pa + n), i);
    i += n;
  }
  return out;
}
