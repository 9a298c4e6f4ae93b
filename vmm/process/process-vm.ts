/**
 * The process VM (chapter 3, figure 3-7a): a runtime that runs ONE user program, like a JVM,
 * and serves its system calls itself. There is no guest kernel: the CPU runs the program in
 * user mode with paging off, and every `sys` and every exception comes back to this file as
 * a trap value.
 *
 * The program's memory (one Memory of image.memorySize bytes, or more if asked):
 *
 *   0x00000000 +---------------------------+
 *              | image sections, boot args |  loaded by isa/loader.ts
 *   break0     +---------------------------+  end of the highest section or boot-args area,
 *              | heap (sbrk)          ↓    |  rounded up to a page
 *   break      +---------------------------+
 *              |  …free…                   |
 *   size - 64K +---------------------------+  the heap never grows past here, nor past sp
 *              | stack                ↑    |
 *   size       +---------------------------+  sp at entry
 *
 * Entry: pc = image entry, a0 = address of the boot-argument text (0 without a boot-args
 * area), a1 = memory size, sp = top of memory.
 *
 * Guest time: ticks are retired instructions; a `sys` counts as one, `sleep(n)` adds n.
 * Same image, arguments and input give the same output bytes and the same ticks.
 */
import {
  CAUSE_ACCESS_FAULT,
  CAUSE_ILLEGAL,
  CAUSE_MISALIGNED,
  CAUSE_PAGE_FAULT_FETCH,
  CAUSE_PAGE_FAULT_READ,
  CAUSE_PAGE_FAULT_WRITE,
  CAUSE_PRIVILEGED,
  CAUSE_SYSCALL,
  PAGE_SIZE,
  REG_A0,
  REG_A1,
  REG_A2,
  REG_A3,
  REG_SP,
  SYS,
  causeName,
} from "../../isa/arch.js";
import { Cpu, EXIT_BUDGET, EXIT_NAMES, EXIT_TRAP, type CpuState } from "../../isa/cpu/cpu.js";
import type { GuestImage } from "../../isa/image/model.js";
import { loadImage } from "../../isa/loader.js";
import { Memory } from "../../isa/memory.js";
import { copyFromGuest, copyToGuest, inGuest } from "./guest-buffers.js";

/** How the process ended. */
export type ProcessEnd = "exit" | "fault" | "limit";

/** Bytes out of the guest: stdout or stderr. The array is the caller's to keep. */
export type ByteSink = (bytes: Uint8Array) => void;

export interface ProcessOptions {
  /** Name used in messages (the program's file name); "program" by default. */
  name?: string;
  /** Boot-argument text, e.g. "n=20" (needs an image with a boot-args area). */
  args?: string;
  /** What read(0, …) returns; empty by default. */
  input?: Uint8Array | string;
  stdout: ByteSink;
  /** The program's fd 2 and the runtime's one-line fault and limit messages. */
  stderr?: ByteSink;
  /** Stop a program still running after this many ticks (default DEFAULT_MAX_TICKS). */
  maxTicks?: number;
  /** Guest memory in bytes; at least the image's memorySize (the default). */
  memorySize?: number;
}

export interface ProcessFault {
  cause: number;
  causeName: string;
  pc: number;
  /** Faulting address, or the instruction word for illegal and privileged instructions. */
  value: number;
}

export interface ProcessResult {
  reason: ProcessEnd;
  /** exit(status) as an int32; 128 + cause after a fault; EXIT_STATUS_LIMIT at the limit. */
  exitStatus: number;
  ticks: number;
  /** System calls made, by name (SYS in arch.ts; "unknown" for other numbers). */
  syscalls: Record<string, number>;
  /** The one-line message written to stderr for a fault or the tick limit. */
  message?: string;
  fault?: ProcessFault;
}

export const DEFAULT_MAX_TICKS = 1_000_000_000;
/** Bytes at the top of memory the heap leaves to the stack. */
export const STACK_RESERVE = 64 * 1024;
/** Exit status of a program stopped at the tick limit (as timeout(1) does). */
export const EXIT_STATUS_LIMIT = 124;
export const EXIT_STATUS_FAULT_BASE = 128;

/** System-call names by number, from SYS. */
export const SYSCALL_NAMES: readonly string[] = (() => {
  const names: string[] = [];
  for (const [name, number] of Object.entries(SYS)) names[number] = name;
  return names;
})();

const ADDRESS_FAULTS = new Set([
  CAUSE_PAGE_FAULT_READ,
  CAUSE_PAGE_FAULT_WRITE,
  CAUSE_PAGE_FAULT_FETCH,
  CAUSE_MISALIGNED,
  CAUSE_ACCESS_FAULT,
]);

