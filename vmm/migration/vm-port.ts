/**
 * What migration needs from a VM, and nothing more: its memory (pages, dirty and missing
 * bits), a way to run it for a budget of guest ticks, its guest time, its state without memory,
 * and a way to let it go. Hosts provide a `VmHost` that checks what arrives and recreates a VM
 * on the destination from (config, state, memory). The monitor's VM and the bare machine (`machine-vm.ts`) and the process VM (`process-vm.ts`) fit.
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

/**
 * Rebuilds VMs on the destination. What arrives is checked before anything is built: the
 * checks return the first problem as one line naming the field, or null when it fits.
 */
export interface VmHost {
  /** A setup's config (parsed JSON) for a VM of `memorySize` bytes; fields named from `config`. */
  checkConfig(config: unknown, memorySize: number): string | null;
  /** A state (parsed JSON) for a VM of that (checked) config; fields named from the state's top. */
  checkState(config: unknown, state: unknown, memorySize: number): string | null;
  /** The VM, from a config and a state that passed their checks (it checks them again: it is also called directly). */
  restore(name: string, config: unknown, state: unknown, memory: Memory): MigratableVm;
}
