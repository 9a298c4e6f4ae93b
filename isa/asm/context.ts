/**
 * The state both passes share: sections, symbols, numeric local labels, the current line, and
 * the decisions pass 1 made that pass 2 must repeat (the size of each `li`).
 */
import type { Token } from "./lexer.js";
import { AsmFatal, AsmProblem } from "./errors.js";
import { evaluate, type ExprEnv } from "./expr.js";
import type { FileSearch } from "./files.js";
import { MAX_OUTPUT, sizeText } from "./limits.js";
import { PREDEFINED_BY_NAME } from "./predefined.js";
import { Section, SECTION_NAMES, type SectionName } from "./sections.js";
import type { SourceLine } from "./source.js";
import type { OperandTokens } from "./statement.js";

export type SymbolDef =
  | { kind: "label"; section: SectionName; offset: number; seq: number; where: string }
  | { kind: "equ"; value: bigint | undefined; seq: number; where: string };

interface NumericDef {
  seq: number;
  section: SectionName;
  offset: number;
}

/** A row of the listing: the bytes one line produced. */
export interface ListingRow {
  line: SourceLine;
  address: number | undefined;
  bytes: Uint8Array;
  /** Instruction words (shown as words) rather than data bytes. */
  code: boolean;
}

const INT32_MIN = -(2n ** 31n);
const UINT32_MAX = 2n ** 32n - 1n;

export class Assembly implements ExprEnv {
  pass: 1 | 2 = 1;
  readonly sections = Object.fromEntries(SECTION_NAMES.map((n) => [n, new Section(n)])) as Record<SectionName, Section>;
  current: SectionName = "text";
  readonly symbols = new Map<string, SymbolDef>();
  readonly numeric = new Map<number, NumericDef[]>();
  /** Words each size-varying pseudo-instruction took in pass 1, by line. */
  readonly decidedWords = new Map<number, number>();
  line!: SourceLine;
  readonly listing: ListingRow[] = [];
  entry?: { value: number; seq: number };
  memsize?: { value: number; seq: number };
  bootArgs?: { address: number; size: number; seq: number };
  readonly incbinCache = new Map<string, Uint8Array>();

  constructor(
    readonly file: string,
    readonly search: FileSearch,
  ) {}

  get section(): Section {
    return this.sections[this.current];
  }

  /** Where the line being assembled is, for "first defined at" notes. */
  where(): string {
    return `${this.line.file}:${this.line.line}`;
  }

  // ---- expression environment ---------------------------------------------------------------

  symbol(name: string, col: number): bigint | undefined {
    const def = this.symbols.get(name);
    if (!def) {
      const predefined = PREDEFINED_BY_NAME.get(name);
      if (predefined) return BigInt(predefined.value);
      if (this.pass === 1) return undefined;
      throw new AsmProblem(col, `undefined symbol '${name}'`);
    }
    if (def.kind === "equ") {
      if (def.value === undefined && this.pass === 2) {
        throw new AsmProblem(col, `the value of '${name}' depends on a later definition`);
      }
      return def.value;
    }
    const base = this.sections[def.section].base;
    return base === undefined ? undefined : BigInt(base + def.offset);
  }

  local(label: number, forward: boolean, col: number): bigint | undefined {
    const defs = this.numeric.get(label) ?? [];
    const seq = this.line.seq;
    const def = forward ? defs.find((d) => d.seq > seq) : defs.filter((d) => d.seq <= seq).pop();
    if (!def) {
      if (this.pass === 1) return undefined;
      throw new AsmProblem(col, `no numeric label ${label} ${forward ? "after" : "before"} this line`);
    }
    const base = this.sections[def.section].base;
    return base === undefined ? undefined : BigInt(base + def.offset);
  }

  here(): bigint | undefined {
    const h = this.section.here();
    return h === undefined ? undefined : BigInt(h);
  }

  // ---- evaluating operands ------------------------------------------------------------------

  /** Value of an operand; undefined only in pass 1 for names not known yet. */
  value(op: OperandTokens): bigint | undefined {
    return evaluate(op.tokens, this, op.col);
  }

  /** A value that pass 1 must already know (sizes, .org). */
  knownNow(op: OperandTokens, what: string): bigint {
    const v = evaluate(op.tokens, this, op.col);
    if (v === undefined) throw new AsmProblem(op.col, `${what} must be known at this point (no forward references)`);
    return v;
  }

