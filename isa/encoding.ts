/**
 * Encoding and decoding of instruction words, derived from the formats in `table.ts`.
 */
import { BY_OPCODE, type Format, type InstructionDef } from "./table.js";

/** The operands of one instruction, by meaning. Which ones a format uses: `LAYOUT`. */
export interface Operands {
  rd?: number;
  rs1?: number;
  rs2?: number;
  /** Immediate, offset, shift amount, csr number or port, as the format defines it. */
  imm?: number;
}

export type Operand = keyof Operands;
type Slot = "a" | "b" | "c";
type ImmKind = "s16" | "u16" | "shamt" | "s20";

interface Layout {
  readonly slots: Partial<Record<Slot, Exclude<Operand, "imm">>>;
  readonly imm?: ImmKind;
}

/** Where each format keeps its operands. */
export const LAYOUT: Record<Format, Layout> = {
  N: { slots: {} },
  R: { slots: { a: "rd", b: "rs1", c: "rs2" } },
  I: { slots: { a: "rd", b: "rs1" }, imm: "s16" },
  IU: { slots: { a: "rd", b: "rs1" }, imm: "u16" },
  SH: { slots: { a: "rd", b: "rs1" }, imm: "shamt" },
  LUI: { slots: { a: "rd" }, imm: "u16" },
  LOAD: { slots: { a: "rd", b: "rs1" }, imm: "s16" },
  STORE: { slots: { a: "rs2", b: "rs1" }, imm: "s16" },
  BR: { slots: { a: "rs1", b: "rs2" }, imm: "s16" },
  JAL: { slots: { a: "rd" }, imm: "s20" },
  JALR: { slots: { a: "rd", b: "rs1" }, imm: "s16" },
  CSRR: { slots: { a: "rd" }, imm: "u16" },
  CSRW: { slots: { b: "rs1" }, imm: "u16" },
  IN: { slots: { a: "rd" }, imm: "u16" },
  OUT: { slots: { b: "rs1" }, imm: "u16" },
};

const SLOT_SHIFT: Record<Slot, number> = { a: 8, b: 12, c: 16 };

/** Inclusive range of each immediate kind. */
export const IMM_RANGE: Record<ImmKind, readonly [number, number]> = {
  s16: [-0x8000, 0x7fff],
  u16: [0, 0xffff],
  shamt: [0, 31],
  s20: [-0x80000, 0x7ffff],
};

/** Bits of the word that must be zero in each format (the fields it does not use). */
export const UNUSED_BITS: Record<Format, number> = Object.fromEntries(
  (Object.keys(LAYOUT) as Format[]).map((f) => {
    const { slots, imm } = LAYOUT[f];
    let used = 0xff;
    for (const s of Object.keys(slots) as Slot[]) used |= 0xf << SLOT_SHIFT[s];
    if (imm === "s20") used |= 0xfffff000;
    else if (imm === "shamt") used |= 0x1f << 16;
    else if (imm) used |= 0xffff0000;
    return [f, ~used >>> 0];
  }),
) as Record<Format, number>;

export class EncodeError extends Error {}

/** The operand names a format takes, in the order they are written in assembly. */
export function operandsOf(format: Format): Operand[] {
  const { slots, imm } = LAYOUT[format];
  const names = Object.values(slots) as Operand[];
  return imm ? [...names, "imm"] : names;
}

/** Encodes one instruction. Throws EncodeError when an operand is missing or out of range. */
export function encode(def: InstructionDef, ops: Operands): number {
  const { slots, imm } = LAYOUT[def.format];
  let word = def.opcode;
  for (const [slot, name] of Object.entries(slots) as [Slot, Exclude<Operand, "imm">][]) {
    const r = ops[name];
    if (r === undefined || !Number.isInteger(r) || r < 0 || r > 15) {
      throw new EncodeError(`${def.mnemonic}: ${name} must be a register r0..r15`);
    }
    word |= r << SLOT_SHIFT[slot];
  }
  if (imm) {
    const v = ops.imm;
    const [lo, hi] = IMM_RANGE[imm];
    if (v === undefined || !Number.isInteger(v) || v < lo || v > hi) {
      throw new EncodeError(`${def.mnemonic}: ${immName(def.format)} ${v} is out of range ${lo}..${hi}`);
    }
    word |= imm === "s20" ? (v & 0xfffff) << 12 : (v & 0xffff) << 16;
  }
  return word >>> 0;
}

/** What the immediate of a format is called in messages. */
export function immName(format: Format): string {
  switch (format) {
    case "BR":
    case "JAL":
      return "word offset";
    case "SH":
      return "shift amount";
    case "CSRR":
    case "CSRW":
      return "control register";
    case "IN":
    case "OUT":
      return "port";
    case "LOAD":
    case "STORE":
    case "JALR":
      return "offset";
    default:
      return "immediate";
  }
}

export interface Decoded {
  def: InstructionDef;
  ops: Operands;
}

/** Decodes one word, or returns null when it is not a legal instruction. */
export function decode(word: number): Decoded | null {
  const def = BY_OPCODE[word & 0xff];
  if (!def || (word & UNUSED_BITS[def.format]) !== 0) return null;
  const { slots, imm } = LAYOUT[def.format];
  const ops: Operands = {};
  for (const [slot, name] of Object.entries(slots) as [Slot, Exclude<Operand, "imm">][]) {
    ops[name] = (word >>> SLOT_SHIFT[slot]) & 0xf;
  }
  if (imm === "s20") ops.imm = word >> 12;
  else if (imm === "s16") ops.imm = word >> 16;
  else if (imm) ops.imm = word >>> 16;
  return { def, ops };
}