const utf8 = new TextEncoder();
const noOutput: ByteSink = () => {};

export interface ProcessState {
  version: 1;
  cpu: CpuState;
  programBreak: number;
  inputOffset: number;
  syscalls: Record<string, number>;
  result?: ProcessResult;
}

export const hex32 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

/** Where the heap starts: past every section and the boot-args area, on a page boundary. */
export function initialBreak(image: GuestImage): number {
  let end = image.bootArgs.address + image.bootArgs.size;
  for (const section of image.sections) end = Math.max(end, section.address + section.size);
  return Math.ceil(end / PAGE_SIZE) * PAGE_SIZE;
}

/** One process: load it, then `run` it in slices or to the end. */
export class ProcessVm {
  readonly memory: Memory;
  readonly cpu: Cpu;
  readonly name: string;
  readonly maxTicks: number;
  readonly breakStart: number;
  programBreak: number;
  private readonly input: Uint8Array;
  private inputOffset = 0;
  private readonly stdout: ByteSink;
  private readonly stderr: ByteSink;
  private readonly syscalls: Record<string, number> = {};
  private ended: ProcessResult | undefined;

  constructor(image: GuestImage, options: ProcessOptions) {
    this.name = options.name ?? "program";
    this.maxTicks = options.maxTicks ?? DEFAULT_MAX_TICKS;
    this.stdout = options.stdout;
    this.stderr = options.stderr ?? noOutput;
    this.input = typeof options.input === "string" ? utf8.encode(options.input) : (options.input ?? new Uint8Array(0));
    this.memory = new Memory(Math.max(options.memorySize ?? 0, image.memorySize));
    const reset = loadImage(image, this.memory, options.args ?? "");
    this.cpu = new Cpu(this.memory, { hosted: true });
    this.cpu.reset(reset.entry, reset.a0, reset.a1);
    this.cpu.regs[REG_SP] = this.memory.size | 0;
    this.cpu.setTranslation(false, 0, false);
    this.breakStart = this.programBreak = initialBreak(image);
  }

  /** The result once the process has ended, else undefined. */
  get result(): ProcessResult | undefined {
    return this.ended;
  }

  /**
   * Runs for at most `budget` more ticks (all of them by default). Returns the result when the
   * process ended, or undefined when the budget ran out first.
   */
  run(budget = Infinity): ProcessResult | undefined {
    const cpu = this.cpu;
    let left = budget;
    while (!this.ended && left > 0) {
      const untilLimit = this.maxTicks - cpu.ticks;
      if (untilLimit <= 0) return this.end("limit", EXIT_STATUS_LIMIT, this.limitMessage());
      const slice = Math.min(left, untilLimit);
      const before = cpu.ticks;
      const exit = cpu.run(slice);
      if (exit === EXIT_TRAP) {
        if (cpu.trapCause === CAUSE_SYSCALL) this.serveSystemCall();
        else this.fault();
      } else if (exit !== EXIT_BUDGET) {
        // Hosted user code cannot halt, idle or miss pages here: that would be a toyvmm bug.
        throw new Error(`process VM: unexpected CPU exit "${EXIT_NAMES[exit]}" at pc ${hex32(cpu.pc)}`);
      }
      left -= cpu.ticks - before;
    }
    if (!this.ended && cpu.ticks >= this.maxTicks) return this.end("limit", EXIT_STATUS_LIMIT, this.limitMessage());
    return this.ended;
  }

  /** Serves the `sys` at pc, then moves past it (it counts as one retired instruction). */
  private serveSystemCall(): void {
    const cpu = this.cpu;
    const regs = cpu.regs;
    const number = regs[REG_A0]!;
    const a1 = regs[REG_A1]!;
    const a2 = regs[REG_A2]!;
    const a3 = regs[REG_A3]!;
    const name = SYSCALL_NAMES[number] ?? "unknown";
    this.syscalls[name] = (this.syscalls[name] ?? 0) + 1;
    // time() tells the ticks before the sys, as CSR time would at this instruction.
    const now = cpu.time32();
    cpu.pc = (cpu.pc + 4) | 0;
    cpu.ticks += 1;

    let result = -1;
    switch (number) {
      case SYS.exit:
        this.end("exit", a1);
        return;
      case SYS.write:
        result = this.write(a1, a2, a3);
        break;
      case SYS.read:
        result = this.read(a1, a2, a3);
        break;
      case SYS.time:
        result = now;
        break;
      case SYS.sbrk:
        result = this.sbrk(a1);
        break;
      case SYS.yield:
        result = 0;
        break;
      case SYS.sleep: {
        // Idle time; never past the limit, so the limit stops the program at the exact tick.
        const idle = Math.min(Math.max(a1, 0), Math.max(this.maxTicks - cpu.ticks, 0));
        cpu.ticks += idle;
        cpu.idleTicks += idle;
        result = 0;
        break;
      }
      case SYS.getpid:
        result = 1;
        break;
      // spawn and wait need a kernel with processes; a process VM runs exactly one.
      default:
        result = -1;
    }
    regs[REG_A0] = result | 0;
  }

