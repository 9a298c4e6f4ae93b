/**
 * Assembling one instruction line: a real instruction (operands by its format's syntax) or a
 * pseudo-instruction (expanded by `pseudo.ts`). Branch and jal targets are addresses; the
 * word offset (target - pc) / 4 is computed here.
 */
import { EncodeError, encode, immName, type Operands } from "../encoding.js";
import type { InstructionDef } from "../table.js";
import type { Assembly } from "./context.js";
import { AsmProblem } from "./errors.js";
import { csrByName, parseRegister, splitMemory, syntaxOf, syntaxText } from "./operands.js";
import type { Expanded, PseudoArgs, PseudoDef } from "./pseudo.js";
import type { OperandTokens } from "./statement.js";

const wordBytes = (words: readonly number[]): Uint8Array => {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint32(i * 4, w, true));
  return out;
};

function checkPlacement(asm: Assembly): number | undefined {
  if (asm.current === "bss") throw new AsmProblem(asm.opCol, "instructions cannot go in .bss (it holds only zeros)");
  const pc = asm.section.here();
  if (pc !== undefined && pc % 4 !== 0) {
    throw new AsmProblem(asm.opCol, `instruction at 0x${pc.toString(16)} is not word-aligned (use .balign 4)`);
  }
  return pc;
}

/** The word offset of a branch or jal from `pc` to `target`. */
function wordOffset(target: number, pc: number, col: number): number {
  const diff = target - pc;
  if (diff % 4 !== 0) {
    throw new AsmProblem(col, `branch target 0x${(target >>> 0).toString(16)} is not word-aligned`);
  }
  return diff / 4;
}

/** Encodes, turning a range error into a diagnostic at the immediate's column. */
function encodeAt(def: InstructionDef, ops: Operands, col: number): number {
  try {
    return encode(def, ops);
  } catch (error) {
    if (error instanceof EncodeError) throw new AsmProblem(col, error.message);
    throw error;
  }
}

export function assembleReal(asm: Assembly, def: InstructionDef, operands: OperandTokens[]): void {
  const pc = checkPlacement(asm);
  if (asm.pass === 1) {
    asm.emit(new Uint8Array(4), true);
    return;
  }
  const syntax = syntaxOf(def.format);
  asm.expectOperands(operands, syntax.length, `${def.mnemonic} ${syntaxText(def.format)}`.trim());
  const ops: Operands = {};
  let immCol = asm.opCol;
  syntax.forEach((part, i) => {
    const op = operands[i]!;
    switch (part.kind) {
      case "reg":
        ops[part.operand] = parseRegister(op);
        break;
      case "mem": {
        const { offset, base } = splitMemory(op);
        ops[part.base] = base;
        immCol = op.col;
        ops.imm = offset.length === 0 ? 0 : asm.inRange(op, -(2 ** 40), 2 ** 40, immName(def.format), asm.value({ tokens: offset, col: op.col }));
        break;
      }
      case "csr":
        immCol = op.col;
        ops.imm = csrByName(op) ?? asm.inRange(op, -(2 ** 40), 2 ** 40, immName(def.format));
        break;
      case "imm":
        immCol = op.col;
        ops.imm = asm.inRange(op, -(2 ** 40), 2 ** 40, immName(def.format));
        break;
      case "target":
        immCol = op.col;
        ops.imm = wordOffset(asm.value32(op)!, pc!, op.col);
        break;
    }
  });
  asm.emit(wordBytes([encodeAt(def, ops, immCol)]), true);
}

const PSEUDO_REGISTERS = new Set(["rd", "rs", "rs1", "rs2"]);

export function assemblePseudo(asm: Assembly, pseudo: PseudoDef, operands: OperandTokens[]): void {
  const pc = checkPlacement(asm);
  const names = pseudo.syntax === "" ? [] : pseudo.syntax.split(", ");
  asm.expectOperands(operands, names.length, `${pseudo.name} ${pseudo.syntax}`.trim());
  const args: PseudoArgs = { rd: 0, rs: 0, rs1: 0, rs2: 0, value: undefined };
  let valueCol = asm.opCol;
  names.forEach((name, i) => {
    const op = operands[i]!;
    if (PSEUDO_REGISTERS.has(name)) {
      args[name as "rd" | "rs" | "rs1" | "rs2"] = parseRegister(op);
    } else {
      valueCol = op.col;
      args.value = name === "imm" ? asm.inRange(op, -(2 ** 40), 2 ** 40, "immediate") : asm.value32(op);
    }
  });
  const seq = asm.line.seq;
  if (asm.pass === 1) {
    const words = pseudo.words(args);
    asm.decidedWords.set(seq, words);
    asm.emit(new Uint8Array(words * 4), true);
    return;
  }
  const words = asm.decidedWords.get(seq) ?? pseudo.words(args);
  const expanded: Expanded[] = pseudo.expand(args, words);
  const encoded = expanded.map((e, k) => {
    const ops = e.target === undefined ? e.ops : { ...e.ops, imm: wordOffset(e.target, pc! + 4 * k, valueCol) };
    return encodeAt(e.def, ops, valueCol);
  });
  if (encoded.length !== words) throw new Error(`${pseudo.name} expanded to ${encoded.length} words, pass 1 reserved ${words}`);
  asm.emit(wordBytes(encoded), true);
}
