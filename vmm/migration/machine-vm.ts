/**
 * The monitor's machines (`Vm` under trap-and-emulate, or `BareMachine`) as migratable VMs:
 * exits mapped to the migration port, console output captured per host (bounded, or passed on
 * live), and a destroyed flag so that a VM that has left a host cannot run there again.
 */
import type { GuestImage } from "../../isa/image/model.js";
import type { Memory } from "../../isa/memory.js";
import { oneOf, problemOf, record } from "../../isa/schema.js";
import { createBareMachine } from "../monitor/bare.js";
import { restoreMachine } from "../monitor/restore.js";
import type { Machine, TrapListener, VmState } from "../monitor/machine.js";
import { vmStateSchema } from "../monitor/state-schema.js";
import { END_OF_TIME } from "../outcome.js";
import { createVm } from "../monitor/vm.js";
import { ConsoleCapture } from "../console-capture.js";
import type { MigratableVm, VmExit, VmHost } from "./vm-port.js";

export class MachineVm implements MigratableVm {
  readonly console = new ConsoleCapture();
  machine!: Machine;
  destroyed = false;

  get name(): string {
    return this.machine.name;
  }
  get memory(): Memory {
    return this.machine.memory;
  }
  get ticks(): number {
    return this.machine.cpu.ticks;
  }
  get output(): string {
    return this.console.text;
  }

  /** Receives the guest's console bytes. */
  readonly sink = this.console.writeByte;

  run(budget: number): VmExit {
    if (this.destroyed) throw new Error(`VM ${this.name} has migrated away from this host`);
    const exit = this.machine.run(budget);
    switch (exit.kind) {
      case "budget":
        return { reason: "budget" };
      case "page-missing":
        return { reason: "page-missing", page: exit.page };
      case "blocked":
        return { reason: "blocked" };
      default:
        return { reason: "halted" };
    }
  }

  save(): VmState {
    return this.machine.save();
  }
  config(): unknown {
    return { kind: this.machine.kind };
  }
  destroy(): void {
    this.destroyed = true;
  }
}

export interface BootSpec {
  name: string;
  image: GuestImage;
  bootArgs?: string;
  input?: string | Uint8Array;
  /** Guest memory in bytes; the image's own request when absent. */
  memorySize?: number;
  /** "monitor" (default): trap-and-emulate; "bare": the CPU alone. */
  kind?: "monitor" | "bare";
  onTrap?: TrapListener;
  /** A network device with this MAC (its state migrates with the machine). */
  nic?: { mac: Uint8Array };
}

export function bootVm(spec: BootSpec): MachineVm {
  const vm = new MachineVm();
  const options = {
    name: spec.name,
    image: spec.image,
    bootArgs: spec.bootArgs ?? "",
    input: spec.input ?? "",
    sink: vm.sink,
    ...(spec.memorySize !== undefined ? { memorySize: spec.memorySize } : {}),
    ...(spec.onTrap ? { onTrap: spec.onTrap } : {}),
    ...(spec.nic ? { nic: spec.nic } : {}),
  };
  vm.machine = spec.kind === "bare" ? createBareMachine(options) : createVm(options);
  return vm;
}

/** The `config()` of a machine: the kind the destination rebuilds. */
const machineConfigSchema = record({ kind: oneOf(["monitor", "bare"]) });

/** The destination host: rebuilds a machine of the saved kind around the arrived memory. */
export const MACHINE_HOST: VmHost = {
  checkConfig: (config) => problemOf(machineConfigSchema, config, "config"),
  checkState: (config, state, memorySize) => problemOf(vmStateSchema(memorySize, (config as { kind: VmState["kind"] }).kind), state),
  restore(_name, _config, state, memory) {
    const vm = new MachineVm();
    vm.machine = restoreMachine(state as VmState, memory, { sink: vm.sink });
    return vm;
  },
};

/** Runs a VM until it ends, or until its guest time reaches `untilTick` (then "budget"). */
export function runToEnd(vm: MigratableVm, untilTick = END_OF_TIME): VmExit {
  for (;;) {
    const left = untilTick - vm.ticks;
    if (left <= 0) return { reason: "budget" };
    const exit = vm.run(Math.min(left, 10_000_000));
    if (exit.reason !== "budget") return exit;
  }
}
