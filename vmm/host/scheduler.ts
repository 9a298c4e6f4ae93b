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
 *
 * A migration's convergence control slows a VM (`slow`, as pacer.ts does on virtual time):
 *   throttle      p% of its instructions taken away: paced at speed × (100 − p)%; at `max`, held
 *                 after each slice for p/(100 − p) of the slice's wall time
 *   dirty limit   after a slice that dirtied more distinct pages than L per second allows for the
 *                 time it took, it is held until the limit has caught up (a millisecond's credit)
 */
import { countDirty } from "../migration/pages.js";
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
/** Credit a slow VM may bank against its dirty limit while it dirties less. */
const DIRTY_CREDIT_NS = 1 * MS;
const MAX_SLICE = 5_000_000;

interface Pace {
  /** The guest was at `epochTicks` at wall time `epochNs`. */
  epochNs: number;
  epochTicks: number;
  /** Ticks the next slice may take. */
  slice: number;
  /** Set while the VM gets no time; its pacing starts over when it runs again. */
  held: boolean;
  /** Convergence control: percent of its instructions taken away, most distinct pages dirtied per second (0: none). */
  throttle: number;
  dirtyLimit: number;
  /** Dirty limit: ns the VM is ahead of (> 0) or behind (< 0) what the limit allows. */
  dirtyDebtNs: number;
  /** It gets no time before this wall time (the throttle or the dirty limit holds it). */
  holdUntilNs: number;
  /** Wall ns the dirty limit has held it, in all, and of that the last hold's (which may not have ended yet). */
  dirtyHeldNs: number;
  lastDirtyHoldNs: number;
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
    /** Told after every slice (the host's network moves what the VM sent). */
    private readonly afterSlice: () => void = () => {},
  ) {}

  add(vm: HostVm): void {
    this.vms.push(vm);
    this.paces.set(vm, { epochNs: 0, epochTicks: 0, slice: 10_000, held: true, throttle: 0, dirtyLimit: 0, dirtyDebtNs: 0, holdUntilNs: 0, dirtyHeldNs: 0, lastDirtyHoldNs: 0 });
  }

  /** From now on `throttle`% of the VM's instructions are taken away and it dirties at most `dirtyLimit` pages per second (0: no limit). */
  slow(vm: HostVm, throttle: number, dirtyLimit: number): void {
    const pace = this.paces.get(vm);
    if (!pace) return;
    Object.assign(pace, { throttle, dirtyLimit, dirtyDebtNs: 0, held: true });
  }

  /** Wall ns the dirty limit has held `vm` since it came to this host (0 for a VM not here). */
  dirtyLimitHeldNs(vm: HostVm): number {
    const pace = this.paces.get(vm);
    if (!pace) return 0;
    // The hold still running counts as far as it has gone.
    const ahead = Math.max(0, pace.holdUntilNs - this.clock.now());
    return pace.dirtyHeldNs - Math.min(pace.lastDirtyHoldNs, ahead);
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
    if (now < pace.holdUntilNs) return false;
    if (pace.held) {
      pace.held = false;
      pace.epochNs = now;
      pace.epochTicks = vm.ticks;
    }
    const owed = this.owed(vm, pace, now);
    if (owed < 1) return false;
    const budget = Math.min(owed, pace.slice, vm.sliceMax);
    const before = vm.ticks;
    const dirtyBefore = pace.dirtyLimit > 0 ? countDirty(vm.guest.vm.memory) : 0;
    const end = vm.run(budget);
    this.afterSlice();
    const elapsed = this.clock.now() - now;
    pace.slice = nextSlice(pace.slice, vm.ticks - before >= budget, elapsed);
    if (pace.throttle > 0 || pace.dirtyLimit > 0) {
      const dirtied = pace.dirtyLimit > 0 ? countDirty(vm.guest.vm.memory) - dirtyBefore : 0;
      this.holdAfter(pace, vm.ticks - before, elapsed, dirtied);
    }
    if (end !== "budget") {
      pace.held = true;
      this.onSliceEnd(vm, end);
    }
    return true;
  }

  /** Guest ticks per wall second for this VM: the host's speed less its throttle. */
  private rate(pace: Pace): number {
    return Math.max(1, Math.floor(((this.speed as number) * (100 - pace.throttle)) / 100));
  }

  /** After a slow VM's slice of `ticks` in `elapsedNs` that dirtied `pages` new pages: hold it for what it is ahead. */
  private holdAfter(pace: Pace, ticks: number, elapsedNs: number, pages: number): void {
    const max = this.speed === "max";
    // At max speed the throttle is a share of wall time; paced, it is in the rate already.
    let holdNs = max ? (elapsedNs * pace.throttle) / (100 - pace.throttle) : 0;
    if (pace.dirtyLimit > 0) {
      const tookNs = max ? elapsedNs + holdNs : (ticks * 1e9) / this.rate(pace);
      pace.dirtyDebtNs = Math.max(-DIRTY_CREDIT_NS, pace.dirtyDebtNs + (pages * 1e9) / pace.dirtyLimit - tookNs);
      if (pace.dirtyDebtNs > 0) {
        holdNs += pace.dirtyDebtNs;
        pace.dirtyHeldNs += pace.dirtyDebtNs;
        pace.lastDirtyHoldNs = pace.dirtyDebtNs;
        pace.dirtyDebtNs = 0;
      }
    }
    if (holdNs <= 0) return;
    pace.holdUntilNs = this.clock.now() + holdNs;
    // Paced, the time held is not owed afterwards.
    pace.epochNs += holdNs;
  }

  /** Ticks `vm` may run now: all a slice can take at `max`, else what the clock says it is behind. */
  private owed(vm: HostVm, pace: Pace, now: number): number {
    if (this.speed === "max") return pace.slice;
    const rate = this.rate(pace);
    const cap = Math.max(1, Math.floor((rate * CATCH_UP_NS) / 1e9));
    const owed = pace.epochTicks + Math.floor(((now - pace.epochNs) / 1e9) * rate) - vm.ticks;
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
      const pace = this.paces.get(vm)!;
      if (now < pace.holdUntilNs) {
        soonest = Math.min(soonest, pace.holdUntilNs - now);
        continue;
      }
      if (this.speed === "max" || pace.held) return 0;
      const rate = this.rate(pace);
      const step = Math.max(1, Math.floor(rate / 1000));
      const due = pace.epochNs + ((vm.ticks + step - pace.epochTicks) / rate) * 1e9;
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
