/**
 * How a host gives its VMs time on the wall clock. Each turn runs the VMs round robin in slices
 * of guest ticks until they have caught up with the clock, or for at most TURN_NS of wall time,
 * and then returns how long until one is due again, so that the driver can serve its sockets in
 * between (loop.ts). Each VM is paced on its own at `speed` ticks per wall second (or as fast as
 * the host can, `max`); a VM that has not been given time (paused, waiting, the host busy)
 * starts its pacing over when it runs again rather than rushing to catch up.
 *
 * Slices adapt to the guest: a slice aims at SLICE_NS of wall time, measured, so a VM running
 * cheap idle ticks gets long slices and one running hot code short ones, and the host stays
 * responsive under either. Guest time is the guest's own: slicing never changes what it computes.
 */
import type { HostVm, SliceEnd } from "./host-vm.js";

/** Nanoseconds since some fixed moment, never going back. */
export interface WallClock {
  now(): number;
}

/** Guest ticks per wall second, or as fast as the host can. */
export type Speed = number | "max";

const MS = 1_000_000;
/** Most wall time a turn takes before the host serves its sockets again. */
export const TURN_NS = 10 * MS;
/** Wall time one slice aims at. */
const SLICE_NS = 2 * MS;
/** The most wall time a paced guest makes up for after it was held back. */
const CATCH_UP_NS = 100 * MS;
const MIN_SLICE = 1_000;
const MAX_SLICE = 5_000_000;

interface Pace {
  /** The guest was at `epochTicks` at wall time `epochNs`. */
  epochNs: number;
  epochTicks: number;
  /** Ticks the next slice may take. */
  slice: number;
  /** Set while the VM gets no time; its pacing starts over when it runs again. */
  held: boolean;
}

export class HostScheduler {
  private readonly vms: HostVm[] = [];
  private readonly paces = new Map<HostVm, Pace>();
  private next = 0;

  constructor(
    readonly speed: Speed,
    private readonly clock: WallClock,
    /** Told of every slice that ended the VM or left it waiting. */
    private readonly onSliceEnd: (vm: HostVm, end: Exclude<SliceEnd, "budget">) => void,
  ) {}

  add(vm: HostVm): void {
    this.vms.push(vm);
    this.paces.set(vm, { epochNs: 0, epochTicks: 0, slice: 10_000, held: true });
  }

  remove(vm: HostVm): void {
    const index = this.vms.indexOf(vm);
    if (index < 0) return;
    this.vms.splice(index, 1);
    this.paces.delete(vm);
    if (this.next > index) this.next--;
  }

  /**
   * Runs the VMs for one turn; returns the nanoseconds until one is due again (0: at once,
   * Infinity: none can run until something changes).
   */
  turn(): number {
    const start = this.clock.now();
    for (;;) {
      let ran = false;
      const count = this.vms.length;
      for (let i = 0; i < count && this.vms.length > 0; i++) {
        const vm = this.vms[(this.next + i) % this.vms.length]!;
        if (this.slice(vm)) ran = true;
        if (this.clock.now() - start >= TURN_NS) {
          this.next = (this.next + i + 1) % Math.max(1, this.vms.length);
          return 0;
        }
      }
      if (!ran) return this.untilDue();
    }
  }

  /** Gives `vm` one slice if it is owed one; true when it ran. */
  private slice(vm: HostVm): boolean {
    const pace = this.paces.get(vm)!;
    if (!vm.runnable) {
      pace.held = true;
      return false;
    }
    const now = this.clock.now();
    if (pace.held) {
      pace.held = false;
      pace.epochNs = now;
      pace.epochTicks = vm.ticks;
    }
    const owed = this.owed(vm, pace, now);
    if (owed < 1) return false;
    const budget = Math.min(owed, pace.slice);
    const before = vm.ticks;
    const end = vm.run(budget);
    const elapsed = this.clock.now() - now;
    pace.slice = nextSlice(pace.slice, vm.ticks - before >= budget, elapsed);
    if (end !== "budget") {
      pace.held = true;
      this.onSliceEnd(vm, end);
    }
    return true;
  }

  /** Ticks `vm` may run now: all a slice can take at `max`, else what the clock says it is behind. */
  private owed(vm: HostVm, pace: Pace, now: number): number {
    if (this.speed === "max") return pace.slice;
    const cap = Math.max(1, Math.floor((this.speed * CATCH_UP_NS) / 1e9));
    const owed = pace.epochTicks + Math.floor(((now - pace.epochNs) / 1e9) * this.speed) - vm.ticks;
    if (owed <= cap) return owed;
    // Held back too long: the time beyond the cap is lost, as for a descheduled machine.
    pace.epochNs = now;
    pace.epochTicks = vm.ticks + cap;
    return cap;
  }

  /** Nanoseconds until some VM is owed a millisecond's worth of ticks (at least one). */
  private untilDue(): number {
    let soonest = Infinity;
    const now = this.clock.now();
    for (const vm of this.vms) {
      if (!vm.runnable) continue;
      if (this.speed === "max") return 0;
      const pace = this.paces.get(vm)!;
      if (pace.held) return 0;
      const step = Math.max(1, Math.floor(this.speed / 1000));
      const due = pace.epochNs + ((vm.ticks + step - pace.epochTicks) / this.speed) * 1e9;
      soonest = Math.min(soonest, Math.max(0, due - now));
    }
    return soonest;
  }
}

/** The next slice's ticks: shrunk when this one ran long, grown when it used its budget quickly. */
function nextSlice(slice: number, usedBudget: boolean, elapsedNs: number): number {
  if (elapsedNs > 2 * SLICE_NS) return Math.max(MIN_SLICE, Math.floor((slice * SLICE_NS) / elapsedNs));
  if (usedBudget && elapsedNs < SLICE_NS / 2) return Math.min(MAX_SLICE, slice * 2);
  return slice;
}
