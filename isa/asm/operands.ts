/**
 * Operand syntax of real instructions, read from the format descriptions in `table.ts`
 * (`FORMATS`), and the parsing of registers, control-register names and `imm(reg)` operands.
 */
import { CSR, REGISTER_COUNT, REGISTER_NAMES } from "../arch.js";
import { FORMATS, type Format } from "../table.js";
import { AsmProblem } from "./errors.js";
import type { Token } from "./lexer.js";
import type { OperandTokens } from "./statement.js";

export type RegisterOperand = "rd" | "rs1" | "rs2";

/** One written operand of a format. */
export type SyntaxPart =
  | { kind: "reg"; operand: RegisterOperand }
  | { kind: "imm" }
  | { kind: "target" }
  | { kind: "csr" }
  | { kind: "mem"; base: RegisterOperand };

/** Register number by lower-case name: r0..r15 and the ABI names. */
export const REGISTER_BY_NAME: ReadonlyMap<string, number> = new Map([
  ...REGISTER_NAMES.map((name, i) => [name, i] as const),
  ...Array.from({ length: REGISTER_COUNT }, (_, i) => [`r${i}`, i] as const),
]);

const REGISTER_WORDS = new Set(["rd", "rs1", "rs2"]);

/** The operands of `format` as written in assembly, parsed from its FORMATS description. */
export function syntaxOf(format: Format): SyntaxPart[] {
  const written = FORMATS[format].split(" — ")[0]!;
  if (written.startsWith("(")) return [];
  return written.split(", ").map((part): SyntaxPart => {
    const mem = /^(\w+)\((\w+)\)$/.exec(part);
    if (mem) return { kind: "mem", base: mem[2] as RegisterOperand };
    if (REGISTER_WORDS.has(part)) return { kind: "reg", operand: part as RegisterOperand };
    if (part === "target") return { kind: "target" };
    if (part === "csr") return { kind: "csr" };
    return { kind: "imm" };
  });
}

/** The syntax line of a format for messages and docs, e.g. `rd, imm(rs1)`. */
export function syntaxText(format: Format): string {
  const written = FORMATS[format].split(" — ")[0]!;
  return written.startsWith("(") ? "" : written;
}

/** Register number of a one-token operand, or an AsmProblem. */
export function parseRegister(op: OperandTokens): number {
  const [t, extra] = op.tokens;
  if (!t) throw new AsmProblem(op.col, "expected a register");
  const n = t.kind === "ident" ? REGISTER_BY_NAME.get(t.text.toLowerCase()) : undefined;
  if (n === undefined || extra) throw new AsmProblem(t.col, `bad register '${op.tokens.map((x) => x.text).join("")}'`);
  return n;
}

/** A control-register operand: a CSR name, or undefined when it is to be read as an expression. */
export function csrByName(op: OperandTokens): number | undefined {
  const [t, extra] = op.tokens;
  if (t?.kind !== "ident" || extra) return undefined;
  const key = t.text.toLowerCase();
  return Object.hasOwn(CSR, key) ? CSR[key as keyof typeof CSR] : undefined;
}

/** Splits `expr(reg)` into the offset expression (possibly empty = 0) and the base register. */
export function splitMemory(op: OperandTokens): { offset: Token[]; base: number } {
  const tokens = op.tokens;
  const last = tokens[tokens.length - 1];
  if (last?.kind !== "op" || last.text !== ")") {
    throw new AsmProblem(last?.col ?? op.col, "expected a memory operand offset(register)");
  }
  let depth = 0;
  let open = tokens.length - 1;
  for (; open >= 0; open--) {
    const t = tokens[open]!;
    if (t.kind === "op" && t.text === ")") depth++;
    if (t.kind === "op" && t.text === "(" && --depth === 0) break;
  }
  const inner = tokens.slice(open + 1, tokens.length - 1);
  const base = parseRegister({ tokens: inner, col: (tokens[open]?.col ?? op.col) + 1 });
  return { offset: tokens.slice(0, open), base };
}
