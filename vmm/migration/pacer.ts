/**
 * Guest time against virtual time: a running guest retires `speed` ticks per virtual second.
 * The pacer runs the VM up to a virtual time and says when it stopped early (halt, a missing
 * page, nothing left to do). After a stall the pacer restarts from the stall's end.
 *
 * Convergence control (protocol/converge.ts) slows the source's guest in two ways:
 *   throttle      a share of its instructions taken away: it runs at speed × (100 − p)%
 *   dirty limit   it runs in slices of a millisecond of guest time, and after a slice that
 *                 dirtied more pages than the limit allows for the time it took, it is held
 *                 (runs nothing) until the limit has caught up; a millisecond's credit at most
 */
import { mulDivCeil, mulDivFloor, NS_PER_SECOND } from "./clock.js";
import { countDirty } from "./pages.js";
import type { MigratableVm, VmExit } from "./vm-port.js";

/** Credit an idle guest may bank against the dirty limit, and the slice it runs in: 1 ms. */
const LIMIT_SLICE_NS = 1_000_000;

export class GuestPacer {
  private epochNs: number;
  private epochTicks: number;
  /** Ticks per virtual second now: `speed` less the throttle. */
  private rate: number;
  /** Dirty limit: ns the guest is ahead of (> 0) or behind (< 0) what the limit allows. */
  private dirtyDebtNs = 0;
  /** Set when the guest can make no progress by running (halted or blocked). */
  finished = false;
  ticksRun = 0;
  /** Virtual ns the dirty limit held the guest. */
  heldNs = 0;

  constructor(
    readonly vm: MigratableVm,
    readonly speed: number,
    startNs: number,
    /** Most distinct pages dirtied per virtual second; 0: no limit. */
    private dirtyLimit = 0,
  ) {
    this.epochNs = startNs;
    this.epochTicks = vm.ticks;
    this.rate = speed;
  }

  /** The guest resumes at `now` after being stopped or stalled. */
  resumeAt(now: number): void {
    this.epochNs = now;
    this.epochTicks = this.vm.ticks;
  }

  /** From `now` on, `percent`% of the guest's instructions are taken away. */
  throttle(now: number, percent: number): void {
    this.resumeAt(now);
    this.rate = Math.max(1, Math.floor((this.speed * (100 - percent)) / 100));
  }

  /** The guest goes on at `now` at its full speed, without throttle or dirty limit (a migration that failed). */
  release(now: number): void {
    this.throttle(now, 0);
    this.dirtyLimit = 0;
  }

  /** Runs the guest up to virtual time `t`; returns the exit and the virtual time it happened. */
  runTo(t: number): { exit: VmExit; at: number } {
    if (this.finished) return { exit: { reason: "halted" }, at: t };
    for (;;) {
      const target = this.epochTicks + mulDivFloor(Math.max(0, t - this.epochNs), this.rate, NS_PER_SECOND);
      const before = this.vm.ticks;
      let budget = target - before;
      if (budget <= 0) return { exit: { reason: "budget" }, at: t };
      if (this.dirtyLimit > 0) budget = Math.min(budget, Math.max(1, mulDivFloor(LIMIT_SLICE_NS, this.rate, NS_PER_SECOND)));
      const dirtyBefore = this.dirtyLimit > 0 ? countDirty(this.vm.memory) : 0;
      const exit = this.vm.run(budget);
      const ran = this.vm.ticks - before;
      this.ticksRun += ran;
      if (this.dirtyLimit > 0) this.holdForDirtying(countDirty(this.vm.memory) - dirtyBefore, ran);
      if (exit.reason === "budget") {
        if (this.dirtyLimit > 0 && this.vm.ticks < target) continue;
        return { exit, at: t };
      }
      if (exit.reason === "halted" || exit.reason === "blocked") this.finished = true;
      return { exit, at: Math.min(t, this.epochNs + mulDivCeil(this.vm.ticks - this.epochTicks, NS_PER_SECOND, this.rate)) };
    }
  }

  /** After a slice of `ticks` that dirtied `pages` new pages: hold the guest for what it is ahead of the limit. */
  private holdForDirtying(pages: number, ticks: number): void {
    const allowedNs = mulDivCeil(Math.max(0, pages), NS_PER_SECOND, this.dirtyLimit);
    const tookNs = mulDivFloor(ticks, NS_PER_SECOND, this.rate);
    this.dirtyDebtNs = Math.max(-LIMIT_SLICE_NS, this.dirtyDebtNs + allowedNs - tookNs);
    if (this.dirtyDebtNs <= 0) return;
    this.epochNs += this.dirtyDebtNs;
    this.heldNs += this.dirtyDebtNs;
    this.dirtyDebtNs = 0;
  }
}
