/**
 * Pseudo-instructions: the one table of every assembler shorthand and what it expands to.
 * `docs/ISA.md` prints this table; the disassembler never produces these forms.
 */
import { REG_RA, REG_SP } from "../arch.js";
import type { Operands } from "../encoding.js";
import { BY_MNEMONIC, type InstructionDef } from "../table.js";

/** Parsed operands of a pseudo-instruction. `value` is undefined while not known (pass 1). */
export interface PseudoArgs {
  rd: number;
  rs: number;
  rs1: number;
  rs2: number;
  value: number | undefined;
}

/** One real instruction of an expansion; BR/JAL instructions carry an absolute `target`. */
export interface Expanded {
  def: InstructionDef;
  ops: Operands;
  target?: number;
}

export interface PseudoDef {
  name: string;
  /** Operands as written: rd, rs, rs1, rs2 are registers; imm, imm32 and target expressions. */
  syntax: string;
  /** The expansion, for the docs. */
  expansion: string;
  /** Words this use needs; `value` may be undefined in pass 1. */
  words(args: PseudoArgs): number;
  /** The real instructions, given the word count decided in pass 1. */
  expand(args: PseudoArgs, words: number): Expanded[];
}

const ZERO = 0;

function real(mnemonic: string): InstructionDef {
  const def = BY_MNEMONIC.get(mnemonic);
  if (!def) throw new Error(`pseudo-instruction table names unknown instruction ${mnemonic}`);
  return def;
}

const ADDI = real("addi");
const ORI = real("ori");
const LUI = real("lui");
const SUB = real("sub");
const JAL = real("jal");
const JALR = real("jalr");
const SW = real("sw");
const LW = real("lw");
const SLTIU = real("sltiu");
const SLTU = real("sltu");

const one = () => 1;
const two = () => 2;

/** A value written where 32 bits are expected, as an int32 (the caller checked the range). */
const int32 = (v: number | undefined): number => (v ?? 0) | 0;

function branch(name: string, mnemonic: string, swap: "rs,zero" | "zero,rs" | "rs2,rs1", text: string): PseudoDef {
  const def = real(mnemonic);
  const twoRegs = swap === "rs2,rs1";
  return {
    name,
    syntax: twoRegs ? "rs1, rs2, target" : "rs, target",
    expansion: text,
    words: one,
    expand: (a) => {
      const [rs1, rs2] = swap === "rs,zero" ? [a.rs, ZERO] : swap === "zero,rs" ? [ZERO, a.rs] : [a.rs2, a.rs1];
      return [{ def, ops: { rs1, rs2 }, target: a.value ?? 0 }];
    },
  };
}

function liWords(a: PseudoArgs): number {
  if (a.value === undefined) return 2;
  const v = int32(a.value);
  if ((v >= -0x8000 && v <= 0x7fff) || (v >= 0 && v <= 0xffff) || (v & 0xffff) === 0) return 1;
  return 2;
}

function expandLi(a: PseudoArgs, words: number): Expanded[] {
  const v = int32(a.value);
  const hi = (v >>> 16) & 0xffff;
  const lo = v & 0xffff;
  if (words === 2) return [{ def: LUI, ops: { rd: a.rd, imm: hi } }, { def: ORI, ops: { rd: a.rd, rs1: a.rd, imm: lo } }];
  if (v >= -0x8000 && v <= 0x7fff) return [{ def: ADDI, ops: { rd: a.rd, rs1: ZERO, imm: v } }];
  if (v >= 0 && v <= 0xffff) return [{ def: ORI, ops: { rd: a.rd, rs1: ZERO, imm: v } }];
  return [{ def: LUI, ops: { rd: a.rd, imm: hi } }];
}

