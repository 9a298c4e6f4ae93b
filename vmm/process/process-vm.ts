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
 * Guest time: ticks are retired instructions; a `sys` counts as one, `sleep(n)` adds n idle
 * ticks (spent like any others: a budget can end inside a sleep, and the sleep goes on in the
 * next slice). Same image, arguments and input give the same output bytes and the same ticks.
 *
 * Strong mobility: `save()` is the whole execution state but memory (CPU, break, input
 * position, a sleep in progress, the end), `setup()` what is fixed at start, and
 * `resumeProcess` (resume.ts) rebuilds the process around a memory that arrived elsewhere. On a
 * post-copy destination pages may still be missing: the CPU stops on them, and a system call
 * whose buffer touches one is not served until the page is there (`step` says which page).
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
  MAX_INPUT,
  PAGE_SHIFT,
  PAGE_SIZE,
  REG_A0,
  REG_A1,
  REG_A2,
  REG_A3,
  REG_SP,
  SYS,
  causeName,
} from "../../isa/arch.js";
import { Cpu, EXIT_BUDGET, EXIT_NAMES, EXIT_PAGE_MISSING, EXIT_TRAP, type CpuState } from "../../isa/cpu/cpu.js";
import { UserError } from "../../isa/errors.js";
import type { GuestImage, ImageSymbol } from "../../isa/image/model.js";
import { loadImage } from "../../isa/loader.js";
import { Memory } from "../../isa/memory.js";
import { describePc, END_OF_TIME, EXIT_FAULT_BASE, EXIT_LIMIT } from "../outcome.js";
import { copyFromGuest, copyToGuest, inGuest } from "./guest-buffers.js";
import type { ProcessBounds } from "./state-schema.js";

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
  /** Stop a program still running after this many ticks (default: no limit). */
  maxTicks?: number;
  /** The image's symbols, to name the function a fault happened in. */
  symbols?: readonly ImageSymbol[];
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

/** maxTicks of a process without a limit: a number, since the setup travels as JSON. */
export const NO_TICK_LIMIT = END_OF_TIME;
/** Bytes at the top of memory the heap leaves to the stack. */
export const STACK_RESERVE = 64 * 1024;
/** Exit statuses of a program stopped at the tick limit and after a fault (vmm/outcome.ts). */
export { EXIT_LIMIT as EXIT_STATUS_LIMIT, EXIT_FAULT_BASE as EXIT_STATUS_FAULT_BASE };

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

/** Why `step` returned. */
export type ProcessExit =
  | { kind: "ended"; result: ProcessResult }
  | { kind: "budget" }
  /** Post-copy: the program (or a system call for it) needs a page that has not arrived. */
  | { kind: "page-missing"; page: number };

const BUDGET_SPENT: ProcessExit = Object.freeze({ kind: "budget" });

/** The process's execution state without memory: what travels in a migration's state frame. */
export interface ProcessState {
  version: 1;
  cpu: CpuState;
  programBreak: number;
  inputOffset: number;
  /** Tick at which a sleep in progress ends; absent when the program is not sleeping. */
  sleepUntil?: number;
  syscalls: Record<string, number>;
  result?: ProcessResult;
}

/** What is fixed when the process starts, JSON-able: enough with a state and a memory to resume it. */
export interface ProcessSetup {
  version: 1;
  name: string;
  maxTicks: number;
  memorySize: number;
  breakStart: number;
  /** The whole standard input, base64 (the read position is in the state). */
  input: string;
}

/** Where a resumed process's output goes. */
export interface ProcessSinks {
  stdout: ByteSink;
  stderr?: ByteSink;
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
  /** Tick at which the current sleep ends, or -1. */
  private sleepUntil = -1;
  private readonly stdout: ByteSink;
  private readonly stderr: ByteSink;
  private readonly syscalls: Record<string, number> = {};
  private ended: ProcessResult | undefined;
  /** Names functions in fault messages; not part of the state (a destination sets its own). */
  symbols: readonly ImageSymbol[] | undefined;

