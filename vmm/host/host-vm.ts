/**
 * One VM on a host: the guest, its console ring and input queue, and the state clients see.
 *
 *   running ──vm-pause──▶ paused ──vm-resume──▶ running
 *      │  (waiting: null │ "input" │ "page")
 *      └── halted, faulted, stuck, at its tick limit ──▶ ended
 *
 * A running VM may be waiting: for console input (a guest OS in wfi that only input can wake)
 * or for a page that has not arrived (a post-copy destination); it gets no time until input is
 * queued or `wake` is called. Guest time is the guest's own (retired instructions), so however
 * the host slices and paces a run, the guest computes the same thing.
 */
import { describeOutcome, exitStatusOf, type Outcome } from "../outcome.js";
import { ConsoleRing } from "./console-ring.js";
import type { HostedGuest } from "./guest.js";
import { InputQueue } from "./input-queue.js";
import { CommandError } from "./protocol.js";
import type { VmSummary } from "./protocol-commands.js";
import { HOP_TICKS } from "./network.js";

export type VmState = "running" | "paused" | "ended";

/** How a slice of time given to a VM ended. */
export type SliceEnd = "budget" | "waiting" | "ended";

export class HostVm {
  state: VmState;
  waiting: "input" | "page" | null = null;
  /** The page a VM waiting for a page needs. */
  missingPage = -1;
  readonly console = new ConsoleRing();
  private readonly input = new InputQueue();
  /** Set when the host stopped the guest at its tick limit. */
  private limitReached = false;
  /** Set when running the guest threw: a bug in toyvmm, which ends this VM and no other. */
  failure: Error | null = null;
  /** A machine's tick limit (a program counts its own ticks against its limit). */
  private readonly maxTicks: number;
  /**
   * Most ticks one slice may take. A VM with a NIC runs in slices of two hops at most, so the
   * VMs of a host stay within a few hops of guest time of each other (as the simulated
   * network's lock step keeps them) and a reply is not stamped long after its request.
   */
  readonly sliceMax: number;

  constructor(
    readonly name: string,
    /** What it was started from: a guest's name, a file, a snapshot. */
    readonly source: string,
    readonly guest: HostedGuest,
    options: { paused: boolean; maxTicks?: number },
  ) {
    this.state = options.paused ? "paused" : "running";
    this.maxTicks = guest.kind === "process" ? Infinity : (options.maxTicks ?? Infinity);
    this.sliceMax = guest.nic ? 2 * HOP_TICKS : Infinity;
    guest.attach(this.console.writeByte);
    if (guest.outcome()) this.state = "ended";
  }

  get ticks(): number {
    return this.guest.vm.ticks;
  }

  /** True when the VM should be given time now. */
  get runnable(): boolean {
    if (this.state !== "running") return false;
    const device = this.guest.consoleDevice;
    if (this.waiting === "input" && device && (this.input.pending > 0 || device.hasInput())) this.waiting = null;
    return this.waiting === null;
  }

  /** Runs the guest for at most `budget` ticks. */
  run(budget: number): SliceEnd {
    const device = this.guest.consoleDevice;
    if (device) this.input.pump(device);
    const left = this.maxTicks - this.ticks;
    if (left <= 0) return this.reachLimit();
    let exit;
    try {
      exit = this.guest.vm.run(Math.min(budget, left));
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.state = "ended";
      return "ended";
    }
    switch (exit.reason) {
      case "budget":
        return this.ticks >= this.maxTicks ? this.reachLimit() : "budget";
      case "blocked":
        this.waiting = "input";
        return "waiting";
      case "page-missing":
        this.waiting = "page";
        this.missingPage = exit.page ?? -1;
        return "waiting";
      case "halted":
        this.state = "ended";
        return "ended";
    }
  }

  private reachLimit(): SliceEnd {
    this.limitReached = true;
    this.state = "ended";
    return "ended";
  }

  /** A VM waiting for a page may run again (the page arrived). */
  wake(): void {
    if (this.waiting === "page") {
      this.waiting = null;
      this.missingPage = -1;
    }
  }

  pause(): void {
    if (this.state === "ended") throw new CommandError("InvalidState", `${this.name} has ended; there is nothing to pause`);
    this.state = "paused";
  }

  resume(): void {
    if (this.state === "ended") throw new CommandError("InvalidState", `${this.name} has ended; it cannot run again`);
    this.state = "running";
  }

  /** Queues console input; returns the bytes taken (fewer when the queue is full). */
  feed(bytes: Uint8Array): number {
    if (!this.guest.consoleDevice) throw new CommandError("InvalidState", `${this.name} is a program: its standard input is given when it is created`);
    if (this.state === "ended") throw new CommandError("InvalidState", `${this.name} has ended; it reads no more input`);
    return this.input.add(bytes);
  }

  /** Puts the input queued here into the guest's console, whose state a snapshot or a migration carries. */
  settleInput(): void {
    const device = this.guest.consoleDevice;
    if (device) this.input.drainInto(device);
  }

  get inputPending(): number {
    return this.input.pending;
  }

  outcome(): Outcome | null {
    if (this.limitReached) return { kind: "limit" };
    if (this.failure) return { kind: "stuck", reason: `toyvmm internal error: ${this.failure.message} (a bug: please report it)` };
    return this.state === "ended" ? this.guest.outcome() : null;
  }

  /** The outcome, its exit status and its description, once the VM has ended. */
  ending(): { outcome: Outcome; exitStatus: number; description: string } | null {
    const outcome = this.outcome();
    if (!outcome) return null;
    return { outcome, exitStatus: exitStatusOf(outcome), description: describeOutcome(outcome, this.guest.symbols) };
  }

  summary(): VmSummary {
    return {
      name: this.name,
      kind: this.guest.kind,
      guest: this.source,
      state: this.state,
      waiting: this.state === "running" ? this.waiting : null,
      ticks: this.ticks,
      memory: this.guest.vm.memory.size,
    };
  }
}
