/**
 * The debugger's expressions, as in `break sort if $t0 == 3`, `x/4x numbers+8`, `goto 1000`:
 * numbers (123, 0x7b, 'a'), symbols, registers ($a0, $pc, $tick, or a bare register name no
 * symbol shadows), `*ADDR` (the word at a virtual address), C's operators and parentheses.
 * Values are 32-bit as the machine's registers are, but + and - stay exact (for $tick).
 */
export interface ExprContext {
  register(name: string): number | undefined;
  symbol(name: string): number | undefined;
  /** The word at virtual `address`, or undefined when it is not mapped. */
  word(address: number): number | undefined;
}

export class ExprError extends Error {}

type Token = { kind: "num"; value: number } | { kind: "name"; text: string } | { kind: "op"; text: string };

const OPERATORS = [
  "<<",
  ">>",
  "<=",
  ">=",
  "==",
  "!=",
  "&&",
  "||",
  "+",
  "-",
  "*",
  "/",
  "%",
  "&",
  "|",
  "^",
  "<",
  ">",
  "!",
  "~",
  "(",
  ")",
];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    const number = /^(0x[0-9a-f]+|0b[01]+|\d+)\b/i.exec(rest);
    if (number) {
      tokens.push({ kind: "num", value: Number(number[1]) });
      i += number[0].length;
      continue;
    }
    const char = /^'(\\?.)'/.exec(rest);
    if (char) {
      const body = char[1]!;
      const escapes: Record<string, number> = { "\\n": 10, "\\t": 9, "\\0": 0, "\\\\": 92, "\\'": 39 };
      tokens.push({ kind: "num", value: escapes[body] ?? body.codePointAt(body.length - 1)! });
      i += char[0].length;
      continue;
    }
    const name = /^\$?[A-Za-z_.][\w.$]*/.exec(rest);
    if (name) {
      tokens.push({ kind: "name", text: name[0] });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (!op) throw new ExprError(`unexpected "${c}" in "${text}"`);
    tokens.push({ kind: "op", text: op });
    i += op.length;
  }
  return tokens;
}

const BINARY: Record<string, [number, (a: number, b: number) => number]> = {
  "||": [1, (a, b) => (a || b ? 1 : 0)],
  "&&": [2, (a, b) => (a && b ? 1 : 0)],
  "|": [3, (a, b) => a | b],
  "^": [4, (a, b) => a ^ b],
  "&": [5, (a, b) => a & b],
  "==": [6, (a, b) => ((a | 0) === (b | 0) ? 1 : 0)],
  "!=": [6, (a, b) => ((a | 0) !== (b | 0) ? 1 : 0)],
  "<": [7, (a, b) => (a < b ? 1 : 0)],
  "<=": [7, (a, b) => (a <= b ? 1 : 0)],
  ">": [7, (a, b) => (a > b ? 1 : 0)],
  ">=": [7, (a, b) => (a >= b ? 1 : 0)],
  "<<": [8, (a, b) => a << b],
  ">>": [8, (a, b) => a >> b],
  "+": [9, (a, b) => a + b],
  "-": [9, (a, b) => a - b],
  "*": [10, (a, b) => Math.imul(a, b)],
  "/": [10, (a, b) => divide(a, b, (x, y) => Math.trunc(x / y))],
  "%": [10, (a, b) => divide(a, b, (x, y) => x % y)],
};

function divide(a: number, b: number, f: (x: number, y: number) => number): number {
  if (b === 0) throw new ExprError("division by zero");
  return f(a, b);
}

/** Evaluates `text`; an ExprError names what is wrong. */
export function evaluate(text: string, context: ExprContext): number {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new ExprError("an expression is missing");
  let at = 0;
  const peek = () => tokens[at];

  const primary = (): number => {
    const t = tokens[at++];
    if (!t) throw new ExprError(`"${text}" ends too early`);
    if (t.kind === "num") return t.value;
    if (t.kind === "name") return name(t.text);
    switch (t.text) {
      case "(": {
        const value = binary(0);
        const close = tokens[at++];
        if (close?.kind !== "op" || close.text !== ")") throw new ExprError(`a ")" is missing in "${text}"`);
        return value;
      }
      case "-":
        return -primary() | 0;
      case "~":
        return ~primary();
      case "!":
        return primary() ? 0 : 1;
      case "*": {
        const address = primary();
        const value = context.word(address | 0);
        if (value === undefined)
          throw new ExprError(`cannot read the word at 0x${(address >>> 0).toString(16).padStart(8, "0")}`);
        return value;
      }
    }
    throw new ExprError(`unexpected "${t.text}" in "${text}"`);
  };

  const name = (word: string): number => {
    if (word.startsWith("$")) {
      const value = context.register(word.slice(1));
      if (value === undefined) throw new ExprError(`no register or value is called ${word}`);
      return value;
    }
    const value = context.symbol(word) ?? context.register(word);
    if (value === undefined) throw new ExprError(`no symbol "${word}" in the image`);
    return value;
  };

  const binary = (minimum: number): number => {
    let left = primary();
    for (;;) {
      const t = peek();
      if (t?.kind !== "op" || !(t.text in BINARY)) return left;
      const [precedence, apply] = BINARY[t.text]!;
      if (precedence < minimum) return left;
      at++;
      const right = binary(precedence + 1);
      // + and - stay exact (tick arithmetic); the rest wrap to 32 bits as registers do.
      left = t.text === "+" || t.text === "-" ? apply(left, right) : apply(left, right) | 0;
    }
  };

  const value = binary(0);
  if (at < tokens.length) throw new ExprError(`unexpected "${tokenText(tokens[at]!)}" in "${text}"`);
  return value;
}

function tokenText(t: Token): string {
  return t.kind === "num" ? String(t.value) : t.text;
}
