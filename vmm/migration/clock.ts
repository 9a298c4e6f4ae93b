/**
 * Time for migration, in integer nanoseconds. The engine asks a Clock for "now" and never reads
 * the wall clock itself; the simulated world uses a VirtualClock that only moves when the
 * engine advances it to the next event, so every run is exactly repeatable.
 */
export interface Clock {
  now(): number;
}

export class VirtualClock implements Clock {
  private t = 0;
  now(): number {
    return this.t;
  }
  advanceTo(t: number): void {
    if (t < this.t) throw new Error(`virtual time cannot go back from ${this.t} to ${t}`);
    this.t = t;
  }
}

export const NS_PER_SECOND = 1_000_000_000;

/** ceil(a * b / c) for non-negative integers, exactly (BigInt inside). */
export function mulDivCeil(a: number, b: number, c: number): number {
  const n = BigInt(a) * BigInt(b);
  const d = BigInt(c);
  return Number((n + d - 1n) / d);
}

/** floor(a * b / c) for non-negative integers, exactly. */
export function mulDivFloor(a: number, b: number, c: number): number {
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}
