/**
 * Several machines on one host: round robin in quanta of guest ticks, in the order they were
 * added, so a run is deterministic. A machine that ends (halt, guest fault, idle for ever)
 * leaves the run queue with its reason; a blocked one (waiting for console input) is skipped
 * until input arrives; a guest that loops for ever only ever gets its quanta.
 */
import { END_OF_TIME } from "../outcome.js";
import type { FinalExit, Machine } from "./machine.js";

export interface SchedulerOptions {
  /** Guest ticks per turn (default 10 000). */
  quantum?: number;
  /** Stop after this many guest ticks in total over all machines (default END_OF_TIME). */
  maxTicks?: number;
}

export type MachineOutcome =
  FinalExit | { kind: "tick-limit" } | { kind: "blocked" } | { kind: "page-missing"; page: number };

export interface SchedulerResult {
  /** "done": every machine ended; "blocked": the rest wait for input; "tick-limit": out of ticks. */
  state: "done" | "blocked" | "tick-limit";
  ticks: number;
  outcomes: { name: string; outcome: MachineOutcome }[];
}

export const DEFAULT_QUANTUM = 10_000;

interface Slot {
  machine: Machine;
  waiting: "running" | "input" | "page";
  missingPage: number;
}

export class Scheduler {
  readonly quantum: number;
  readonly maxTicks: number;
  /** Guest ticks given out so far. */
  ticks = 0;
  private readonly slots: Slot[] = [];
  private next = 0;

  constructor(options: SchedulerOptions = {}) {
    this.quantum = Math.max(1, Math.floor(options.quantum ?? DEFAULT_QUANTUM));
    this.maxTicks = options.maxTicks ?? END_OF_TIME;
  }

  add(machine: Machine): void {
    this.slots.push({ machine, waiting: "running", missingPage: -1 });
  }

  get machines(): Machine[] {
    return this.slots.map((s) => s.machine);
  }

  /** Gives one quantum to the next runnable machine; false when none can run. */
  step(): boolean {
    const slot = this.pickNext();
    if (!slot || this.ticks >= this.maxTicks) return false;
    const m = slot.machine;
    const before = m.cpu.ticks;
    const exit = m.run(Math.min(this.quantum, this.maxTicks - this.ticks));
    this.ticks += m.cpu.ticks - before;
    if (exit.kind === "blocked") slot.waiting = "input";
    else if (exit.kind === "page-missing") {
      slot.waiting = "page";
      slot.missingPage = exit.page;
    }
    return true;
  }

  /** Runs until every machine has ended, the rest are blocked, or the tick limit is reached. */
  run(): SchedulerResult {
    while (this.step()) {
      // one quantum per step
    }
    return this.result();
  }

  /** A machine blocked on a page can run again (the page arrived). */
  wake(machine: Machine): void {
    const slot = this.slots.find((s) => s.machine === machine);
    if (slot && slot.waiting === "page") slot.waiting = "running";
  }

  result(): SchedulerResult {
    const outcomes = this.slots.map(({ machine, waiting, missingPage }) => ({
      name: machine.name,
      outcome: machine.ended ?? outcomeOfWaiting(waiting, missingPage),
    }));
    const allEnded = this.slots.every((s) => s.machine.ended);
    // Some machine could still run, so only the tick limit stopped us.
    const state = allEnded ? "done" : this.runnable() ? "tick-limit" : "blocked";
    return { state, ticks: this.ticks, outcomes };
  }

  private runnable(): boolean {
    return this.slots.some((s) => !s.machine.ended && this.canRun(s));
  }

  private canRun(slot: Slot): boolean {
    if (slot.waiting === "input") {
      // Input arrived (or was closed): the guest's wfi will retire or end idle.
      if (slot.machine.console.hasInput() || slot.machine.console.inputClosed) slot.waiting = "running";
    }
    return slot.waiting === "running";
  }

  private pickNext(): Slot | undefined {
    const n = this.slots.length;
    for (let i = 0; i < n; i++) {
      const slot = this.slots[(this.next + i) % n]!;
      if (!slot.machine.ended && this.canRun(slot)) {
        this.next = (this.next + i + 1) % n;
        return slot;
      }
    }
    return undefined;
  }
}

function outcomeOfWaiting(waiting: Slot["waiting"], page: number): MachineOutcome {
  if (waiting === "input") return { kind: "blocked" };
  if (waiting === "page") return { kind: "page-missing", page };
  return { kind: "tick-limit" };
}
