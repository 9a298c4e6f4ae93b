/**
 * What the debugger, the tracer and the profiler drive: one guest — a program in the process VM
 * or a machine (monitor or bare) — advanced one tick at a time, each tick told as a `StepEvent`.
 *
 * A tick goes through the same `run` the guest's own loop calls, with a budget of one (after a
 * budget of zero that takes a due interrupt), and a run cut into any budgets equals one run: a
 * guest stepped through ends exactly as one run without the debugger. The block compiler is
 * not involved in what the tick shows, and nothing here costs anything when no one steps.
 */
import type { Cpu } from "../../isa/cpu/cpu.js";
import type { SymbolTable } from "../../isa/image/symbols.js";
import type { Memory } from "../../isa/memory.js";
import type { MigratableVm, VmHost } from "../migration/vm-port.js";
import type { Outcome } from "../outcome.js";
import type { Translation } from "./walk.js";

/** What one tick did. */
export const STEP_INSN = 0;
/** An idle tick: `wfi` waiting, or a program's sleep. */
export const STEP_IDLE = 1;
/** An exception entered the guest kernel (the tick also ran the handler's first instruction). */
export const STEP_TRAP = 2;
/** The process VM's runtime served a system call. */
export const STEP_SYSCALL = 3;
/** The guest ended in this tick (or had ended): see `Target.outcome`. */
export const STEP_END = 4;
/** Nothing ran: a machine waits for console input that has not come. */
export const STEP_BLOCKED = 5;

/** One tick, reused by every step (no allocation per tick). */
export class StepEvent {
  kind = STEP_INSN;
  /** pc and word of the instruction the tick started at, and the mode it ran in. */
  pc = 0;
  word = 0;
  kernel = false;
  /** The interrupt taken before the instruction (its cause), or 0 for none; then `pc` is the handler's. */
  interrupt = 0;
  interruptPc = 0;
  /** A trap in this tick: its cause, fault value; for STEP_TRAP the handler it entered. */
  cause = 0;
  value = 0;
  handlerPc = 0;
  /** Under the monitor: the privileged instruction at pc was emulated. */
  emulated = false;
  /** a0 before the tick (the system-call number of a `sys`). */
  a0 = 0;
}

export interface Target {
  readonly name: string;
  readonly kind: "process" | "monitor" | "bare";
  readonly cpu: Cpu;
  readonly memory: Memory;
  readonly symbols: SymbolTable;
  /** Guest time. */
  readonly ticks: number;
  /** How it ended, once it has. */
  outcome(): Outcome | null;
  /** Takes an interrupt that is due (before the breakpoint check at pc). */
  prepare(event: StepEvent): void;
  /** Runs one tick and tells it in `event` (prepare first). */
  step(event: StepEvent): void;
  /** Runs up to `ticks` ticks as the guest's own loop would, telling nothing; stops at the end. */
  runFast(ticks: number): void;
  /** The control registers as the guest sees them (virtual under the monitor). */
  readCsr(index: number): number;
  /** The translation the guest uses now. */
  translation(): Translation;
  /** The real CPU's view under the monitor (its mode and MMU context), else undefined. */
  realView(): Record<string, string> | undefined;
  /** Everything but memory, to come back to with `restore`. */
  save(): unknown;
  restore(state: unknown): void;
  /** The guest handed to a migration (see `Handover`). */
  handover(): Handover;
}

/**
 * The guest as the migration engine drives it: `vm` is this target's own guest (host A), and
 * `host` rebuilds it on host B with this target's console. From the handover the console is
 * silent: the ticks the migration runs are shown when the session replays them. `settle` goes
 * on with the VM that holds the guest afterwards (B's when it moved, else A's); `release` lets
 * the console show again the output of ticks past those shown before the handover.
 */
export interface Handover {
  vm: MigratableVm;
  host: VmHost;
  settle(runsOn: MigratableVm): void;
  release(): void;
}
