/**
 * What migration needs from a VM, and nothing more: its memory (pages, dirty and missing
 * bits), a way to run it for a budget of guest ticks, its guest time, its state without memory,
 * and a way to let it go. Hosts provide a `VmHost` that recreates a VM on the destination from
 * (config, state, memory). The monitor's VM and the bare machine (`machine-vm.ts`) and the process VM (`process-vm.ts`) fit.
 */
import type { Memory } from "../../isa/memory.js";

export type VmExitReason = "halted" | "budget" | "blocked" | "page-missing";

export interface VmExit {
  reason: VmExitReason;
  /** For page-missing: the guest-physical page that has not arrived. */
  page?: number;
}

export interface MigratableVm {
  readonly name: string;
  readonly memory: Memory;
  /** Guest time: retired instructions plus idle ticks. */
  readonly ticks: number;
  /** Runs at most `budget` ticks. Page-missing restarts the instruction once the page is filled. */
  run(budget: number): VmExit;
  /** Everything but memory, JSON-able and versioned. */
  save(): unknown;
  /** Whatever `VmHost.restore` needs besides state and memory to rebuild this VM (JSON-able). */
  config(): unknown;
  /** Console output the guest wrote on this host. */
  readonly output: string;
  /** Lets the VM go: it is unusable afterwards (run throws). */
  destroy(): void;
  readonly destroyed: boolean;
}

export interface VmHost {
  restore(name: string, config: unknown, state: unknown, memory: Memory): MigratableVm;
}