  /** Loads `image` into a fresh memory and sets up the entry state. */
  constructor(image: GuestImage, options: ProcessOptions);
  /** Internal (see `resumeProcess`): around an existing memory, state restored after. */
  constructor(image: { memory: Memory; breakStart: number }, options: ProcessOptions);
  constructor(image: GuestImage | { memory: Memory; breakStart: number }, options: ProcessOptions) {
    this.name = options.name ?? "program";
    this.maxTicks = options.maxTicks ?? NO_TICK_LIMIT;
    this.symbols = options.symbols;
    this.stdout = options.stdout;
    this.stderr = options.stderr ?? noOutput;
    this.input = typeof options.input === "string" ? utf8.encode(options.input) : (options.input ?? new Uint8Array(0));
    if (this.input.length > MAX_INPUT) throw new UserError(`standard input of ${this.input.length} bytes is more than the ${MAX_INPUT} a process may be given`);
    if ("sections" in image) {
      this.memory = new Memory(Math.max(options.memorySize ?? 0, image.memorySize));
      const reset = loadImage(image, this.memory, options.args ?? "");
      this.cpu = new Cpu(this.memory, { hosted: true });
      this.cpu.reset(reset.entry, reset.a0, reset.a1);
      this.cpu.regs[REG_SP] = this.memory.size | 0;
      this.breakStart = this.programBreak = initialBreak(image);
    } else {
      this.memory = image.memory;
      this.cpu = new Cpu(this.memory, { hosted: true });
      this.breakStart = this.programBreak = image.breakStart;
    }
    this.cpu.setTranslation(false, 0, false);
  }

  /** What `resumeProcess` needs besides state and memory. */
  setup(): ProcessSetup {
    return {
      version: 1,
      name: this.name,
      maxTicks: this.maxTicks,
      memorySize: this.memory.size,
      breakStart: this.breakStart,
      input: Buffer.from(this.input).toString("base64"),
    };
  }

  /** The result once the process has ended, else undefined. */
  get result(): ProcessResult | undefined {
    return this.ended;
  }

  /**
   * Runs for at most `budget` more ticks (all of them by default). Returns the result when the
   * process ended, or undefined when the budget ran out first (or, on a post-copy destination,
   * a page is missing: `step` tells which).
   */
  run(budget = Infinity): ProcessResult | undefined {
    const exit = this.step(budget);
    return exit.kind === "ended" ? exit.result : undefined;
  }

  /** Runs for at most `budget` more ticks and says why it stopped. */
  step(budget = Infinity): ProcessExit {
    const cpu = this.cpu;
    let left = budget;
    while (!this.ended && left > 0) {
      const untilLimit = this.maxTicks - cpu.ticks;
      if (untilLimit <= 0) break;
      const slice = Math.min(left, untilLimit);
      const before = cpu.ticks;
      if (this.sleepUntil >= 0) {
        this.idle(Math.min(slice, this.sleepUntil - before));
      } else {
        const exit = cpu.run(slice);
        if (exit === EXIT_TRAP) {
          if (cpu.trapCause !== CAUSE_SYSCALL) this.fault();
          else {
            const page = this.serveSystemCall();
            if (page >= 0) return { kind: "page-missing", page };
          }
        } else if (exit === EXIT_PAGE_MISSING) {
          return { kind: "page-missing", page: cpu.missingPage };
        } else if (exit !== EXIT_BUDGET) {
          // Hosted user code cannot halt or idle here: that would be a toyvmm bug.
          throw new Error(`process VM: unexpected CPU exit "${EXIT_NAMES[exit]}" at pc ${hex32(cpu.pc)}`);
        }
      }
      left -= cpu.ticks - before;
    }
    if (!this.ended && cpu.ticks >= this.maxTicks) this.end("limit", EXIT_LIMIT, this.limitMessage());
    return this.ended ? { kind: "ended", result: this.ended } : BUDGET_SPENT;
  }

