/**
 * A guest as a host runs it, whatever its kind: the migratable VM (the monitor's machine, or a
 * program on the process VM, as vmm/migration wraps them) and the few kind-specific things the
 * host needs besides — where console input goes, how console output comes out, how it ended.
 */
import type { Nic } from "../../isa/devices/net.js";
import type { ImageSymbol } from "../../isa/image/model.js";
import type { ResolvedGuest } from "../guests.js";
import { bootVm, MachineVm } from "../migration/machine-vm.js";
import { MigratableProcess, startProcess } from "../migration/process-vm.js";
import type { MigratableVm } from "../migration/vm-port.js";
import { outcomeOfMachine, outcomeOfProcess, type Outcome } from "../outcome.js";
import type { InputSink } from "./input-queue.js";
import type { VM_KINDS } from "./protocol-values.js";

export type VmKind = (typeof VM_KINDS)[number];

export interface HostedGuest {
  readonly kind: VmKind;
  readonly vm: MigratableVm;
  readonly bootArgs: string;
  /** The console device input goes to; null for a program, whose input is fixed at its start. */
  readonly consoleDevice: InputSink | null;
  /** The machine's network device, or null (none asked for, or a program). */
  readonly nic: Nic | null;
  /** Symbols to name a faulting pc with, when the image is known. */
  readonly symbols: readonly ImageSymbol[] | undefined;
  /** Sends all console output (a program's standard output and error, interleaved) to `write`. */
  attach(write: (byte: number) => void): void;
  /** How the guest ended, once it has; else null. */
  outcome(): Outcome | null;
  /** The monitor's statistics, or a program's system calls by name. */
  stats(): Record<string, unknown>;
}

export interface GuestSpec {
  name: string;
  guest: ResolvedGuest;
  bootArgs: string;
  memorySize?: number;
  bare: boolean;
  input?: string;
  maxTicks?: number;
  /** A network device with this MAC (a guest OS only). */
  nic?: { mac: Uint8Array };
}

/** Boots a resolved guest: a program on the process VM, any other image as a machine. */
export function bootGuest(spec: GuestSpec): HostedGuest {
  const { image } = spec.guest;
  const memory = spec.memorySize !== undefined ? { memorySize: spec.memorySize } : {};
  if (spec.guest.kind === "program") {
    const vm = startProcess({ name: spec.name, image, args: spec.bootArgs, input: spec.input ?? "", ...memory, ...(spec.maxTicks ? { maxTicks: spec.maxTicks } : {}) });
    return processGuest(vm, spec.bootArgs, image.symbols);
  }
  const vm = bootVm({ name: spec.name, image, bootArgs: spec.bootArgs, input: spec.input ?? "", kind: spec.bare ? "bare" : "monitor", ...memory, ...(spec.nic ? { nic: spec.nic } : {}) });
  // On a host more input may always come: a guest waiting for it waits, it does not end.
  vm.machine.console.inputClosed = false;
  return machineGuest(vm, spec.bootArgs, image.symbols);
}

/** The guest a migration's destination or a snapshot's restore built. */
export function adoptGuest(vm: MigratableVm): HostedGuest {
  if (vm instanceof MachineVm) return machineGuest(vm, vm.save().config.bootArgs, undefined);
  if (vm instanceof MigratableProcess) return processGuest(vm, "", undefined);
  throw new Error(`VM ${vm.name} is of a kind this host does not run`);
}

function machineGuest(vm: MachineVm, bootArgs: string, symbols: readonly ImageSymbol[] | undefined): HostedGuest {
  const machine = vm.machine;
  return {
    kind: machine.kind,
    vm,
    bootArgs,
    symbols,
    consoleDevice: machine.console,
    nic: machine.nic,
    attach: (write) => vm.console.attach(write),
    outcome: () => (machine.ended ? outcomeOfMachine(machine.ended, machine) : null),
    stats: () => ({ ...machine.stats.snapshot() }),
  };
}

function processGuest(vm: MigratableProcess, bootArgs: string, symbols: readonly ImageSymbol[] | undefined): HostedGuest {
  return {
    kind: "process",
    vm,
    bootArgs,
    symbols,
    consoleDevice: null,
    nic: null,
    attach(write) {
      vm.out.attach(write);
      vm.err.attach(write);
    },
    outcome: () => (vm.process.result ? outcomeOfProcess(vm.process.result) : null),
    stats: () => ({ syscalls: vm.save().syscalls }),
  };
}
