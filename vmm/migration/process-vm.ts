/**
 * The process VM (`vmm/process`) as a migratable VM: code migration with strong mobility. A
 * running program moves with its whole execution state — registers, pc, ticks, program break,
 * input position, a sleep in progress, how it ended — and its memory as pages; the destination
 * (`PROCESS_HOST`) resumes it at the very instruction it stopped at.
 *
 * Standard output is the VM's `output` (what the migration CLI prints on stdout); standard
 * error, including the runtime's fault and tick-limit lines, is `errorOutput`.
 */
import type { GuestImage } from "../../isa/image/model.js";
import type { Memory } from "../../isa/memory.js";
import { ConsoleCapture } from "../console-capture.js";
import { keptSchemas, problemOf, record, z } from "../../isa/schema.js";
import { ProcessVm, type ProcessSetup, type ProcessState } from "../process/process-vm.js";
import { resumeProcess } from "../process/resume.js";
import { processSetupSchema, processStateSchema } from "../process/state-schema.js";
import type { MigratableVm, VmExit, VmHost } from "./vm-port.js";

/** The `config()` of a migratable process: tells the destination host what to rebuild. */
export interface ProcessConfig {
  kind: "process";
  setup: ProcessSetup;
}

export class MigratableProcess implements MigratableVm {
  process!: ProcessVm;
  destroyed = false;
  /** Standard output and standard error (with the runtime's messages), bounded or live. */
  readonly out = new ConsoleCapture();
  readonly err = new ConsoleCapture();
  readonly stdout = this.out.write;
  readonly stderr = this.err.write;

  get name(): string {
    return this.process.name;
  }
  get memory(): Memory {
    return this.process.memory;
  }
  get ticks(): number {
    return this.process.cpu.ticks;
  }
  /** Standard output written on this host. */
  get output(): string {
    return this.out.text;
  }
  /** Standard error (and runtime messages) written on this host. */
  get errorOutput(): string {
    return this.err.text;
  }

  run(budget: number): VmExit {
    if (this.destroyed) throw new Error(`VM ${this.name} has migrated away from this host`);
    const exit = this.process.step(budget);
    switch (exit.kind) {
      case "budget":
        return { reason: "budget" };
      case "page-missing":
        return { reason: "page-missing", page: exit.page };
      default:
        return { reason: "halted" };
    }
  }

  save(): ProcessState {
    return this.process.save();
  }
  config(): ProcessConfig {
    return { kind: "process", setup: this.process.setup() };
  }
  destroy(): void {
    this.destroyed = true;
  }
}

export interface ProcessSpec {
  name: string;
  image: GuestImage;
  args?: string;
  input?: string | Uint8Array;
  maxTicks?: number;
  /** Guest memory in bytes; the image's own request when absent. */
  memorySize?: number;
}

/** Loads a program into a fresh process VM on the source host. */
export function startProcess(spec: ProcessSpec): MigratableProcess {
  const vm = new MigratableProcess();
  vm.process = new ProcessVm(spec.image, {
    name: spec.name,
    args: spec.args ?? "",
    input: spec.input,
    maxTicks: spec.maxTicks,
    memorySize: spec.memorySize,
    stdout: vm.stdout,
    stderr: vm.stderr,
    symbols: spec.image.symbols,
  });
  return vm;
}

/** The config's schema for a memory of `memorySize`. */
const processConfigSchema = keptSchemas(
  (memorySize: number) => record({ kind: z.literal("process", { error: 'expected "process"' }), setup: processSetupSchema(memorySize) }),
  (memorySize: number) => String(memorySize),
);

/** The destination host for processes: resumes the program around the arrived memory. */
export const PROCESS_HOST: VmHost = {
  checkConfig: (config, memorySize) => problemOf(processConfigSchema(memorySize), config, "config"),
  checkState(config, state) {
    const setup = (config as ProcessConfig).setup;
    const bounds = { breakStart: setup.breakStart, memorySize: setup.memorySize, inputLength: Buffer.byteLength(setup.input, "base64") };
    return problemOf(processStateSchema(bounds), state);
  },
  restore(_name, config, state, memory) {
    const c = config as ProcessConfig | null;
    if (c?.kind !== "process") throw new Error("the setup does not describe a process");
    const vm = new MigratableProcess();
    vm.process = resumeProcess(c.setup, state as ProcessState, memory, { stdout: vm.stdout, stderr: vm.stderr });
    return vm;
  },
};
