/**
 * Profiles: every tick of a guest counted against the symbol its pc is in (idle ticks against
 * `[idle]`), with the traps each symbol caused — a flat profile whose counts add up to the
 * run's ticks — and against the stack of calls the profiler saw (calls push, returns pop, a
 * trap pushes the handler, `sret` back to where the trap came from pops it), written as folded
 * stacks (`main;insertion_sort 1234`), the format flamegraph.pl, inferno and speedscope read.
 *
 * Bounded: at most MAX_NODES distinct stacks and MAX_DEPTH frames; deeper calls count against
 * the deepest frame kept, further stacks against their parent.
 */
import { REG_RA } from "../../isa/arch.js";
import type { SymbolTable } from "../../isa/image/symbols.js";
import { Op } from "../../isa/opcodes.js";
import { STEP_END, STEP_IDLE, STEP_INSN, STEP_SYSCALL, STEP_TRAP, type StepEvent, type Target } from "./target.js";

export const MAX_NODES = 100_000;
export const MAX_DEPTH = 256;
const IDLE = "[idle]";

interface Node {
  name: string;
  parent: Node | null;
  children: Map<string, Node>;
  ticks: number;
}

interface FlatRow {
  ticks: number;
  instructions: number;
  traps: number;
}

export interface ProfileRow {
  symbol: string;
  instructions: number;
  ticks: number;
  share: number;
  traps: number;
}

/** One guest's profile. */
export class Profiler {
  private readonly flat = new Map<string, FlatRow>();
  private readonly root: Node = { name: "", parent: null, children: new Map(), ticks: 0 };
  private node: Node | null = null;
  private depth = 0;
  private nodes = 0;
  /** At each trap entry: the stack it interrupted and the pc it came from. */
  private readonly traps: { node: Node; depth: number; epc: number }[] = [];
  total = 0;

  constructor(private readonly symbols: SymbolTable) {}

  private nameOf(pc: number): string {
    return this.symbols.at(pc)?.name ?? `0x${(pc >>> 0).toString(16).padStart(8, "0")}`;
  }

  private push(name: string): void {
    const at = this.node ?? this.root;
    if (this.depth >= MAX_DEPTH) return;
    let child = at.children.get(name);
    if (!child) {
      if (this.nodes >= MAX_NODES) return;
      child = { name, parent: at, children: new Map(), ticks: 0 };
      at.children.set(name, child);
      this.nodes++;
    }
    this.node = child;
    this.depth++;
  }

  /** A return; from the outermost frame seen, to a frame named for where it went. */
  private pop(pc: number): void {
    if (this.node && this.node.parent && this.node.parent !== this.root) {
      this.node = this.node.parent;
      this.depth--;
      return;
    }
    this.node = null;
    this.depth = 0;
    this.push(this.nameOf(pc));
  }

  /** After `prepare`: an interrupt's entry pushes its handler. */
  beforeStep(target: Target, event: StepEvent): void {
    if (this.node === null) this.push(this.nameOf(event.interrupt !== 0 ? event.interruptPc : target.cpu.pc));
    if (event.interrupt !== 0) this.enterTrap(target.cpu.pc, event.interruptPc);
  }

  private enterTrap(handler: number, epc: number): void {
    if (this.traps.length < MAX_DEPTH) this.traps.push({ node: this.node!, depth: this.depth, epc: epc >>> 0 });
    this.push(this.nameOf(handler));
  }

  afterStep(target: Target, event: StepEvent): void {
    const idle = event.kind === STEP_IDLE;
    const name = idle ? IDLE : this.nameOf(event.pc);
    let row = this.flat.get(name);
    if (!row) this.flat.set(name, (row = { ticks: 0, instructions: 0, traps: 0 }));
    row.ticks++;
    this.total++;
    if (!idle) row.instructions++;
    if (event.kind === STEP_TRAP || event.kind === STEP_SYSCALL || (event.kind === STEP_END && event.cause !== 0))
      row.traps++;
    // The tick counts against the stack it ran in.
    (this.node ?? this.root).ticks++;
    if (event.kind === STEP_TRAP) {
      this.enterTrap(event.handlerPc, event.pc);
      return;
    }
    if (event.kind !== STEP_INSN) return;
    const op = event.word & 0xff;
    const rd = (event.word >>> 8) & 15;
    if ((op === Op.JAL || op === Op.JALR) && rd === REG_RA) this.push(this.nameOf(target.cpu.pc));
    else if (op === Op.JALR && rd === 0 && ((event.word >>> 12) & 15) === REG_RA) this.pop(target.cpu.pc);
    else if (op === Op.SRET) this.returnFromTrap(target.cpu.pc);
  }

  /** Back where the trap came from (its pc, or the one after it), or else a fresh stack at the new pc. */
  private returnFromTrap(pc: number): void {
    const trap = this.traps.pop();
    if (trap && (pc >>> 0 === trap.epc || pc >>> 0 === trap.epc + 4)) {
      this.node = trap.node;
      this.depth = trap.depth;
      return;
    }
    this.traps.length = 0;
    this.node = null;
    this.depth = 0;
    this.push(this.nameOf(pc));
  }

  /** Rows by ticks, most first. */
  rows(): ProfileRow[] {
    return [...this.flat.entries()]
      .map(([symbol, r]) => ({
        symbol,
        instructions: r.instructions,
        ticks: r.ticks,
        share: this.total ? r.ticks / this.total : 0,
        traps: r.traps,
      }))
      .sort((a, b) => b.ticks - a.ticks || a.symbol.localeCompare(b.symbol));
  }

  /** `a;b;c N` lines, one per stack that had ticks. */
  folded(prefix = ""): string[] {
    const out: string[] = [];
    const walk = (node: Node, path: string) => {
      for (const child of node.children.values()) {
        const here = path ? `${path};${child.name}` : child.name;
        if (child.ticks > 0) out.push(`${here} ${child.ticks}`);
        walk(child, here);
      }
    };
    if (this.root.ticks > 0) out.push(`${prefix || "[unknown]"} ${this.root.ticks}`);
    walk(this.root, prefix);
    return out;
  }
}

/** The flat profile as a table. */
export function formatProfile(name: string, profiler: Profiler): string[] {
  const rows = profiler.rows();
  const width = Math.max(6, ...rows.map((r) => r.symbol.length));
  const lines = [
    `profile of ${name}: ${profiler.total} ticks`,
    `${"symbol".padEnd(width)}  ${"ticks".padStart(10)}  ${"instructions".padStart(12)}  ${"share".padStart(6)}  ${"traps".padStart(7)}`,
  ];
  for (const r of rows) {
    const cells = [
      String(r.ticks).padStart(10),
      String(r.instructions).padStart(12),
      `${(100 * r.share).toFixed(1).padStart(5)}%`,
      String(r.traps).padStart(7),
    ];
    lines.push(`${r.symbol.padEnd(width)}  ${cells.join("  ")}`);
  }
  return lines;
}
