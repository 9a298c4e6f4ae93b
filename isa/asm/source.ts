/**
 * The first stage: turns a file into the flat list of lines the two passes read, with
 * `.include` files inserted and `.macro` definitions expanded. Every line keeps the file and
 * line it came from, so diagnostics point into the right file.
 *
 * Macros: `.macro name a, b` … `.endm`; inside, `\a` is replaced by the argument and `\@` by a
 * number unique to each expansion (for labels). A call is `name x, y` (arguments split at
 * top-level commas).
 */
import { dirname, isAbsolute, join } from "node:path";
import { AsmProblem } from "./errors.js";
import { codeOf, lexLine } from "./lexer.js";

/** One line to assemble. `seq` orders lines (and their diagnostics) across includes. */
export interface SourceLine {
  file: string;
  line: number;
  text: string;
  seq: number;
  /** Set for lines produced by a macro: where it was called. */
  macro?: string;
}

export interface LineDiagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
  sourceLine: string;
  seq: number;
}

/** Reads an included file (path already resolved against the including file). */
export type FileReader = (path: string) => Uint8Array | string;

interface Macro {
  name: string;
  text: string;
  params: string[];
  body: SourceLine[];
  file: string;
  line: number;
}

const MAX_DEPTH = 64;
const LABELS_PREFIX = /^\s*(?:(?:[A-Za-z_.$][\w.$]*|[0-9]+)\s*:\s*)*/;
const WORD = /^[A-Za-z_.$][\w.$]*/;
const utf8 = new TextDecoder();

/** Resolves `target` as written in `.include`/`.incbin` inside `fromFile`. */
export function resolveInclude(fromFile: string, target: string): string {
  return isAbsolute(target) ? target : join(dirname(fromFile), target);
}

/** Reads a file through `reader`, turning failures into an AsmProblem at `col`. */
export function readThrough(reader: FileReader | undefined, path: string, col: number, what: string): Uint8Array | string {
  if (!reader) throw new AsmProblem(col, `cannot ${what} "${path}": no file reader was given`);
  try {
    return reader(path);
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (code === "ENOENT") throw new AsmProblem(col, `cannot ${what} "${path}": no such file`);
    if (code === "EISDIR") throw new AsmProblem(col, `cannot ${what} "${path}": is a directory`);
    const reason = error instanceof Error ? error.message : String(error);
    throw new AsmProblem(col, `cannot ${what} "${path}": ${reason}`);
  }
}

export class Preprocessor {
  readonly lines: SourceLine[] = [];
  readonly diagnostics: LineDiagnostic[] = [];
  private readonly macros = new Map<string, Macro>();
  private expansionCounter = 0;
  private readonly includeStack: string[] = [];

  constructor(
    private readonly reader: FileReader | undefined,
    /** Names a macro may not take (instructions, pseudo-instructions). */
    private readonly reserved: (name: string) => boolean,
  ) {}

  /** Adds every line of `text` (the contents of `file`). */
  addFile(file: string, text: string): void {
    this.includeStack.push(file);
    const raw = text.split("\n").map((t, i) => ({ file, line: i + 1, text: t.replace(/\r$/, ""), seq: 0 }));
    this.addLines(raw, 0);
    this.includeStack.pop();
  }

  private addLines(raw: readonly SourceLine[], depth: number): void {
    let defining: Macro | undefined;
    for (const src of raw) {
      const code = codeOf(src.text);
      const prefix = LABELS_PREFIX.exec(code)![0];
      const word = WORD.exec(code.slice(prefix.length))?.[0] ?? "";
      const key = word.toLowerCase();
      const col = prefix.length + 1;
      const rest = code.slice(prefix.length + word.length);
      const argCol = col + word.length + (rest.length - rest.trimStart().length);
      if (defining) {
        if (key === ".endm") defining = undefined;
        else if (key === ".macro") this.report(src, col, "a .macro cannot be defined inside another .macro");
        else defining.body.push(src);
        continue;
      }
      try {
        if (key === ".macro") {
          defining = this.defineMacro(src, rest, col + word.length);
        } else if (key === ".endm") {
          throw new AsmProblem(col, ".endm without .macro");
        } else if (key === ".include") {
          this.emitLabels(src, prefix);
          this.include(src, rest, col + word.length, argCol, depth);
        } else if (this.macros.has(key)) {
          this.emitLabels(src, prefix);
          this.expand(this.macros.get(key)!, src, rest, argCol, depth);
        } else {
          this.lines.push({ ...src, seq: this.lines.length });
        }
      } catch (error) {
        if (!(error instanceof AsmProblem)) throw error;
        this.report(src, error.col, error.message);
        // A bad .macro line still owns its body up to .endm; skip it rather than assemble it.
        if (key === ".macro") defining = { name: "", text: src.text, params: [], body: [], file: src.file, line: src.line };
      }
    }
    if (defining?.name) this.report(defining, 1, `missing .endm for macro '${defining.name}'`);
  }

