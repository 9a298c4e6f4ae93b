/**
 * Running a guest to its end with observers on every tick (a tracer, a profiler): for `run`
 * and `boot` with --trace or --profile. A process runs tick by tick here; a machine is wrapped
 * so that the scheduler's round robin steps it tick by tick. Without observers `run` and
 * `boot` never come here.
 */
import type { ImageSymbol } from "../../isa/image/model.js";
import type { Machine, VmExit } from "../monitor/machine.js";
import { BLOCKED_EXIT, BUDGET_EXIT } from "../monitor/machine.js";
import type { MachineTarget } from "./machine-target.js";
import type { ProcessTarget } from "./process-target.js";
import { STEP_BLOCKED, STEP_END, StepEvent, type Target } from "./target.js";

export interface Observer {
  beforeStep(target: Target, event: StepEvent): void;
  afterStep(target: Target, event: StepEvent, symbols: readonly ImageSymbol[]): void;
}

/** One observed tick. */
function observedTick(
  target: Target,
  event: StepEvent,
  observers: readonly Observer[],
  symbols: readonly ImageSymbol[],
): void {
  target.prepare(event);
  for (const o of observers) o.beforeStep(target, event);
  target.step(event);
  if (event.kind !== STEP_BLOCKED) for (const o of observers) o.afterStep(target, event, symbols);
}

/** Runs a program to its end (exit, fault or its tick limit), every tick observed. */
export function runObservedProcess(
  target: ProcessTarget,
  observers: readonly Observer[],
  symbols: readonly ImageSymbol[],
): void {
  const event = new StepEvent();
  while (!target.vm.result) observedTick(target, event, observers, symbols);
}

/** A machine the scheduler runs as usual, each of its ticks observed. */
export function observedMachine(
  target: MachineTarget,
  observers: readonly Observer[],
  symbols: readonly ImageSymbol[],
): Machine {
  const event = new StepEvent();
  const m = () => target.current;
  return {
    get name() {
      return m().name;
    },
    get kind() {
      return m().kind;
    },
    get memory() {
      return m().memory;
    },
    get cpu() {
      return m().cpu;
    },
    get console() {
      return m().console;
    },
    get nic() {
      return m().nic;
    },
    get stats() {
      return m().stats;
    },
    get ended() {
      return m().ended;
    },
    readCsr: (index) => m().readCsr(index),
    save: () => m().save(),
    run(budget: number): VmExit {
      const end = m().cpu.ticks + budget;
      while (m().cpu.ticks < end) {
        if (m().ended) return m().ended!;
        observedTick(target, event, observers, symbols);
        if (event.kind === STEP_BLOCKED) return BLOCKED_EXIT;
        if (event.kind === STEP_END) return m().ended ?? BUDGET_EXIT;
      }
      return BUDGET_EXIT;
    },
  };
}
