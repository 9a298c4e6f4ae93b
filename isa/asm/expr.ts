/**
 * Constant expressions: C precedence and operators (| ^ & << >> + - * / % and unary - + ~),
 * parentheses, numbers, character literals, symbols, numeric local references (`1b`, `1f`)
 * and `.` for the current address. Values are exact integers (BigInt); `>>` is arithmetic,
 * `/` and `%` truncate toward zero. Whoever uses the value checks its range.
 */
import { AsmProblem } from "./errors.js";
import type { Token } from "./lexer.js";

/** How an expression finds the values of names; `undefined` means "not known yet" (pass 1). */
export interface ExprEnv {
  symbol(name: string, col: number): bigint | undefined;
  local(label: number, forward: boolean, col: number): bigint | undefined;
  here(col: number): bigint | undefined;
}

const LIMIT = 1n << 64n;
const BINARY_LEVELS: readonly (readonly string[])[] = [["|"], ["^"], ["&"], ["<<", ">>"], ["+", "-"], ["*", "/", "%"]];

/** Value of the whole token list as one expression, or undefined when a name is not known yet. */
export function evaluate(tokens: readonly Token[], env: ExprEnv, startCol = 1): bigint | undefined {
  if (tokens.length === 0) throw new AsmProblem(startCol, "expected an expression");
  const parser = new Parser(tokens, env);
  const value = parser.binary(0);
  const rest = tokens[parser.pos];
  if (rest) throw new AsmProblem(rest.col, `unexpected '${rest.text}' in expression`);
  return value;
}

class Parser {
  pos = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly env: ExprEnv,
  ) {}

  binary(level: number): bigint | undefined {
    if (level === BINARY_LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.tokens[this.pos];
      if (!t || t.kind !== "op" || !BINARY_LEVELS[level]!.includes(t.text)) return left;
      this.pos++;
      const right = this.binary(level + 1);
      left = left === undefined || right === undefined ? undefined : apply(t.text, left, right, t.col);
    }
  }

  unary(): bigint | undefined {
    const t = this.tokens[this.pos];
    if (t?.kind === "op" && (t.text === "-" || t.text === "+" || t.text === "~")) {
      this.pos++;
      const v = this.unary();
      if (v === undefined) return undefined;
      return t.text === "-" ? -v : t.text === "~" ? ~v : v;
    }
    return this.primary();
  }

  primary(): bigint | undefined {
    const t = this.tokens[this.pos];
    const lastCol = this.tokens[this.tokens.length - 1]!.col;
    if (!t) throw new AsmProblem(lastCol, "expression ends too early");
    this.pos++;
    switch (t.kind) {
      case "number":
        return t.value;
      case "local":
        return this.env.local(t.label, t.forward, t.col);
      case "ident":
        return t.text === "." ? this.env.here(t.col) : this.env.symbol(t.text, t.col);
      case "op":
        if (t.text === "(") {
          const v = this.binary(0);
          const close = this.tokens[this.pos];
          if (close?.kind !== "op" || close.text !== ")") {
            throw new AsmProblem(close?.col ?? t.col, "missing ')' in expression");
          }
          this.pos++;
          return v;
        }
        throw new AsmProblem(t.col, `unexpected '${t.text}' in expression`);
      case "string":
        throw new AsmProblem(t.col, "a string is not a number");
    }
  }
}

function apply(op: string, a: bigint, b: bigint, col: number): bigint {
  let r: bigint;
  switch (op) {
    case "|": r = a | b; break;
    case "^": r = a ^ b; break;
    case "&": r = a & b; break;
    case "+": r = a + b; break;
    case "-": r = a - b; break;
    case "*": r = a * b; break;
    case "<<":
    case ">>":
      if (b < 0n || b > 63n) throw new AsmProblem(col, `shift amount ${b} is out of range 0..63`);
      r = op === "<<" ? a << b : a >> b;
      break;
    default:
      if (b === 0n) throw new AsmProblem(col, "division by zero");
      r = op === "/" ? a / b : a % b;
  }
  if (r >= LIMIT || r <= -LIMIT) throw new AsmProblem(col, "value does not fit in 64 bits");
  return r;
}
