/**
 * What the scheduler, the CLI and migration see of a machine, whether it runs under the
 * monitor (`Vm`) or on the bare CPU (`BareMachine`): run for a budget of guest ticks and say
 * why it stopped, save and restore, and the parts a caller may inspect.
 */
import type { Console, ConsoleState } from "../../isa/devices/console.js";
import type { Cpu, CpuState } from "../../isa/cpu/cpu.js";
import { Nic, type NicState } from "../../isa/devices/net.js";
import type { GuestImage } from "../../isa/image/model.js";
import { loadImage } from "../../isa/loader.js";
import { Memory } from "../../isa/memory.js";
import type { StatsSnapshot, VmStats } from "./stats.js";
import type { VCpuState } from "./vcpu.js";

/** Why `run(budget)` returned. `halted`, `fault` and `idle` are final: the machine has ended. */
export type VmExit =
  | { kind: "budget" }
  /** wfi with only console input able to wake it, and more input may come. */
  | { kind: "blocked" }
  /** A page that has not arrived (post-copy); run again once it is installed. */
  | { kind: "page-missing"; page: number }
  | { kind: "halted"; status: number }
  /** A guest error the guest cannot recover from (trap loop, kernel fault loop), and its trap cause. */
  | { kind: "fault"; reason: string; cause?: number }
  /** wfi with no interrupt source that can ever wake it. */
  | { kind: "idle"; reason: string };

export type FinalExit = Extract<VmExit, { kind: "halted" | "fault" | "idle" }>;

export const BUDGET_EXIT: VmExit = Object.freeze({ kind: "budget" });
export const BLOCKED_EXIT: VmExit = Object.freeze({ kind: "blocked" });

export function isFinal(exit: VmExit): exit is FinalExit {
  return exit.kind === "halted" || exit.kind === "fault" || exit.kind === "idle";
}

/** One line describing a final exit, e.g. for the CLI. */
export function describeExit(exit: VmExit): string {
  switch (exit.kind) {
    case "halted":
      return `halted with status ${exit.status}`;
    case "fault":
      return `stopped by a guest fault: ${exit.reason}`;
    case "idle":
      return `stopped: ${exit.reason}`;
    case "page-missing":
      return `waiting for page ${exit.page}`;
    default:
      return exit.kind;
  }
}

export const VM_STATE_VERSION = 1;

/** Everything a machine is except its memory, which travels separately as pages. */
export interface VmState {
  version: typeof VM_STATE_VERSION;
  /** "monitor": trap-and-emulate on a hosted CPU; "bare": the CPU is the whole machine. */
  kind: "monitor" | "bare";
  name: string;
  config: { memorySize: number; bootArgs: string };
  cpu: CpuState;
  /** The virtual privileged state (monitor); for a bare machine a copy of the CPU's CSRs. */
  vcpu: VCpuState;
  console: ConsoleState;
  /** Monitor bookkeeping that changes behaviour: the kernel fault streak, the final exit. */
  monitor: { kernelFaultStreak: number; ended: FinalExit | null };
  stats: StatsSnapshot;
  /** The network device, on a machine that has one (absent otherwise, so older states read the same). */
  nic?: NicState;
}

export interface Machine {
  readonly name: string;
  readonly kind: "monitor" | "bare";
  readonly memory: Memory;
  readonly cpu: Cpu;
  readonly console: Console;
  /** The network device, or null on a machine without one. */
  readonly nic: Nic | null;
  readonly stats: VmStats;
  /** The final exit once the machine has ended, else null. */
  readonly ended: FinalExit | null;
  run(budget: number): VmExit;
  /** Control register as the guest sees it (virtual under the monitor). */
  readCsr(index: number): number;
  save(): VmState;
}

/** Options both kinds of machine accept. */
export interface MachineOptions {
  /** Receives every byte the guest writes to its console. */
  sink?: (byte: number) => void;
  /** Console input, given up front; input is closed after it. */
  input?: string | Uint8Array;
  /** Leave console input open: a guest waiting for input blocks instead of ending idle. */
  inputOpen?: boolean;
  /** Told of every trap that exits to the monitor (for trace logs); absent, nothing is done. */
  onTrap?: TrapListener;
  /** Give the machine a network device with this MAC address (6 bytes); absent, it has none. */
  nic?: { mac: Uint8Array };
}

/** The machine's NIC: restored from its state, new from the options, or none. */
export function makeNic(memory: Memory, options: MachineOptions, saved?: NicState): Nic | null {
  if (saved) return Nic.restore(saved, memory);
  return options.nic ? new Nic(memory, options.nic.mac) : null;
}

/** A trap as the monitor saw it: its cause, the pc, the fault value or instruction word. */
export type TrapListener = (cause: number, pc: number, value: number) => void;

export interface BootOptions extends MachineOptions {
  name: string;
  image: GuestImage;
  bootArgs?: string;
  /** Guest-physical memory in bytes; the image's own request when absent. */
  memorySize?: number;
}

/** Loads an image into a fresh memory and resets the machine `make` builds around it. */
export function bootMachine<M extends { reset(entry: number, a0: number, a1: number): void }>(
  options: BootOptions,
  make: (memory: Memory, bootArgs: string) => M,
): M {
  const memory = new Memory(options.memorySize ?? options.image.memorySize);
  const bootArgs = options.bootArgs ?? "";
  const reset = loadImage(options.image, memory, bootArgs);
  const machine = make(memory, bootArgs);
  machine.reset(reset.entry, reset.a0, reset.a1);
  return machine;
}

/** A budget as run() takes it: whole, non-negative, no larger than the CPU accepts. */
export function wholeBudget(budget: number, max: number): number {
  return budget > 0 ? Math.floor(Math.min(budget, max)) : 0;
}
