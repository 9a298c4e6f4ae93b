/**
 * One source line parsed into labels, an optional `name = expr` assignment, and an operation
 * (instruction, pseudo-instruction or directive) with its comma-separated operands.
 */
import { AsmProblem } from "./errors.js";
import { lexLine, type Token } from "./lexer.js";

export interface Label {
  name: string;
  col: number;
  /** For numeric local labels (`1:`), the number. */
  numeric?: number;
}

export interface OperandTokens {
  tokens: Token[];
  /** Column where the operand starts (or where it should have been). */
  col: number;
}

export interface Statement {
  labels: Label[];
  assign?: { name: string; col: number; value: OperandTokens };
  /** Lower-case mnemonic or directive name. */
  op?: { name: string; text: string; col: number };
  operands: OperandTokens[];
}

export function parseStatement(text: string): Statement {
  const tokens = lexLine(text);
  const statement: Statement = { labels: [], operands: [] };
  let i = 0;
  while (isColon(tokens[i + 1])) {
    const t = tokens[i]!;
    if (t.kind === "ident") statement.labels.push({ name: t.text, col: t.col });
    else if (t.kind === "number" && /^[0-9]+$/.test(t.text)) statement.labels.push({ name: t.text, col: t.col, numeric: Number(t.text) });
    else throw new AsmProblem(t.col, `bad label '${t.text}'`);
    i += 2;
  }
  const head = tokens[i];
  if (!head) return statement;
  if (head.kind !== "ident") throw new AsmProblem(head.col, `expected an instruction or directive, found '${head.text}'`);
  const next = tokens[i + 1];
  if (next?.kind === "op" && next.text === "=") {
    const rest = tokens.slice(i + 2);
    statement.assign = { name: head.text, col: head.col, value: { tokens: rest, col: rest[0]?.col ?? next.col + 1 } };
    return statement;
  }
  statement.op = { name: head.text.toLowerCase(), text: head.text, col: head.col };
  statement.operands = splitOperands(tokens.slice(i + 1), head.col + head.text.length + 1);
  return statement;
}

function isColon(t: Token | undefined): boolean {
  return t?.kind === "op" && t.text === ":";
}

/** Splits at commas outside parentheses. Empty operands are kept, so `a,,b` can be reported. */
function splitOperands(tokens: Token[], afterCol: number): OperandTokens[] {
  if (tokens.length === 0) return [];
  const out: OperandTokens[] = [];
  let depth = 0;
  let current: Token[] = [];
  let col = tokens[0]!.col;
  for (const t of tokens) {
    if (t.kind === "op" && t.text === "(") depth++;
    if (t.kind === "op" && t.text === ")") depth--;
    if (t.kind === "op" && t.text === "," && depth === 0) {
      out.push({ tokens: current, col: current[0]?.col ?? t.col });
      current = [];
      col = t.col + 1;
      continue;
    }
    current.push(t);
  }
  out.push({ tokens: current, col: current[0]?.col ?? col ?? afterCol });
  return out;
}
