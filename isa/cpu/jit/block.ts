/**
 * What the CPU and its compiler share: the events that end a slice of straight-line
 * execution, and the shape of a compiled region.
 */
import type { Cpu } from "../cpu.js";

export const EV_NONE = 0;
/** Privileged state changed: re-read mode, interrupts, translation. */
export const EV_RESYNC = 1;
/** Exception: trapCause / trapValue set, pc at the instruction. */
export const EV_FAULT = 2;
export const EV_HALT = 3;
export const EV_WFI = 4;
/** A page that has not arrived; missingPage set, pc at the instruction. */
export const EV_MISSING = 5;

/**
 * A compiled region (region.ts): entered at virtual `pc`, one of its block starts (its words
 * are the physical page it was made from), runs at most `n` instructions with TLB tags of mode
 * bit `k`. Returns how many retired and sets `cpu.jitPc` to where to continue. It stops before
 * anything the interpreter must take (a TLB miss, a slow-path store, a fault), so it changes
 * neither the TLB nor privileged state and raises no event. Returns 0 when it can retire
 * nothing at `pc` (`n` too small for the block there, or its first instruction is such a
 * case): the interpreter then takes the instructions one by one.
 */
export type Block = (cpu: Cpu, regs: Int32Array, pc: number, n: number, k: number) => number;
