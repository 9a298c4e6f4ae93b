/**
 * The bare machine as a migratable VM: the CPU in bare mode (it takes its own traps through
 * tvec) with the console on its ports. The bundled guest kernels run on it unchanged, which
 * makes it the reference for "migrated equals unmigrated" and the host for images until a
 * monitor VM is preferred.
 */
import { Console, type ConsoleState } from "../../isa/devices/console.js";
import { Cpu, EXIT_BUDGET, EXIT_HALT, EXIT_PAGE_MISSING, type CpuState } from "../../isa/cpu/cpu.js";
import type { GuestImage } from "../../isa/image/model.js";
import { loadImage } from "../../isa/loader.js";
import { Memory } from "../../isa/memory.js";
import { UserError } from "../../isa/errors.js";
import type { MigratableVm, VmExit, VmHost } from "./vm-port.js";

export interface BareVmState {
  version: 1;
  cpu: CpuState;
  console: ConsoleState;
}

export class BareVm implements MigratableVm {
  private readonly cpu: Cpu;
  private readonly device: Console;
  private text = "";
  private readonly decoder = new TextDecoder();
  destroyed = false;

  constructor(
    readonly name: string,
    readonly memory: Memory,
  ) {
    this.device = new Console((byte) => (this.text += this.decoder.decode(new Uint8Array([byte]), { stream: true })));
    this.cpu = new Cpu(memory, { ports: this.device });
  }

  /** A VM booted from an image with boot arguments and console input. */
  static boot(name: string, image: GuestImage, bootArgs = "", input = ""): BareVm {
    const vm = new BareVm(name, new Memory(image.memorySize));
    const reset = loadImage(image, vm.memory, bootArgs);
    vm.cpu.reset(reset.entry, reset.a0, reset.a1);
    vm.device.feed(input);
    return vm;
  }

  get ticks(): number {
    return this.cpu.ticks;
  }
  get output(): string {
    return this.text;
  }
  get exitStatus(): number {
    return this.cpu.exitStatus;
  }
  get halted(): boolean {
    return this.cpu.halted;
  }
  get pc(): number {
    return this.cpu.pc;
  }

  run(budget: number): VmExit {
    if (this.destroyed) throw new Error(`VM ${this.name} was migrated away and is gone`);
    const exit = this.cpu.run(budget);
    if (exit === EXIT_BUDGET) return { reason: "budget" };
    if (exit === EXIT_HALT) return { reason: "halted" };
    if (exit === EXIT_PAGE_MISSING) return { reason: "page-missing", page: this.cpu.missingPage };
    return { reason: "blocked" };
  }

  save(): BareVmState {
    return { version: 1, cpu: this.cpu.save(), console: this.device.save() };
  }

  config(): unknown {
    return { machine: "bare" };
  }

  restoreState(state: BareVmState): void {
    if (state?.version !== 1) throw new UserError(`VM ${this.name}: saved state version ${String(state?.version)} is not supported`);
    this.cpu.restore(state.cpu);
    this.device.restore(state.console);
  }

  destroy(): void {
    this.destroyed = true;
  }
}

/** Recreates bare VMs on a destination. */
export const BARE_HOST: VmHost = {
  restore(name, _config, state, memory) {
    const vm = new BareVm(name, memory);
    vm.restoreState(state as BareVmState);
    return vm;
  },
};
