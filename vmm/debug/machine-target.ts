/**
 * A guest kernel as a debugger target: a VM under the monitor or a bare machine. Traps are
 * seen through the monitor's trap listener (or the bare CPU's exception probe), interrupts by
 * the change of STATUS that their entry makes.
 */
import { CSR, STATUS_KERNEL, STATUS_PG } from "../../isa/arch.js";
import type { Cpu } from "../../isa/cpu/cpu.js";
import { SymbolTable } from "../../isa/image/symbols.js";
import type { ImageSymbol } from "../../isa/image/model.js";
import type { Memory } from "../../isa/memory.js";
import { MACHINE_HOST, MachineVm } from "../migration/machine-vm.js";
import { BareMachine } from "../monitor/bare.js";
import { restoreMachine } from "../monitor/restore.js";
import type { FinalExit, Machine, VmExit, VmState } from "../monitor/machine.js";
import { Vm } from "../monitor/vm.js";
import { outcomeOfMachine, type Outcome } from "../outcome.js";
import { InputFeed, type ReceivedFrame } from "./net-input.js";
import { hex32 } from "./registers.js";
import {
  STEP_BLOCKED,
  STEP_END,
  STEP_IDLE,
  STEP_INSN,
  STEP_TRAP,
  type Handover,
  type StepEvent,
  type Target,
} from "./target.js";
import { physical, type Translation } from "./walk.js";

export class MachineTarget implements Target {
  readonly symbols: SymbolTable;
  private machine: Machine;
  /** The furthest tick reached: console output up to it was shown already. */
  private frontier = 0;
  /** From a migration's handover to its release: the console is silent. */
  private silent = false;
  private trapSeen = false;
  private trapValue = 0;
  /** Replaying a networked run: the frames the network gave this VM (net-input.ts). */
  private readonly feed: InputFeed | null;

  /**
   * `make` builds the machine around the console sink it is given. `input`: the machine's NIC
   * is on a network no longer there, and gets the frames it got from it, at the same ticks.
   */
  constructor(
    make: (sink: (byte: number) => void) => Machine,
    symbols: readonly ImageSymbol[],
    private readonly sink: (byte: number) => void,
    input?: readonly ReceivedFrame[],
  ) {
    this.symbols = new SymbolTable(symbols);
    this.feed = input ? new InputFeed(input) : null;
    this.machine = make(this.gated);
    this.listen();
    this.plugFeed();
    this.feed?.feed(this.machine);
  }

  /** The link stays up as it was on the network; what the VM sends is in the others' input already. */
  private plugFeed(): void {
    if (this.feed) this.machine.nic?.attach(() => {});
  }

  /** The machine's run; replaying a networked run, cut at the ticks frames came and fed them there. */
  private run(budget: number): VmExit {
    const feed = this.feed;
    const m = this.machine;
    if (!feed) return m.run(budget);
    const end = m.cpu.ticks + budget;
    for (;;) {
      const exit = m.run(Math.min(end, feed.nextAt) - m.cpu.ticks);
      feed.feed(m);
      if (exit.kind !== "budget" || m.cpu.ticks >= end) return exit;
    }
  }

  /** Console bytes of ticks not shown before. */
  private readonly gated = (byte: number): void => {
    if (!this.silent && this.machine.cpu.ticks >= this.frontier) this.sink(byte);
  };

  private listen(): void {
    const seen = (_cause: number, _pc: number, value: number) => {
      this.trapSeen = true;
      this.trapValue = value;
    };
    if (this.machine instanceof Vm) this.machine.onTrap = seen;
    else this.machine.cpu.onException = (cause, value, pc) => seen(cause, pc, value);
  }

  get kind(): "monitor" | "bare" {
    return this.machine.kind;
  }
  get name(): string {
    return this.machine.name;
  }
  get cpu(): Cpu {
    return this.machine.cpu;
  }
  get memory(): Memory {
    return this.machine.memory;
  }
  get ticks(): number {
    return this.machine.cpu.ticks;
  }
  /** The machine now (restoring builds a new one). */
  get current(): Machine {
    return this.machine;
  }

  outcome(): Outcome | null {
    return this.machine.ended ? outcomeOfMachine(this.machine.ended, this.machine) : null;
  }

