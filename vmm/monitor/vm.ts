/**
 * A virtual machine under the trap-and-emulate monitor (Tanenbaum & van Steen, fig. 3-7b):
 * its own guest-physical memory, a hosted CPU that runs the guest deprivileged, a virtual CPU
 * holding the guest's privileged state, and a virtual console.
 *
 * `run(budget)` is the monitor's loop, one switch over the CPU's exit reasons:
 *
 *   inject a virtual interrupt if one is due (exactly where the bare CPU would take it)
 *   run the CPU directly until the next timer deadline or the budget
 *   trap → privileged instruction of the guest kernel: emulate it, retire it (one tick)
 *        → anything else: reflect it to the guest kernel through its tvec
 *
 * Guest-visible time is the same as on the bare machine: emulated instructions count one tick
 * each, `wfi` idles to the timer deadline, so a guest cannot tell the two apart.
 */
import { CAUSE_ILLEGAL, CAUSE_PRIVILEGED, CSR, IRQ_CONSOLE } from "../../isa/arch.js";
import { Cpu, EXIT_BUDGET, EXIT_HALT, EXIT_PAGE_MISSING, EXIT_TRAP, MAX_BUDGET } from "../../isa/cpu/cpu.js";
import { interruptCause, wfiIdleTicks } from "../../isa/cpu/privileged.js";
import { deviceBus } from "../../isa/devices/bus.js";
import { Console } from "../../isa/devices/console.js";
import type { Nic } from "../../isa/devices/net.js";
import type { PortBus } from "../../isa/devices/ports.js";
import { UserError } from "../../isa/errors.js";
import { Memory } from "../../isa/memory.js";
import { EMU_HALT, EMU_RETIRE, EMU_RETIRE_JUMPED, EMU_WFI, emulate } from "./emulate.js";
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
  type TrapListener,
  type VmExit,
  type VmState,
} from "./machine.js";
import { runDelivering } from "./nic-run.js";
import { FaultWatch } from "./reflect.js";
import { VmStats } from "./stats.js";
import { VCpu } from "./vcpu.js";

export class Vm implements Machine {
  readonly kind = "monitor";
  readonly cpu: Cpu;
  readonly vcpu = new VCpu();
  readonly console: Console;
  readonly nic: Nic | null;
  /** What `in` and `out` reach: the console, and the NIC when there is one. */
  private readonly devices: PortBus;
  readonly stats = new VmStats();
  ended: FinalExit | null = null;
  private readonly watch = new FaultWatch();
  /** Told of every trap that exits to the monitor; a debugger may set it after construction. */
  onTrap: TrapListener | undefined;

  constructor(
    readonly name: string,
    readonly memory: Memory,
    readonly bootArgs: string,
    options: MachineOptions = {},
    nic: Nic | null = makeNic(memory, options),
  ) {
    this.cpu = new Cpu(memory, { hosted: true });
    this.console = makeConsole(options);
    this.nic = nic;
    this.devices = deviceBus(this.console, nic);
    this.onTrap = options.onTrap;
    this.vcpu.applyTranslation(this.cpu);
  }

  /** Reset: pc = entry, a0/a1 as the loader says, kernel mode, paging off. */
  reset(entry: number, a0: number, a1: number): void {
    this.cpu.reset(entry, a0, a1);
    this.vcpu.reset();
    this.vcpu.applyTranslation(this.cpu);
    this.ended = null;
  }

  readCsr(index: number): number {
    if (index === CSR.time) return this.cpu.time32();
    if (index === CSR.ipend) return this.pendingInterrupts();
    return this.vcpu.csr[index] ?? 0;
  }

  /** Virtual ipend: the timer against guest time, and the devices. */
  pendingInterrupts(): number {
    return this.vcpu.timerPending(this.cpu.time32()) | this.devices.pending();
  }

  run(budget: number): VmExit {
    if (this.nic && !this.ended) return runDelivering(this.nic, this.cpu, budget, (b) => this.runDirect(b));
    return this.runDirect(budget);
  }