  /** Sleeps `ticks` ticks of the current sleep. */
  private idle(ticks: number): void {
    this.cpu.ticks += ticks;
    this.cpu.idleTicks += ticks;
    if (this.cpu.ticks >= this.sleepUntil) this.sleepUntil = -1;
  }

  /** The first missing page in [address, address + length), or -1 (also for ranges not in memory). */
  private missingIn(address: number, length: number): number {
    const memory = this.memory;
    if (memory.missingCount === 0 || length <= 0 || !inGuest(memory, address, length)) return -1;
    const start = address >>> 0;
    const last = (start + length - 1) >>> PAGE_SHIFT;
    for (let page = start >>> PAGE_SHIFT; page <= last; page++) if (memory.missing[page]) return page;
    return -1;
  }

  /** The first missing page the system call at pc would read or write, or -1. */
  private pageNeededBy(number: number, a1: number, a2: number, a3: number): number {
    switch (number) {
      case SYS.write:
        return a1 === 1 || a1 === 2 ? this.missingIn(a2, a3) : -1;
      case SYS.read:
        return a1 === 0 ? this.missingIn(a2, Math.min(a3, this.input.length - this.inputOffset)) : -1;
      case SYS.sbrk:
        return a1 > 0 ? this.missingIn(this.programBreak, a1) : -1;
      default:
        return -1;
    }
  }

  /**
   * Serves the `sys` at pc, then moves past it (it counts as one retired instruction). When
   * its buffer touches a missing page nothing happens and that page is returned; else -1.
   */
  private serveSystemCall(): number {
    const cpu = this.cpu;
    const regs = cpu.regs;
    const number = regs[REG_A0]!;
    const a1 = regs[REG_A1]!;
    const a2 = regs[REG_A2]!;
    const a3 = regs[REG_A3]!;
    const needed = this.pageNeededBy(number, a1, a2, a3);
    if (needed >= 0) return needed;
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
        return -1;
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
      case SYS.sleep:
        // Idle ticks, spent by `step` within its budget and the tick limit.
        if (a1 > 0) this.sleepUntil = cpu.ticks + a1;
        result = 0;
        break;
      case SYS.getpid:
        result = 1;
        break;
      // spawn and wait need a kernel with processes; a process VM runs exactly one.
      default:
        result = -1;
    }
    regs[REG_A0] = result | 0;
    return -1;
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
    this.end("fault", EXIT_FAULT_BASE + cause, `${this.name}: fault at ${describePc(fault.pc, this.symbols)}: ${detail}`, fault);
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
      // Paging stays off in a process (restoreOwn).
      cpu: this.cpu.save({ tlb: false }),
      programBreak: this.programBreak,
      inputOffset: this.inputOffset,
      syscalls: { ...this.syscalls },
    };
    if (this.sleepUntil >= 0) state.sleepUntil = this.sleepUntil;
    if (this.ended) state.result = structuredClone(this.ended);
    return state;
  }

  /** What a state for this process is checked against (resume.ts). */
  stateBounds(): ProcessBounds {
    return { breakStart: this.breakStart, memorySize: this.memory.size, inputLength: this.input.length };
  }

  /**
   * A state known to be good — one this very process saved (a debugger going back), or one
   * `restoreProcess` (resume.ts) has checked — applied without checking it again.
   */
  restoreOwn(state: ProcessState): void {
    this.cpu.restore(state.cpu);
    this.cpu.setTranslation(false, 0, false);
    this.programBreak = state.programBreak;
    this.inputOffset = state.inputOffset;
    this.sleepUntil = state.sleepUntil ?? -1;
    for (const key of Object.keys(this.syscalls)) delete this.syscalls[key];
    Object.assign(this.syscalls, state.syscalls);
    this.ended = state.result ? structuredClone(state.result) : undefined;
  }
}

/** Loads `image` and runs it to the end: exit, fault or the tick limit. */
export function runProcess(image: GuestImage, options: ProcessOptions): ProcessResult {
  return new ProcessVm(image, options).run()!;
}