  private write(fd: number, buffer: number, length: number): number {
    if (fd !== 1 && fd !== 2) return -1;
    const bytes = copyFromGuest(this.memory, buffer, length);
    if (!bytes) return -1;
    if (bytes.length > 0) (fd === 1 ? this.stdout : this.stderr)(bytes);
    return bytes.length;
  }

  private read(fd: number, buffer: number, length: number): number {
    // The whole buffer must be guest memory, even when less input is left.
    if (fd !== 0 || !inGuest(this.memory, buffer, length)) return -1;
    const count = Math.min(length, this.input.length - this.inputOffset);
    copyToGuest(this.memory, buffer, this.input.subarray(this.inputOffset, this.inputOffset + count));
    this.inputOffset += count;
    return count;
  }

  /** Moves the break by `increment` bytes; the old break, or -1 when that is not possible. */
  private sbrk(increment: number): number {
    const old = this.programBreak;
    const next = old + increment;
    const stackPointer = this.cpu.regs[REG_SP]! >>> 0;
    const limit = Math.min(this.memory.size - STACK_RESERVE, stackPointer);
    if (next < this.breakStart || (increment > 0 && next > limit)) return -1;
    if (next > old) {
      // Fresh heap is zero, also after the program shrank the break and grows it again.
      this.memory.bytes.fill(0, old, next);
      this.memory.markDirty(old, next - old);
    }
    this.programBreak = next;
    return old;
  }

  private fault(): void {
    const cpu = this.cpu;
    const cause = cpu.trapCause;
    const fault: ProcessFault = { cause, causeName: causeName(cause), pc: cpu.pc, value: cpu.trapValue };
    const detail = ADDRESS_FAULTS.has(cause)
      ? `${fault.causeName} at ${hex32(fault.value)}`
      : cause === CAUSE_ILLEGAL || cause === CAUSE_PRIVILEGED
        ? `${fault.causeName} (instruction word ${hex32(fault.value)})`
        : fault.causeName;
    this.end("fault", EXIT_STATUS_FAULT_BASE + cause, `${this.name}: fault at pc ${hex32(fault.pc)}: ${detail}`, fault);
  }

  private limitMessage(): string {
    return `${this.name}: stopped at the tick limit after ${this.cpu.ticks} ticks, pc ${hex32(this.cpu.pc)} (raise it with --max-ticks)`;
  }

  private end(reason: ProcessEnd, exitStatus: number, message?: string, fault?: ProcessFault): ProcessResult {
    const result: ProcessResult = { reason, exitStatus: exitStatus | 0, ticks: this.cpu.ticks, syscalls: { ...this.syscalls } };
    if (message !== undefined) {
      result.message = message;
      this.stderr(utf8.encode(message + "\n"));
    }
    if (fault) result.fault = fault;
    this.ended = result;
    return result;
  }

  /** Everything but memory (which travels as pages) and the input bytes (given again on restore). */
  save(): ProcessState {
    const state: ProcessState = {
      version: 1,
      cpu: this.cpu.save(),
      programBreak: this.programBreak,
      inputOffset: this.inputOffset,
      syscalls: { ...this.syscalls },
    };
    if (this.ended) state.result = structuredClone(this.ended);
    return state;
  }

  restore(state: ProcessState): void {
    if (state.version !== 1) throw new Error(`process state version ${state.version} is not supported`);
    this.cpu.restore(state.cpu);
    this.cpu.setTranslation(false, 0, false);
    this.programBreak = state.programBreak;
    this.inputOffset = state.inputOffset;
    for (const key of Object.keys(this.syscalls)) delete this.syscalls[key];
    Object.assign(this.syscalls, state.syscalls);
    this.ended = state.result ? structuredClone(state.result) : undefined;
  }
}

/** Loads `image` and runs it to the end: exit, fault or the tick limit. */
export function runProcess(image: GuestImage, options: ProcessOptions): ProcessResult {
  return new ProcessVm(image, options).run()!;
}