// prettier-ignore
export const PSEUDO_INSTRUCTIONS: readonly PseudoDef[] = [
  { name: "nop", syntax: "", expansion: "addi zero, zero, 0", words: one,
    expand: () => [{ def: ADDI, ops: { rd: ZERO, rs1: ZERO, imm: 0 } }] },
  { name: "mv", syntax: "rd, rs", expansion: "addi rd, rs, 0", words: one,
    expand: (a) => [{ def: ADDI, ops: { rd: a.rd, rs1: a.rs, imm: 0 } }] },
  { name: "li", syntax: "rd, imm32",
    expansion: "addi rd, zero, imm32 if it fits 16 bits signed; ori rd, zero, imm32 if it fits 16 bits unsigned; " +
      "lui rd, imm32 >> 16 if its low half is 0; else lui rd, imm32 >> 16; ori rd, rd, imm32 & 0xffff. " +
      "A value not known in pass 1 (a forward reference) always takes lui + ori",
    words: liWords, expand: expandLi },
  { name: "la", syntax: "rd, target", expansion: "lui rd, target >> 16; ori rd, rd, target & 0xffff (always 2 words)",
    words: two, expand: (a, w) => expandLi(a, w) },
  { name: "not", syntax: "rd, rs", expansion: "sub rd, zero, rs; addi rd, rd, -1", words: two,
    expand: (a) => [{ def: SUB, ops: { rd: a.rd, rs1: ZERO, rs2: a.rs } }, { def: ADDI, ops: { rd: a.rd, rs1: a.rd, imm: -1 } }] },
  { name: "neg", syntax: "rd, rs", expansion: "sub rd, zero, rs", words: one,
    expand: (a) => [{ def: SUB, ops: { rd: a.rd, rs1: ZERO, rs2: a.rs } }] },
  { name: "subi", syntax: "rd, rs, imm", expansion: "addi rd, rs, -imm", words: one,
    expand: (a) => [{ def: ADDI, ops: { rd: a.rd, rs1: a.rs, imm: -(a.value ?? 0) } }] },
  { name: "seqz", syntax: "rd, rs", expansion: "sltiu rd, rs, 1", words: one,
    expand: (a) => [{ def: SLTIU, ops: { rd: a.rd, rs1: a.rs, imm: 1 } }] },
  { name: "snez", syntax: "rd, rs", expansion: "sltu rd, zero, rs", words: one,
    expand: (a) => [{ def: SLTU, ops: { rd: a.rd, rs1: ZERO, rs2: a.rs } }] },
  { name: "j", syntax: "target", expansion: "jal zero, target", words: one,
    expand: (a) => [{ def: JAL, ops: { rd: ZERO }, target: a.value ?? 0 }] },
  { name: "call", syntax: "target", expansion: "jal ra, target", words: one,
    expand: (a) => [{ def: JAL, ops: { rd: REG_RA }, target: a.value ?? 0 }] },
  { name: "jr", syntax: "rs", expansion: "jalr zero, 0(rs)", words: one,
    expand: (a) => [{ def: JALR, ops: { rd: ZERO, rs1: a.rs, imm: 0 } }] },
  { name: "ret", syntax: "", expansion: "jalr zero, 0(ra)", words: one,
    expand: () => [{ def: JALR, ops: { rd: ZERO, rs1: REG_RA, imm: 0 } }] },
  { name: "push", syntax: "rs", expansion: "addi sp, sp, -4; sw rs, 0(sp)", words: two,
    expand: (a) => [{ def: ADDI, ops: { rd: REG_SP, rs1: REG_SP, imm: -4 } }, { def: SW, ops: { rs2: a.rs, rs1: REG_SP, imm: 0 } }] },
  { name: "pop", syntax: "rd", expansion: "lw rd, 0(sp); addi sp, sp, 4", words: two,
    expand: (a) => [{ def: LW, ops: { rd: a.rd, rs1: REG_SP, imm: 0 } }, { def: ADDI, ops: { rd: REG_SP, rs1: REG_SP, imm: 4 } }] },
  branch("beqz", "beq", "rs,zero", "beq rs, zero, target"),
  branch("bnez", "bne", "rs,zero", "bne rs, zero, target"),
  branch("bltz", "blt", "rs,zero", "blt rs, zero, target"),
  branch("bgez", "bge", "rs,zero", "bge rs, zero, target"),
  branch("bgtz", "blt", "zero,rs", "blt zero, rs, target"),
  branch("blez", "bge", "zero,rs", "bge zero, rs, target"),
  branch("bgt", "blt", "rs2,rs1", "blt rs2, rs1, target"),
  branch("ble", "bge", "rs2,rs1", "bge rs2, rs1, target"),
  branch("bgtu", "bltu", "rs2,rs1", "bltu rs2, rs1, target"),
  branch("bleu", "bgeu", "rs2,rs1", "bgeu rs2, rs1, target"),
];

export const PSEUDO_BY_NAME: ReadonlyMap<string, PseudoDef> = new Map(PSEUDO_INSTRUCTIONS.map((p) => [p.name, p]));
