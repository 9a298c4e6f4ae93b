/**
 * Splits one source line into tokens. Comments start with `;` or `#` outside string and
 * character literals. Columns are 1-based, for diagnostics.
 */
import { printableName } from "../image/printable.js";
import { AsmProblem } from "./errors.js";

export type Token =
  | { kind: "ident"; text: string; col: number }
  | { kind: "number"; text: string; value: bigint; col: number }
  /** A numeric local label reference: `1b` (backward) or `1f` (forward). */
  | { kind: "local"; text: string; label: number; forward: boolean; col: number }
  | { kind: "string"; text: string; bytes: Uint8Array; col: number }
  | { kind: "op"; text: string; col: number };

const IDENT_START = /[A-Za-z_.$]/;
const IDENT_PART = /[A-Za-z0-9_.$]/;
const TWO_CHAR_OPS = new Set(["<<", ">>"]);
const ONE_CHAR_OPS = new Set([",", "(", ")", ":", "=", "+", "-", "*", "/", "%", "&", "|", "^", "~"]);
const SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, "0": 0, "\\": 92, '"': 34, "'": 39 };

const utf8 = new TextEncoder();

/** The part of a line before its comment (strings and character literals may contain ; and #). */
export function codeOf(line: string): string {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ";" || c === "#") return line.slice(0, i);
  }
  return line;
}

/** Tokens of one line (its comment dropped). Throws AsmProblem at the first bad character. */
export function lexLine(line: string): Token[] {
  const code = codeOf(line);
  const tokens: Token[] = [];
  let i = 0;
  while (i < code.length) {
    const c = code[i]!;
    const col = i + 1;
    if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (/[0-9]/.test(c)) {
      let j = i;
      while (j < code.length && IDENT_PART.test(code[j]!)) j++;
      tokens.push(numberToken(code.slice(i, j), col));
      i = j;
    } else if (IDENT_START.test(c)) {
      let j = i;
      while (j < code.length && IDENT_PART.test(code[j]!)) j++;
      tokens.push({ kind: "ident", text: code.slice(i, j), col });
      i = j;
    } else if (c === '"') {
      const { bytes, end } = readQuoted(code, i, '"');
      tokens.push({ kind: "string", text: code.slice(i, end), bytes, col });
      i = end;
    } else if (c === "'") {
      const { bytes, end } = readQuoted(code, i, "'");
      if (bytes.length !== 1) throw new AsmProblem(col, "a character literal must hold exactly one byte");
      tokens.push({ kind: "number", text: code.slice(i, end), value: BigInt(bytes[0]!), col });
      i = end;
    } else if (TWO_CHAR_OPS.has(code.slice(i, i + 2))) {
      tokens.push({ kind: "op", text: code.slice(i, i + 2), col });
      i += 2;
    } else if (ONE_CHAR_OPS.has(c)) {
      tokens.push({ kind: "op", text: c, col });
      i++;
    } else {
      throw new AsmProblem(col, `unexpected character '${printableName(String.fromCodePoint(code.codePointAt(i)!))}'`);
    }
  }
  return tokens;
}

function numberToken(text: string, col: number): Token {
  const lower = text.toLowerCase();
  const local = /^([0-9]+)([bf])$/.exec(lower);
  if (local && !/^0b[01]+$/.test(lower)) {
    return { kind: "local", text, label: Number(local[1]), forward: local[2] === "f", col };
  }
  const digits = lower.replace(/_/g, "");
  if (/^0x[0-9a-f]+$/.test(digits) || /^0b[01]+$/.test(digits) || /^[0-9]+$/.test(digits)) {
    return { kind: "number", text, value: BigInt(digits), col };
  }
  throw new AsmProblem(col, `bad number '${text}'`);
}

/** Reads a "string" or 'c' literal starting at `start`; the bytes are UTF-8 with escapes applied. */
function readQuoted(code: string, start: number, quote: string): { bytes: Uint8Array; end: number } {
  const out: number[] = [];
  let i = start + 1;
  while (i < code.length && code[i] !== quote) {
    const c = code[i]!;
    if (c !== "\\") {
      const cp = code.codePointAt(i)!;
      if (cp < 0x80) {
        out.push(cp);
        i++;
        continue;
      }
      const s = String.fromCodePoint(cp);
      out.push(...utf8.encode(s));
      i += s.length;
      continue;
    }
    const e = code[i + 1];
    if (e === undefined) break;
    if (e in SIMPLE_ESCAPES) {
      out.push(SIMPLE_ESCAPES[e]!);
      i += 2;
    } else if ((e === "x" || e === "X") && /^[0-9a-fA-F]{2}$/.test(code.slice(i + 2, i + 4))) {
      out.push(parseInt(code.slice(i + 2, i + 4), 16));
      i += 4;
    } else {
      throw new AsmProblem(i + 1, `unknown escape sequence '\\${e}'`);
    }
  }
  if (i >= code.length) {
    throw new AsmProblem(start + 1, quote === '"' ? "unterminated string" : "unterminated character literal");
  }
  return { bytes: new Uint8Array(out), end: i + 1 };
}
