/**
 * Traces: one line per instruction (`insn`), per trap or interrupt (`trap`), per system call
 * (`syscall`) or per page fault and page-table change (`mmu`), each with the tick, the VM, the
 * mode (K kernel, U user), the pc and its symbol; an instruction also with its disassembly and
 * the registers it changed. The tracer watches ticks a `Target` tells (target.ts), so a guest
 * not traced runs its own loop, compiled blocks and all, and pays nothing.
 *
 *          17 sort.s U 0x00001388 <main+0x4>  sw      ra, 0(sp)
 *          18 sort.s U 0x0000138c <main+0x8>  lui     a0, 0x0  ; a0=0x00000000
 *        1094 solo   U 0x000033a0 <u_write+0x10>  trap syscall -> 0x00001224 <trap_entry>
 */
import {
  CAUSE_PAGE_FAULT_FETCH,
  CAUSE_PAGE_FAULT_READ,
  CAUSE_PAGE_FAULT_WRITE,
  CAUSE_SYSCALL,
  CSR,
  REGISTER_COUNT,
  REGISTER_NAMES,
  causeName,
} from "../../isa/arch.js";
import { disassemble } from "../../isa/disasm.js";
import type { ImageSymbol } from "../../isa/image/model.js";
import type { SymbolTable } from "../../isa/image/symbols.js";
import { Op } from "../../isa/opcodes.js";
import { UserError } from "../../isa/errors.js";
import type { CodeMap } from "./frames.js";
import { hex32 } from "./registers.js";
import { STEP_END, STEP_IDLE, STEP_INSN, STEP_SYSCALL, STEP_TRAP, type StepEvent, type Target } from "./target.js";
import type { TraceKind } from "./trace-kinds.js";
import { syscallName } from "./syscalls.js";

const PAGE_FAULTS = new Set([CAUSE_PAGE_FAULT_READ, CAUSE_PAGE_FAULT_WRITE, CAUSE_PAGE_FAULT_FETCH]);

/** Which pcs are traced: functions by name (up to the next function) and START-END ranges. */
export class AddressFilter {
  private readonly ranges: [number, number][] = [];

  constructor(specs: readonly string[], symbols: SymbolTable, code: CodeMap, flag = "--trace-filter") {
    for (const spec of specs) {
      const range = /^(0x[0-9a-f]+|\d+)-(0x[0-9a-f]+|\d+)$/i.exec(spec);
      if (range) {
        const [start, end] = [Number(range[1]), Number(range[2])];
        if (end <= start) throw new UserError(`${flag} ${spec}: the end must be above the start`);
        this.ranges.push([start, end]);
        continue;
      }
      const start = symbols.address(spec);
      if (start === undefined)
        throw new UserError(`${flag} ${spec}: no symbol ${spec} in the image, and not a range START-END`);
      this.ranges.push([start, code.nextFunction(start) ?? symbols.extent(spec)![1]]);
    }
  }

  has(pc: number): boolean {
    const a = pc >>> 0;
    return this.ranges.some(([start, end]) => a >= start && a < end);
  }
}

export interface TraceOptions {
  kinds: ReadonlySet<TraceKind>;
  /** Only pcs in these; every pc when absent. */
  filter?: AddressFilter;
  write(line: string): void;
}

export class Tracer {
  private readonly before = new Int32Array(REGISTER_COUNT);
  private tick = 0;
  private readonly vmWidth: number;

  constructor(
    private readonly options: TraceOptions,
    vmNames: readonly string[],
  ) {
    this.vmWidth = Math.max(...vmNames.map((n) => n.length));
  }

  /** After `prepare`, before `step`: an interrupt taken, and the registers before the tick. */
  beforeStep(target: Target, event: StepEvent): void {
    this.tick = target.ticks;
    this.before.set(target.cpu.regs);
    if (event.interrupt !== 0 && this.options.kinds.has("trap") && this.wanted(event.interruptPc)) {
      this.line(
        target,
        event.kernel,
        event.interruptPc,
        `interrupt ${causeName(event.interrupt)} -> ${target.symbols.describe(target.cpu.pc)}`,
      );
    }
  }

  afterStep(target: Target, event: StepEvent, symbols: readonly ImageSymbol[]): void {
    const kinds = this.options.kinds;
    if (event.kind === STEP_IDLE || !this.wanted(event.pc)) return;
    const trapped = event.kind === STEP_TRAP || (event.kind === STEP_END && event.cause !== 0);
    if (trapped) {
      const fault = PAGE_FAULTS.has(event.cause);
      const syscall = event.cause === CAUSE_SYSCALL;
      if (kinds.has("trap") || (fault && kinds.has("mmu")) || (syscall && kinds.has("syscall"))) {
        const value = fault ? ` at ${hex32(event.value)}` : syscall ? ` ${syscallName(target, event.a0)}` : "";
        const to = event.kind === STEP_TRAP ? ` -> ${target.symbols.describe(event.handlerPc)}` : " (ends the guest)";
        this.line(target, event.kernel, event.pc, `trap ${causeName(event.cause)}${value}${to}`);
      }
      return;
    }
    if (event.kind === STEP_SYSCALL && kinds.has("syscall")) {
      const r = this.before;
      this.line(
        target,
        false,
        event.pc,
        `syscall ${syscallName(target, r[1]!)}(${hex32(r[2]!)}, ${hex32(r[3]!)}, ${hex32(r[4]!)}) = ${target.cpu.regs[1]}`,
      );
      return;
    }
    if (event.kind !== STEP_INSN && event.kind !== STEP_SYSCALL) return;
    if (kinds.has("mmu")) {
      const change = mmuChange(event.word, this.before, target);
      if (change) this.line(target, event.kernel, event.pc, change);
    }
    if (kinds.has("insn")) {
      const changed = this.changed(target);
      const text = disassemble(event.word, event.pc, symbols);
      this.line(target, event.kernel, event.pc, changed ? `${text.padEnd(28)}  ; ${changed}` : text);
    }
  }

  /** `a0=0x00000005 t1=…`: the registers the tick changed, or "". */
  private changed(target: Target): string {
    const regs = target.cpu.regs;
    const parts: string[] = [];
    for (let i = 1; i < REGISTER_COUNT; i++)
      if (regs[i] !== this.before[i]) parts.push(`${REGISTER_NAMES[i]}=${hex32(regs[i]!)}`);
    return parts.join(" ");
  }

  private wanted(pc: number): boolean {
    return !this.options.filter || this.options.filter.has(pc);
  }

  private line(target: Target, kernel: boolean, pc: number, text: string): void {
    this.options.write(
      `${String(this.tick).padStart(10)} ${target.name.padEnd(this.vmWidth)} ${kernel ? "K" : "U"} ${target.symbols.describe(pc)}  ${text}`,
    );
  }
}

/** What an instruction changed of translation: a write of ptbr or status, or a TLB flush. */
function mmuChange(word: number, before: Int32Array, target: Target): string | undefined {
  const op = word & 0xff;
  if (op === Op.TLBFLUSH) return "mmu tlbflush";
  if (op !== Op.CSRW) return undefined;
  const csr = word >>> 16;
  if (csr !== CSR.ptbr && csr !== CSR.status) return undefined;
  const value = before[(word >>> 12) & 15]!;
  return `mmu ${csr === CSR.ptbr ? "ptbr" : "status"} <- ${hex32(value)}${target.translation().paging ? " (paging on)" : " (paging off)"}`;
}
