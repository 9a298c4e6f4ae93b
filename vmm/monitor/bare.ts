/**
 * The bare counterpart of a VM: the same guest on a CPU that is the whole machine (real
 * privileged state, console on its port bus, interrupts taken by the CPU). Same interface as
 * `Vm`, for `toyvmm boot --bare` and for differential tests against the monitor.
 */
import { CAUSE_INTERRUPT, CSR, IRQ_CONSOLE } from "../../isa/arch.js";
import { Cpu, EXIT_BUDGET, EXIT_HALT, EXIT_IDLE, EXIT_PAGE_MISSING, MAX_BUDGET } from "../../isa/cpu/cpu.js";
import { deviceBus } from "../../isa/devices/bus.js";
import type { Console } from "../../isa/devices/console.js";
import type { Nic } from "../../isa/devices/net.js";
import { Memory } from "../../isa/memory.js";
import {
  BLOCKED_EXIT,
  BUDGET_EXIT,
  bootMachine,
  makeNic,
  VM_STATE_VERSION,
  wholeBudget,
  type BootOptions,
  type FinalExit,
  type Machine,
  type MachineOptions,
  type VmExit,
  type VmState,
} from "./machine.js";
import { runDelivering } from "./nic-run.js";
import { VmStats } from "./stats.js";
import { checkState, makeConsole } from "./vm.js";

export class BareMachine implements Machine {
  readonly kind = "bare";
  readonly cpu: Cpu;
  readonly console: Console;
  readonly nic: Nic | null;
  readonly stats = new VmStats();
  ended: FinalExit | null = null;

  constructor(
    readonly name: string,
    readonly memory: Memory,
    readonly bootArgs: string,
    options: MachineOptions = {},
    nic: Nic | null = makeNic(memory, options),
  ) {
    this.console = makeConsole(options);
    this.nic = nic;
    this.cpu = new Cpu(memory, { ports: deviceBus(this.console, nic) });
  }

  reset(entry: number, a0: number, a1: number): void {
    this.cpu.reset(entry, a0, a1);
    this.ended = null;
  }

  readCsr(index: number): number {
    if (index === CSR.time) return this.cpu.time32();
    if (index === CSR.ipend) return this.cpu.pendingInterrupts();
    return this.cpu.csr[index] ?? 0;
  }

  run(budget: number): VmExit {
    if (this.nic && !this.ended) return runDelivering(this.nic, this.cpu, budget, (b) => this.runDirect(b));
    return this.runDirect(budget);
  }

  private runDirect(budget: number): VmExit {
    if (this.ended) return this.ended;
    const cpu = this.cpu;
    const ticks = cpu.ticks;
    const idle = cpu.idleTicks;
    const exit = cpu.run(wholeBudget(budget, MAX_BUDGET));
    // The bare CPU cannot tell retired instructions from emulated ones: all ran "directly".
    this.stats.idleTicks += cpu.idleTicks - idle;
    this.stats.direct += cpu.ticks - ticks - (cpu.idleTicks - idle);
    switch (exit) {
      case EXIT_BUDGET:
        return BUDGET_EXIT;
      case EXIT_HALT:
        return this.end({ kind: "halted", status: cpu.exitStatus });
      case EXIT_PAGE_MISSING:
        return { kind: "page-missing", page: cpu.missingPage };
      case EXIT_IDLE:
        return this.idleExit();
    }
    return this.end({ kind: "fault", reason: `unexpected CPU exit ${exit}` });
  }

  /** EXIT_IDLE is either a trap loop or a wfi nothing can wake now; tell them apart. */
  private idleExit(): VmExit {
    const csr = this.cpu.csr;
    const tvec = csr[CSR.tvec]!;
    const trapLoop = this.cpu.pc === tvec && csr[CSR.epc] === tvec && (csr[CSR.cause]! & CAUSE_INTERRUPT) === 0;
    if (trapLoop) {
      return this.end({ kind: "fault", reason: "trap loop: the trap handler faults before it can run", cause: csr[CSR.cause]! });
    }
    if ((csr[CSR.imask]! & IRQ_CONSOLE) !== 0 && !this.console.inputClosed) return BLOCKED_EXIT;
    return this.end({ kind: "idle", reason: "wfi with no interrupt source that can wake it" });
  }

  private end(exit: FinalExit): FinalExit {
    this.ended = exit;
    return exit;
  }

  save(): VmState {
    const cpu = this.cpu.save();
    return {
      version: VM_STATE_VERSION,
      kind: "bare",
      name: this.name,
      config: { memorySize: this.memory.size, bootArgs: this.bootArgs },
      cpu,
      vcpu: { version: 1, csr: cpu.csr.slice() },
      console: this.console.save(),
      monitor: { kernelFaultStreak: 0, ended: this.ended && { ...this.ended } },
      stats: this.stats.snapshot(),
      ...(this.nic && { nic: this.nic.save() }),
    };
  }

  static restore(state: VmState, memory: Memory, options: MachineOptions = {}): BareMachine {
    checkState(state, memory, "bare");
    const machine = new BareMachine(state.name, memory, state.config.bootArgs, options, makeNic(memory, options, state.nic));
    machine.cpu.restore(state.cpu);
    machine.console.restore(state.console);
    machine.ended = state.monitor.ended && { ...state.monitor.ended };
    machine.stats.restore(state.stats);
    return machine;
  }
}

/** Boots a guest image on a bare machine. */
export function createBareMachine(options: BootOptions): BareMachine {
  return bootMachine(options, (memory, bootArgs) => new BareMachine(options.name, memory, bootArgs, options));
}
