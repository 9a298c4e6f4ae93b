/**
 * The rules of privileged state, as pure functions: the bare CPU applies them to its own
 * control registers, the monitor to a virtual CPU's. One definition keeps the two identical.
 */
import {
  CAUSE_CONSOLE,
  CAUSE_NET,
  CAUSE_TIMER,
  CSR,
  CSR_COUNT,
  IRQ_CONSOLE,
  IRQ_TIMER,
  IRQ_WRITABLE,
  STATUS_IE,
  STATUS_KERNEL,
  STATUS_PIE,
  STATUS_PG,
  STATUS_PKERNEL,
  STATUS_WRITABLE,
} from "../arch.js";

/** STATUS after entering a trap: previous mode and enable saved, kernel mode, interrupts off. */
export function statusOnTrap(status: number): number {
  let next = status & ~(STATUS_PKERNEL | STATUS_PIE | STATUS_IE);
  if (status & STATUS_KERNEL) next |= STATUS_PKERNEL;
  if (status & STATUS_IE) next |= STATUS_PIE;
  return next | STATUS_KERNEL;
}

/** STATUS after `sret`: mode and enable restored from the saved copies. */
export function statusOnReturn(status: number): number {
  let next = status & ~(STATUS_KERNEL | STATUS_IE);
  if (status & STATUS_PKERNEL) next |= STATUS_KERNEL;
  if (status & STATUS_PIE) next |= STATUS_IE;
  return next;
}

/**
 * Trap entry on a set of control registers (the CPU's, or a virtual CPU's): status saved and
 * kernel mode entered, epc, cause and fault recorded. Returns the new pc: tvec.
 */
export function enterTrap(csr: Int32Array, cause: number, value: number, epc: number): number {
  csr[CSR.status] = statusOnTrap(csr[CSR.status]!);
  csr[CSR.epc] = epc;
  csr[CSR.cause] = cause;
  csr[CSR.fault] = value;
  return csr[CSR.tvec]!;
}

/** `sret` on a set of control registers. Returns the new pc: epc. */
export function returnFromTrap(csr: Int32Array): number {
  csr[CSR.status] = statusOnReturn(csr[CSR.status]!);
  return csr[CSR.epc]!;
}

/**
 * The value `csrw` stores, or undefined when the register is read-only or does not exist.
 * `sources` are the interrupt bits the machine's devices add to IRQ_WRITABLE (IRQ_NET with a NIC).
 */
export function csrWriteValue(index: number, value: number, sources = 0): number | undefined {
  switch (index) {
    case CSR.status:
      return value & STATUS_WRITABLE;
    case CSR.imask:
      return value & (IRQ_WRITABLE | sources);
    case CSR.time:
    case CSR.ipend:
      return undefined;
    default:
      return index >= 0 && index < CSR_COUNT ? value | 0 : undefined;
  }
}

/**
 * Whether a `csrw` that changes register `index` from `old` to `stored` empties the TLB: every
 * write of ptbr (reloading it is how kernels flush), and a write of status that turns paging
 * on or off. Trap entry, sret and changes of mode never do: entries are tagged with the mode.
 */
export function csrWriteFlushesTlb(index: number, old: number, stored: number): boolean {
  return index === CSR.ptbr || (index === CSR.status && ((old ^ stored) & STATUS_PG) !== 0);
}

/** Timer interrupt pending bit for a guest time (low 32 bits) and compare value. */
export function timerPending(time32: number, timecmp: number): number {
  return ((time32 - timecmp) | 0) >= 0 ? IRQ_TIMER : 0;
}

/** Ticks until the timer becomes pending (0 when it already is): 1 .. 2^31 otherwise. */
export function ticksUntilTimer(time32: number, timecmp: number): number {
  // Not pending means (time - timecmp) is in [-2^31, -1], so the distance is in [1, 2^31];
  // as int32 the far end would read -2^31, hence the unsigned view.
  return timerPending(time32, timecmp) ? 0 : (timecmp - time32) >>> 0;
}

/**
 * `wfi` with `left` (> 0) ticks of budget: the idle ticks that pass before it retires, or -1
 * when no enabled source can wake it (timer masked, nothing pending). It retires when the
 * result is below `left`, taking one more tick. With the timer enabled it idles to the tick
 * before the deadline and retires on the deadline's tick, so the interrupt is then taken with
 * epc after the wfi (were epc the wfi, `sret` would wait again, for ever). `wakers` are the
 * sources a device may raise on its own while the guest waits (a NIC on a link): enabled, they
 * let it idle the whole budget, and whoever delivers the event cuts the budget at its tick.
 */
export function wfiIdleTicks(pending: number, imask: number, time32: number, timecmp: number, left: number, wakers = 0): number {
  if ((pending & imask) !== 0) return 0;
  if ((imask & IRQ_TIMER) === 0) return (imask & wakers) !== 0 ? left : -1;
  return Math.min(left, ticksUntilTimer(time32, timecmp) - 1);
}

/** The cause of the interrupt taken for these pending-and-enabled sources: the timer first, the network last. */
export function interruptCause(pendingEnabled: number): number {
  if (pendingEnabled & IRQ_TIMER) return CAUSE_TIMER;
  return pendingEnabled & IRQ_CONSOLE ? CAUSE_CONSOLE : CAUSE_NET;
}