  private report(src: { file: string; line: number; text: string; macro?: string }, col: number, message: string): void {
    const where = src.macro ? ` (in macro ${src.macro})` : "";
    this.diagnostics.push({ ...src, col, message: message + where, sourceLine: src.text, seq: this.lines.length });
  }

  /** Labels written before an .include or macro call still label the current address. */
  private emitLabels(src: SourceLine, prefix: string): void {
    if (prefix.trim() !== "") this.lines.push({ ...src, text: prefix, seq: this.lines.length });
  }

  private defineMacro(src: SourceLine, rest: string, col: number): Macro {
    const parts = rest.trim().split(/[\s,]+/).filter((p) => p !== "");
    const [name, ...params] = parts;
    if (!name || !WORD.test(name)) throw new AsmProblem(col, ".macro needs a name");
    for (const p of params) {
      if (!/^[A-Za-z_][\w]*$/.test(p)) throw new AsmProblem(col, `bad macro parameter name '${p}'`);
    }
    if (this.reserved(name.toLowerCase())) {
      throw new AsmProblem(col, `macro name '${name}' is already an instruction`);
    }
    if (this.macros.has(name.toLowerCase())) throw new AsmProblem(col, `macro '${name}' is already defined`);
    const macro: Macro = { name, params, body: [], file: src.file, line: src.line, text: src.text };
    this.macros.set(name.toLowerCase(), macro);
    return macro;
  }

  private include(src: SourceLine, rest: string, col: number, argCol: number, depth: number): void {
    const target = quotedArgument(rest, col, ".include");
    const path = resolveInclude(src.file, target);
    if (this.includeStack.includes(path)) throw new AsmProblem(argCol, `"${path}" includes itself`);
    if (depth >= MAX_DEPTH) throw new AsmProblem(argCol, ".include nested too deeply");
    const content = readThrough(this.reader, path, argCol, "include");
    this.includeStack.push(path);
    const text = typeof content === "string" ? content : utf8.decode(content);
    const raw = text.split("\n").map((t, i) => ({ file: path, line: i + 1, text: t.replace(/\r$/, ""), seq: 0 }));
    this.addLines(raw, depth + 1);
    this.includeStack.pop();
  }

  private expand(macro: Macro, src: SourceLine, rest: string, col: number, depth: number): void {
    if (depth >= MAX_DEPTH) throw new AsmProblem(col, `macro '${macro.name}' expands too deeply (does it call itself?)`);
    const args = splitArguments(rest);
    if (args.length > macro.params.length) {
      throw new AsmProblem(col, `macro '${macro.name}' takes ${macro.params.length} argument(s), got ${args.length}`);
    }
    const unique = String(this.expansionCounter++);
    // Longest names first so that \ab is not taken for \a followed by b.
    const params = macro.params.map((p, i) => [p, args[i] ?? ""] as const).sort((x, y) => y[0].length - x[0].length);
    const where = `'${macro.name}' called at ${src.file}:${src.line}`;
    const body = macro.body.map((line) => ({
      ...line,
      text: substitute(line.text, params, unique),
      macro: line.macro ?? where,
    }));
    this.addLines(body, depth + 1);
  }
}

function substitute(text: string, params: readonly (readonly [string, string])[], unique: string): string {
  return text.replace(/\\(@|[A-Za-z_]\w*)/g, (whole, name: string) => {
    if (name === "@") return unique;
    for (const [p, value] of params) if (name.startsWith(p)) return value + name.slice(p.length);
    return whole;
  });
}

/** Macro arguments: split at commas outside quotes and parentheses, trimmed. */
export function splitArguments(text: string): string[] {
  if (text.trim() === "") return [];
  const out: string[] = [];
  let depth = 0;
  let quote = "";
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out;
}

/** The single "string" operand of .include/.incbin. */
export function quotedArgument(rest: string, col: number, directive: string): string {
  let tokens;
  try {
    tokens = lexLine(rest).map((t) => ({ ...t, col: t.col + col - 1 }));
  } catch (error) {
    if (error instanceof AsmProblem) throw new AsmProblem(error.col + col - 1, error.message);
    throw error;
  }
  const [t, extra] = tokens;
  if (!t || t.kind !== "string") throw new AsmProblem(t?.col ?? col, `${directive} needs a "file name"`);
  if (extra) throw new AsmProblem(extra.col, `unexpected '${extra.text}' after the file name`);
  return new TextDecoder().decode(t.bytes);
}
