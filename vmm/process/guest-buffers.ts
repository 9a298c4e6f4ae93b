/**
 * Copies between guest memory and the host for system calls. A guest pointer is just a
 * number the program chose: every copy is bounds-checked first, and a bad pointer or length
 * is an `undefined` / `false` answer (the caller turns it into an EFAULT-style -1), never a
 * JS exception.
 */
import type { Memory } from "../../isa/memory.js";

/** True when [address, address + length) lies inside memory; both are guest int32 values. */
export function inGuest(memory: Memory, address: number, length: number): boolean {
  if (length < 0) return false;
  const start = address >>> 0;
  return start + length <= memory.size;
}

/** A copy of `length` guest bytes at `address`, or undefined when the range is not in memory. */
export function copyFromGuest(memory: Memory, address: number, length: number): Uint8Array | undefined {
  if (!inGuest(memory, address, length)) return undefined;
  return memory.read(address >>> 0, length);
}

/** Writes `data` at `address` (marking the pages dirty); false when it does not fit. */
export function copyToGuest(memory: Memory, address: number, data: Uint8Array): boolean {
  if (!inGuest(memory, address, data.length)) return false;
  memory.write(address >>> 0, data);
  return true;
}