  /** A 32-bit value (signed or unsigned spelling), as a JS number; undefined in pass 1 if unknown. */
  value32(op: OperandTokens): number | undefined {
    const v = this.value(op);
    if (v === undefined) return undefined;
    if (v < INT32_MIN || v > UINT32_MAX) throw new AsmProblem(op.col, `value ${v} does not fit in 32 bits`);
    return Number(v);
  }

  /** A value in [lo, hi], as a JS number. */
  inRange(op: OperandTokens, lo: number, hi: number, what: string, v = this.value(op)): number | undefined {
    if (v === undefined) return undefined;
    if (v < BigInt(lo) || v > BigInt(hi)) throw new AsmProblem(op.col, `${what} ${v} is out of range ${lo}..${hi}`);
    return Number(v);
  }

  // ---- labels and symbols -------------------------------------------------------------------

  defineLabel(name: string, col: number, numeric: number | undefined): void {
    const section = this.current;
    const offset = this.section.offset;
    const seq = this.line.seq;
    if (numeric !== undefined) {
      const defs = this.numeric.get(numeric) ?? [];
      if (this.pass === 1) defs.push({ seq, section, offset });
      else Object.assign(defs.find((d) => d.seq === seq)!, { section, offset });
      this.numeric.set(numeric, defs);
      return;
    }
    notPredefined(name, col);
    const old = this.symbols.get(name);
    if (this.pass === 1 && old) throw new AsmProblem(col, `duplicate symbol '${name}' (first defined at ${old.where})`);
    if (this.pass === 2 && old?.seq !== seq) return; // the duplicate was reported in pass 1
    this.symbols.set(name, { kind: "label", section, offset, seq, where: this.where() });
  }

  defineEqu(name: string, col: number, value: bigint | undefined): void {
    if (!/^[A-Za-z_.$][\w.$]*$/.test(name) || name === ".") throw new AsmProblem(col, `bad symbol name '${name}'`);
    notPredefined(name, col);
    const old = this.symbols.get(name);
    const seq = this.line.seq;
    if (this.pass === 1 && old) throw new AsmProblem(col, `duplicate symbol '${name}' (first defined at ${old.where})`);
    if (this.pass === 2 && old?.seq !== seq) return;
    this.symbols.set(name, { kind: "equ", value, seq, where: this.where() });
  }

  /** Moves the location counter forward with zero bytes. */
  skip(n: number): void {
    this.makeRoom(n);
    if (this.pass === 2) this.section.write(new Uint8Array(n), this.line.seq);
    else this.section.advance(n, this.line.seq);
  }

  /** Emits bytes (pass 2) or just reserves room for them (pass 1). */
  emit(bytes: Uint8Array, code: boolean): void {
    this.makeRoom(bytes.length);
    const address = this.section.here();
    if (this.pass === 2) {
      this.section.write(bytes, this.line.seq);
      this.listing.push({ line: this.line, address, bytes, code });
    } else {
      this.section.advance(bytes.length, this.line.seq);
    }
  }

  /**
   * Stops the assembly in pass 1, before pass 2 allocates anything, once the sections together
   * would hold more than an image may (MAX_IMAGE_CONTENTS): no such image can be loaded.
   */
  private makeRoom(n: number): void {
    const s = this.section;
    const total = SECTION_NAMES.reduce((sum, name) => sum + this.sections[name].size, 0) + Math.max(0, s.offset + n - s.size);
    if (total > MAX_OUTPUT) {
      throw new AsmFatal(this.opCol, `the sections grow past ${sizeText(MAX_OUTPUT)}, the most an image holds`);
    }
  }

  expectOperands(ops: OperandTokens[], count: number, usage: string): void {
    if (ops.length !== count) {
      const col = ops[count]?.col ?? ops[ops.length - 1]?.col ?? this.opCol;
      throw new AsmProblem(col, `expected ${count} operand${count === 1 ? "" : "s"} (${usage}), got ${ops.length}`);
    }
    const empty = ops.find((o) => o.tokens.length === 0);
    if (empty) throw new AsmProblem(empty.col, "missing operand");
  }

  /** Column of the current mnemonic or directive. */
  opCol = 1;
}

/** The architecture's symbols are the same in every program: redefining one is an error. */
function notPredefined(name: string, col: number): void {
  const predefined = PREDEFINED_BY_NAME.get(name);
  if (predefined) {
    throw new AsmProblem(col, `'${name}' is predefined (${predefined.source} in isa/arch.ts = 0x${predefined.value.toString(16)}) and may not be redefined`);
  }
}

export type { Token };