  private runDirect(budget: number): VmExit {
    if (this.ended) return this.ended;
    const cpu = this.cpu;
    const vcpu = this.vcpu;
    const csr = vcpu.csr;
    const stats = this.stats;
    let left = wholeBudget(budget, MAX_BUDGET);
    // Set after an exception entry; a second one before anything retires is a trap loop.
    let trapEntered = false;

    for (;;) {
      if (vcpu.interruptsEnabled) {
        const pending = this.pendingInterrupts() & csr[CSR.imask]!;
        if (pending !== 0) {
          const cause = interruptCause(pending);
          vcpu.enterTrap(cpu, cause, 0, cpu.pc);
          stats.countReflected(cause);
        }
      }
      if (left <= 0) return BUDGET_EXIT;

      let slice = left;
      const untilTimer = vcpu.ticksUntilTimerInterrupt(cpu.time32());
      if (untilTimer > 0 && untilTimer < slice) slice = untilTimer;

      const before = cpu.ticks;
      const exit = cpu.run(slice);
      const retired = cpu.ticks - before;
      left -= retired;
      stats.direct += retired;
      const wedged = trapEntered && retired === 0;
      trapEntered = false;

      if (exit === EXIT_BUDGET) continue;
      if (exit === EXIT_PAGE_MISSING) return { kind: "page-missing", page: cpu.missingPage };
      if (exit === EXIT_HALT) return this.end({ kind: "halted", status: cpu.exitStatus });
      if (exit !== EXIT_TRAP) return this.end({ kind: "fault", reason: `unexpected CPU exit ${exit}` });

      let cause = cpu.trapCause;
      stats.countTrap(cause);
      this.onTrap?.(cause, cpu.pc, cpu.trapValue);
      if (cause === CAUSE_PRIVILEGED && vcpu.kernel) {
        const w = cpu.trapValue;
        const result = emulate(cpu, vcpu, this.devices, w);
        if (result === EMU_RETIRE || result === EMU_RETIRE_JUMPED || result === EMU_HALT) {
          if (result !== EMU_RETIRE_JUMPED) cpu.pc = (cpu.pc + 4) | 0;
          else this.watch.returned();
          cpu.ticks += 1;
          left -= 1;
          stats.countEmulated(w);
          if (result === EMU_HALT) {
            cpu.halted = true;
            return this.end({ kind: "halted", status: cpu.exitStatus });
          }
          continue;
        }
        if (result === EMU_WFI) {
          const spent = this.waitForInterrupt(w, left);
          if (typeof spent !== "number") return spent;
          left -= spent;
          continue;
        }
        // EMU_ILLEGAL: the word names no writable control register; reflected as on bare.
        cause = CAUSE_ILLEGAL;
      }
      const reason = this.watch.reflect(cpu, vcpu, stats, cause, cpu.trapValue, wedged);
      if (reason !== null) return this.end({ kind: "fault", reason, cause });
      trapEntered = true;
    }
  }

  /**
   * `wfi` at cpu.pc, with `left` ticks of budget (bare: cpu.ts run(), EV_WFI). Retires it when
   * an enabled interrupt is pending (one tick), or idles towards the timer deadline and retires
   * it there (when the budget ends first, the wfi runs again later); returns the ticks spent.
   * Returns the exit instead when nothing can wake the guest now.
   */
  private waitForInterrupt(w: number, left: number): number | VmExit {
    const cpu = this.cpu;
    const csr = this.vcpu.csr;
    const imask = csr[CSR.imask]!;
    const idle = wfiIdleTicks(this.pendingInterrupts(), imask, cpu.time32(), csr[CSR.timecmp]!, left, this.devices.wakers?.() ?? 0);
    if (idle >= 0) {
      cpu.ticks += idle;
      cpu.idleTicks += idle;
      this.stats.idleTicks += idle;
      if (idle === left) return idle;
      cpu.pc = (cpu.pc + 4) | 0;
      cpu.ticks += 1;
      this.stats.countEmulated(w);
      return idle + 1;
    }
    if ((imask & IRQ_CONSOLE) !== 0 && !this.console.inputClosed) return BLOCKED_EXIT;
    return this.end({ kind: "idle", reason: "wfi with no interrupt source that can wake it" });
  }

  private end(exit: FinalExit): FinalExit {
    this.ended = exit;
    return exit;
  }

  save(): VmState {
    return {
      version: VM_STATE_VERSION,
      kind: "monitor",
      name: this.name,
      config: { memorySize: this.memory.size, bootArgs: this.bootArgs },
      cpu: this.cpu.save(),
      vcpu: this.vcpu.save(),
      console: this.console.save(),
      monitor: { kernelFaultStreak: this.watch.kernelFaultStreak, ended: this.ended && { ...this.ended } },
      stats: this.stats.snapshot(),
      ...(this.nic && { nic: this.nic.save() }),
    };
  }

  /** A VM from a saved state and its memory (already holding the pages). */
  static restore(state: VmState, memory: Memory, options: MachineOptions = {}): Vm {
    checkState(state, memory, "monitor");
    const vm = new Vm(state.name, memory, state.config.bootArgs, options, makeNic(memory, options, state.nic));
    vm.cpu.restore(state.cpu);
    vm.vcpu.restore(state.vcpu);
    vm.vcpu.applyTranslation(vm.cpu);
    vm.console.restore(state.console);
    vm.watch.kernelFaultStreak = state.monitor.kernelFaultStreak;
    vm.ended = state.monitor.ended && { ...state.monitor.ended };
    vm.stats.restore(state.stats);
    return vm;
  }
}

/** Boots a guest image in a new VM under the monitor. */
export function createVm(options: BootOptions): Vm {
  return bootMachine(options, (memory, bootArgs) => new Vm(options.name, memory, bootArgs, options));
}

export function makeConsole(options: MachineOptions): Console {
  const console = new Console(options.sink ?? (() => {}));
  if (options.input !== undefined) console.feed(options.input);
  console.inputClosed = !options.inputOpen;
  return console;
}

/** Rejects a state this code cannot restore, with one line saying why. */
export function checkState(state: VmState, memory: Memory, kind: VmState["kind"]): void {
  if (state.version !== VM_STATE_VERSION) {
    throw new UserError(`VM state version ${state.version} is not supported (expected ${VM_STATE_VERSION})`);
  }
  if (state.kind !== kind) throw new UserError(`VM state is for a ${state.kind} machine, not a ${kind} one`);
  if (state.config.memorySize !== memory.size) {
    throw new UserError(`VM state needs ${state.config.memorySize} bytes of memory but ${memory.size} were given`);
  }
}
