/**
 * How each instruction executes, as JavaScript source, for the block compiler. One entry per
 * row of the instruction table (isa/table.ts); a test and the check below keep them complete.
 *
 * The interpreter's switch in isa/cpu/cpu.ts `execute()` says the same thing as running code:
 * a change of meaning there must be made here too (tests/isa/jit-differential.test.ts runs
 * both and compares every bit of state).
 *
 * Operand strings are JavaScript expressions holding int32 values: a register local (`r5`),
 * `0` for r0, or an immediate literal. Every result expression yields an int32, as storing
 * into the interpreter's Int32Array would.
 */
import { INSTRUCTIONS } from "../../table.js";

/** Typed-array view names, as the generated code's closure knows them. */
export type View = "words" | "halves" | "uhalves" | "bytes" | "sbytes";

export type Semantics =
  /** rd = expr(rs1, second operand: rs2, or the immediate as the format defines it). */
  | { readonly kind: "value"; readonly expr: (x: string, y: string) => string }
  /** rd = expr(rs1, rs2); rs2 = 0 traps divide-by-zero. */
  | { readonly kind: "divide"; readonly expr: (x: string, y: string) => string }
  /** rd = view[pa >> shift] at rs1 + imm, which must be a multiple of `size`. */
  | { readonly kind: "load"; readonly view: View; readonly size: 1 | 2 | 4 }
  /** view[pa >> shift] = rs2 at rs1 + imm; the page becomes dirty. */
  | { readonly kind: "store"; readonly view: View; readonly size: 1 | 2 | 4 }
  /** pc = target if cond(rs1, rs2). */
  | { readonly kind: "branch"; readonly cond: (x: string, y: string) => string }
  | { readonly kind: "jal" }
  | { readonly kind: "jalr" }
  /** Left to the interpreter: a block ends before it (system instructions). */
  | { readonly kind: "interpret" };

const value = (expr: (x: string, y: string) => string): Semantics => ({ kind: "value", expr });
const divide = (expr: (x: string, y: string) => string): Semantics => ({ kind: "divide", expr });
const branch = (cond: (x: string, y: string) => string): Semantics => ({ kind: "branch", cond });
const u = (x: string) => `(${x} >>> 0)`;

const ADD = value((x, y) => `(${x} + ${y}) | 0`);
const AND = value((x, y) => `${x} & ${y}`);
const OR = value((x, y) => `${x} | ${y}`);
const XOR = value((x, y) => `${x} ^ ${y}`);
const SLT = value((x, y) => `${x} < ${y} ? 1 : 0`);
const SLTU = value((x, y) => `${u(x)} < ${u(y)} ? 1 : 0`);
const INTERPRET: Semantics = { kind: "interpret" };

export const SEMANTICS: Readonly<Record<string, Semantics>> = {
  add: ADD,
  sub: value((x, y) => `(${x} - ${y}) | 0`),
  and: AND,
  or: OR,
  xor: XOR,
  shl: value((x, y) => `${x} << (${y} & 31)`),
  shr: value((x, y) => `(${x} >>> (${y} & 31)) | 0`),
  sar: value((x, y) => `${x} >> (${y} & 31)`),
  slt: SLT,
  sltu: SLTU,
  mul: value((x, y) => `Math.imul(${x}, ${y})`),
  mulh: value((x, y) => `mulh(${x}, ${y})`),
  div: divide((x, y) => `(${x} / ${y}) | 0`),
  divu: divide((x, y) => `(${u(x)} / ${u(y)}) | 0`),
  rem: divide((x, y) => `(${x} % ${y}) | 0`),
  remu: divide((x, y) => `(${u(x)} % ${u(y)}) | 0`),
  addi: ADD,
  andi: AND,
  ori: OR,
  xori: XOR,
  shli: value((x, y) => `${x} << ${y}`),
  shri: value((x, y) => `(${x} >>> ${y}) | 0`),
  sari: value((x, y) => `${x} >> ${y}`),
  slti: SLT,
  sltiu: SLTU,
  lui: value((_x, y) => `${y} << 16`),
  lw: { kind: "load", view: "words", size: 4 },
  lh: { kind: "load", view: "halves", size: 2 },
  lhu: { kind: "load", view: "uhalves", size: 2 },
  lb: { kind: "load", view: "sbytes", size: 1 },
  lbu: { kind: "load", view: "bytes", size: 1 },
  sw: { kind: "store", view: "words", size: 4 },
  sh: { kind: "store", view: "halves", size: 2 },
  sb: { kind: "store", view: "bytes", size: 1 },
  beq: branch((x, y) => `${x} === ${y}`),
  bne: branch((x, y) => `${x} !== ${y}`),
  blt: branch((x, y) => `${x} < ${y}`),
  bge: branch((x, y) => `${x} >= ${y}`),
  bltu: branch((x, y) => `${u(x)} < ${u(y)}`),
  bgeu: branch((x, y) => `${u(x)} >= ${u(y)}`),
  jal: { kind: "jal" },
  jalr: { kind: "jalr" },
  sys: INTERPRET,
  brk: INTERPRET,
  halt: INTERPRET,
  wfi: INTERPRET,
  sret: INTERPRET,
  csrr: INTERPRET,
  csrw: INTERPRET,
  in: INTERPRET,
  out: INTERPRET,
  tlbflush: INTERPRET,
};

// The table is the source of truth: every row needs an entry, and only system rows may be
// left to the interpreter (they read or change privileged state, or trap).
for (const def of INSTRUCTIONS) {
  const s = SEMANTICS[def.mnemonic];
  if (!s) throw new Error(`isa/cpu/jit/semantics.ts: no semantics for '${def.mnemonic}'`);
  if ((s.kind === "interpret") !== (def.cls === "system")) {
    throw new Error(`isa/cpu/jit/semantics.ts: '${def.mnemonic}' (${def.cls}) is ${s.kind}`);
  }
}
