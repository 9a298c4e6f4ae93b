/**
 * Breakpoints, watchpoints and catchpoints, numbered together from 1 as gdb numbers them, each
 * belonging to one VM of the session.
 */
import { Op } from "../../isa/opcodes.js";

export interface Breakpoint {
  id: number;
  type: "breakpoint";
  vm: number;
  address: number;
  temporary: boolean;
  /** `if EXPR`: stop only where it is not 0. */
  condition?: string;
  hits: number;
  /** As the user wrote the location. */
  location: string;
}

export interface Watchpoint {
  id: number;
  type: "watchpoint";
  vm: number;
  /** `write`: watch (a store, or a system call filling a buffer); `read`: rwatch (a load). */
  access: "write" | "read";
  address: number;
  length: number;
  condition?: string;
  hits: number;
  location: string;
}

export interface Catchpoint {
  id: number;
  type: "catchpoint";
  vm: number;
  what: "trap" | "syscall";
  /** A trap cause or a system-call number; undefined for any. */
  number?: number;
  hits: number;
  location: string;
}

export type Point = Breakpoint | Watchpoint | Catchpoint;

/** A load or store an instruction is about to make. */
export interface DataAccess {
  write: boolean;
  address: number;
  size: number;
}

const SIZES: Record<number, [write: boolean, size: number]> = {
  [Op.LW]: [false, 4],
  [Op.LH]: [false, 2],
  [Op.LHU]: [false, 2],
  [Op.LB]: [false, 1],
  [Op.LBU]: [false, 1],
  [Op.SW]: [true, 4],
  [Op.SH]: [true, 2],
  [Op.SB]: [true, 1],
};

/** The data access of `word` with registers `regs`, or undefined for an instruction that makes none. */
export function dataAccess(word: number, regs: ArrayLike<number>): DataAccess | undefined {
  const kind = SIZES[word & 0xff];
  if (!kind) return undefined;
  return { write: kind[0], address: (regs[(word >>> 12) & 15]! + (word >> 16)) >>> 0, size: kind[1] };
}

/** [address, address + length) and [start, start + size) overlap. */
export function overlaps(address: number, length: number, start: number, size: number): boolean {
  return start < address + length && address < start + size;
}
