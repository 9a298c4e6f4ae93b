/**
 * Guest time against virtual time: a running guest retires `speed` ticks per virtual second.
 * The pacer runs the VM up to a virtual time and says when it stopped early (halt, a missing
 * page, nothing left to do). After a stall the pacer restarts from the stall's end.
 */
import { mulDivCeil, mulDivFloor, NS_PER_SECOND } from "./clock.js";
import type { MigratableVm, VmExit } from "./vm-port.js";

export class GuestPacer {
  private epochNs: number;
  private epochTicks: number;
  /** Set when the guest can make no progress by running (halted or blocked). */
  finished = false;
  ticksRun = 0;

  constructor(
    readonly vm: MigratableVm,
    readonly speed: number,
    startNs: number,
  ) {
    this.epochNs = startNs;
    this.epochTicks = vm.ticks;
  }

  /** The guest resumes at `now` after being stopped or stalled. */
  resumeAt(now: number): void {
    this.epochNs = now;
    this.epochTicks = this.vm.ticks;
  }

  /** Runs the guest up to virtual time `t`; returns the exit and the virtual time it happened. */
  runTo(t: number): { exit: VmExit; at: number } {
    if (this.finished) return { exit: { reason: "halted" }, at: t };
    const target = this.epochTicks + mulDivFloor(Math.max(0, t - this.epochNs), this.speed, NS_PER_SECOND);
    const before = this.vm.ticks;
    const budget = target - before;
    if (budget <= 0) return { exit: { reason: "budget" }, at: t };
    const exit = this.vm.run(budget);
    this.ticksRun += this.vm.ticks - before;
    if (exit.reason === "budget") return { exit, at: t };
    if (exit.reason === "halted" || exit.reason === "blocked") this.finished = true;
    return { exit, at: Math.min(t, this.epochNs + mulDivCeil(this.vm.ticks - this.epochTicks, NS_PER_SECOND, this.speed)) };
  }
}
