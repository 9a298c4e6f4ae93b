/** A program in the process VM as a debugger target: system calls are served by the runtime in one tick. */
import type { GuestImage } from "../../isa/image/model.js";
import { SymbolTable } from "../../isa/image/symbols.js";
import { Op } from "../../isa/opcodes.js";
import { outcomeOfProcess, type Outcome } from "../outcome.js";
import { MigratableProcess, PROCESS_HOST, type ProcessConfig } from "../migration/process-vm.js";
import { ProcessVm, type ProcessOptions, type ProcessResult, type ProcessState } from "../process/process-vm.js";
import { resumeProcess } from "../process/resume.js";
import { STEP_END, STEP_IDLE, STEP_INSN, STEP_SYSCALL, type Handover, type StepEvent, type Target } from "./target.js";
import type { Translation } from "./walk.js";

const PAGING_OFF: Translation = Object.freeze({ paging: false, ptbr: 0, kernel: false });

export type ProcessTargetOptions = Omit<ProcessOptions, "stdout" | "stderr" | "symbols"> & {
  stdout: (bytes: Uint8Array) => void;
  stderr: (bytes: Uint8Array) => void;
};

export class ProcessTarget implements Target {
  readonly kind = "process";
  /** The program: on host B after a migration. */
  vm: ProcessVm;
  readonly symbols: SymbolTable;
  /** The furthest tick reached: output from ticks up to it was shown already (replay shows it once). */
  private frontier = 0;
  /** From a migration's handover to its release: the output is silent. */
  private silent = false;
  private readonly stdout: (bytes: Uint8Array) => void;
  private readonly stderr: (bytes: Uint8Array) => void;

  constructor(
    private readonly image: GuestImage,
    options: ProcessTargetOptions,
  ) {
    this.symbols = new SymbolTable(image.symbols);
    // Output of a system call comes after its tick: shown once guest time passes the frontier.
    const gate = (sink: (bytes: Uint8Array) => void) => (bytes: Uint8Array) => {
      if (!this.silent && this.vm.cpu.ticks > this.frontier) sink(bytes);
    };
    this.stdout = gate(options.stdout);
    this.stderr = gate(options.stderr);
    this.vm = new ProcessVm(image, { ...options, stdout: this.stdout, stderr: this.stderr, symbols: image.symbols });
  }

  get name(): string {
    return this.vm.name;
  }
  get cpu() {
    return this.vm.cpu;
  }
  get memory() {
    return this.vm.memory;
  }
  get ticks(): number {
    return this.vm.cpu.ticks;
  }

  outcome(): Outcome | null {
    const result = this.vm.result;
    return result ? outcomeOfProcess(result) : null;
  }

  prepare(event: StepEvent): void {
    event.interrupt = 0;
  }

  step(event: StepEvent): void {
    const cpu = this.vm.cpu;
    const pc = cpu.pc;
    event.pc = pc;
    event.kernel = false;
    event.emulated = false;
    event.a0 = cpu.regs[1]!;
    event.word = pc >>> 0 <= this.memory.size - 4 && (pc & 3) === 0 ? this.memory.words[pc >>> 2]! : 0;
    if (this.vm.result) {
      event.kind = STEP_END;
      return;
    }
    const idle = cpu.idleTicks;
    this.vm.step(1);
    this.advanced();
    const result = this.vm.result as ProcessResult | undefined;
    if (result) {
      event.kind = STEP_END;
      event.cause = result.fault?.cause ?? 0;
      event.value = result.fault?.value ?? 0;
    } else if (cpu.idleTicks !== idle) event.kind = STEP_IDLE;
    else event.kind = (event.word & 0xff) === Op.SYS && cpu.pc === pc + 4 ? STEP_SYSCALL : STEP_INSN;
  }

  runFast(ticks: number): void {
    if (ticks > 0) this.vm.step(ticks);
    this.advanced();
  }

  private advanced(): void {
    if (this.vm.cpu.ticks > this.frontier) this.frontier = this.vm.cpu.ticks;
  }

  readCsr(): number {
    return 0;
  }

  translation(): Translation {
    return PAGING_OFF;
  }

  realView(): undefined {
    return undefined;
  }

  save(): ProcessState {
    return this.vm.save();
  }

  handover(): Handover {
    const vm = new MigratableProcess();
    vm.process = this.vm;
    const shown = this.frontier;
    this.silent = true;
    return {
      vm,
      host: {
        ...PROCESS_HOST,
        restore: (_name, config, state, memory) => {
          const moved = new MigratableProcess();
          const sinks = { stdout: this.stdout, stderr: this.stderr };
          moved.process = resumeProcess((config as ProcessConfig).setup, state as ProcessState, memory, sinks);
          moved.process.symbols = this.image.symbols;
          return moved;
        },
      },
      settle: (runsOn) => {
        this.vm = (runsOn as MigratableProcess).process;
      },
      release: () => {
        this.silent = false;
        this.frontier = shown;
      },
    };
  }

  restore(state: unknown): void {
    this.vm.restoreOwn(state as ProcessState);
  }
}
