/**
 * A standalone wall-clock runner for one guest: the simplest `GuestControl`, used by the tests
 * and usable by a host process that has no scheduler of its own.
 *
 *   const guest = new WallClockGuest(vm, { speed: 50_000_000 });   // or speed: "max"
 *   guest.done.then((exit) => …);   // halted (or blocked for ever), or "released"
 *   startMigration(guest, { … });   // the driver stops, resumes and releases it
 *
 * `speed` is guest instructions per wall-clock second; the runner keeps the guest's tick
 * count on `speed × seconds since it last started`, so a guest that fell behind catches up
 * and one ahead waits. "max" runs slice after slice. Either way it runs in slices of at most
 * `sliceTicks` and yields to the event loop between them (setImmediate), so sockets and
 * timers are served while the guest runs. `running: false` makes it start stopped (a
 * destination's guest, which runs once the migration resumes it).
 *
 * A stop on a missing page (post-copy destination) is reported to the `onPageMissing`
 * listener and the guest waits until `pageArrived` names that page. A guest that halts or
 * blocks for ever ends `done`. `release()` stops it for good and destroys the VM.
 */
import { setImmediate as immediate } from "node:timers";
import { mulDivFloor, NS_PER_SECOND } from "../clock.js";
import type { MigratableVm, VmExit } from "../vm-port.js";
import type { GuestControl } from "./guest-control.js";
import { WallClock } from "./wall-clock.js";

export interface RunnerOptions {
  /** Guest instructions per wall-clock second, or "max". */
  speed: number | "max";
  /** Most ticks run without yielding to the event loop (default 100,000). */
  sliceTicks?: number;
  /** Start running at once (default true). */
  running?: boolean;
}

const DEFAULT_SLICE = 100_000;

export class WallClockGuest implements GuestControl {
  /** How the guest ended: its exit, or "released" once it left. */
  readonly done: Promise<VmExit | "released">;
  private finish!: (end: VmExit | "released") => void;
  private readonly clock = new WallClock();
  private readonly sliceTicks: number;
  private stopped: boolean;
  private ended = false;
  private waitingFor = -1;
  private scheduled = false;
  private epochNs = 0;
  private epochTicks: number;
  private pageMissing: (page: number) => void = () => {};
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly vm: MigratableVm,
    private readonly options: RunnerOptions,
  ) {
    if (options.speed !== "max" && !(Number.isSafeInteger(options.speed) && options.speed > 0)) {
      throw new RangeError(`speed ${options.speed} must be a positive whole number of instructions per second, or "max"`);
    }
    this.sliceTicks = options.sliceTicks ?? DEFAULT_SLICE;
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.epochTicks = vm.ticks;
    this.stopped = options.running === false;
    if (!this.stopped) this.start();
  }

  /** Whether it would run now (not stopped, not waiting for a page, not ended). */
  get running(): boolean {
    return !this.stopped && !this.ended && this.waitingFor < 0;
  }

  stop(): void {
    this.stopped = true;
  }

  resume(): void {
    if (!this.stopped || this.ended) return;
    this.stopped = false;
    this.start();
  }

  onPageMissing(listener: (page: number) => void): void {
    this.pageMissing = listener;
  }

  pageArrived(page: number): void {
    if (this.waitingFor !== page) return;
    this.waitingFor = -1;
    if (!this.stopped) this.start();
  }

  release(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.vm.destroyed) this.vm.destroy();
    if (!this.ended) {
      this.ended = true;
      this.finish("released");
    }
  }

  /** (Re)starts the pace from now: time spent stopped is not made up for. */
  private start(): void {
    this.epochNs = this.clock.now();
    this.epochTicks = this.vm.ticks;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || !this.running) return;
    this.scheduled = true;
    immediate(() => this.slice());
  }

  private slice(): void {
    this.scheduled = false;
    if (!this.running) return;
    let budget = this.sliceTicks;
    if (this.options.speed !== "max") {
      const due = this.epochTicks + mulDivFloor(this.clock.now() - this.epochNs, this.options.speed, NS_PER_SECOND);
      budget = Math.min(budget, due - this.vm.ticks);
      if (budget <= 0) return this.waitForNextTick();
    }
    const exit = this.vm.run(budget);
    if (exit.reason === "page-missing") {
      this.waitingFor = exit.page!;
      this.pageMissing(exit.page!);
      return;
    }
    if (exit.reason === "halted" || exit.reason === "blocked") {
      this.ended = true;
      this.finish(exit);
      return;
    }
    this.schedule();
  }

  /** Ahead of the pace: sleep until the next instruction is due (at least a millisecond). */
  private waitForNextTick(): void {
    const speed = this.options.speed as number;
    const dueNs = this.epochNs + Math.ceil(((this.vm.ticks - this.epochTicks + 1) * NS_PER_SECOND) / speed);
    const ms = Math.max(1, Math.ceil((dueNs - this.clock.now()) / 1e6));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.schedule();
    }, ms);
  }
}