  prepare(event: StepEvent): void {
    const status = this.readCsr(CSR.status);
    const pc = this.cpu.pc;
    this.run(0);
    // Taking an interrupt always clears STATUS.IE; nothing else happens in a run of no ticks.
    event.interrupt = this.readCsr(CSR.status) !== status ? this.readCsr(CSR.cause) : 0;
    event.interruptPc = pc;
  }

  step(event: StepEvent): void {
    const m = this.machine;
    const cpu = m.cpu;
    event.pc = cpu.pc;
    event.a0 = cpu.regs[1]!;
    event.kernel = (this.readCsr(CSR.status) & STATUS_KERNEL) !== 0;
    const pa = physical(m.memory, this.translation(), cpu.pc);
    event.word = pa >= 0 && (pa & 3) === 0 ? m.memory.words[pa >>> 2]! : 0;
    event.emulated = false;
    if (m.ended) {
      event.kind = STEP_END;
      return;
    }
    this.trapSeen = false;
    const emulated = m.stats.emulated;
    const idle = cpu.idleTicks;
    const exit = this.run(1);
    if (cpu.ticks > this.frontier) this.frontier = cpu.ticks;
    if (exit.kind === "blocked") event.kind = STEP_BLOCKED;
    else if (m.ended) {
      // A fault's cause; 0 for a halt.
      const ended = m.ended as FinalExit;
      event.kind = STEP_END;
      event.cause = ended.kind === "fault" ? (ended.cause ?? 0) : 0;
      event.value = this.trapValue;
    } else if (cpu.idleTicks !== idle) event.kind = STEP_IDLE;
    else if (this.trapSeen && m.stats.emulated === emulated) {
      event.kind = STEP_TRAP;
      event.cause = this.readCsr(CSR.cause);
      event.value = this.trapValue;
      event.handlerPc = this.readCsr(CSR.tvec);
    } else {
      event.kind = STEP_INSN;
      event.emulated = this.trapSeen;
    }
  }

  runFast(ticks: number): void {
    const cpu = this.machine.cpu;
    const end = cpu.ticks + ticks;
    while (!this.machine.ended && cpu.ticks < end) {
      if (this.run(end - cpu.ticks).kind === "blocked") break;
    }
    if (cpu.ticks > this.frontier) this.frontier = cpu.ticks;
  }

  readCsr(index: number): number {
    return this.machine.readCsr(index);
  }

  translation(): Translation {
    const status = this.readCsr(CSR.status);
    return { paging: (status & STATUS_PG) !== 0, ptbr: this.readCsr(CSR.ptbr), kernel: (status & STATUS_KERNEL) !== 0 };
  }

  realView(): Record<string, string> | undefined {
    if (this.machine.kind !== "monitor") return undefined;
    const mmu = this.cpu.mmu;
    const stats = this.machine.stats;
    return {
      mode: "user (the guest runs deprivileged)",
      translation: `${mmu.paging ? `paging, directory ${hex32(mmu.ptbr)}` : "paging off"}, checked as ${mmu.kernel ? "kernel" : "user"}`,
      ticks: String(this.ticks),
      direct: String(stats.direct),
      emulated: String(stats.emulated),
    };
  }

  save(): VmState {
    return this.machine.save();
  }

  handover(): Handover {
    const vm = new MachineVm();
    vm.machine = this.machine;
    const shown = this.frontier;
    this.silent = true;
    return {
      vm,
      host: {
        ...MACHINE_HOST,
        restore: (_name, _config, state, memory) => {
          const moved = new MachineVm();
          moved.machine = restoreMachine(state as VmState, memory, { sink: this.gated });
          return moved;
        },
      },
      settle: (runsOn) => {
        this.machine = (runsOn as MachineVm).machine;
        this.listen();
      },
      release: () => {
        this.silent = false;
        this.frontier = shown;
      },
    };
  }

  restore(state: unknown): void {
    // States this target saved itself: restored without checking them again.
    const saved = state as VmState;
    const options = { sink: this.gated };
    this.machine =
      saved.kind === "bare"
        ? BareMachine.restore(saved, this.machine.memory, options)
        : Vm.restore(saved, this.machine.memory, options);
    this.listen();
    this.plugFeed();
    this.feed?.seek(this.machine.cpu.ticks);
  }
}
