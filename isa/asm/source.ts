/**
 * The first stage: turns a file into the flat list of lines the two passes read, with
 * `.include` files inserted and `.macro` definitions expanded. Every line keeps the file and
 * line it came from, so diagnostics point into the right file.
 *
 * Macros: `.macro name a, b` … `.endm`; inside, `\a` is replaced by the argument and `\@` by a
 * number unique to each expansion (for labels). A call is `name x, y` (arguments split at
 * top-level commas).
 */
import { AsmFatal, AsmProblem } from "./errors.js";
import { findFile, searchKey, sourceText, type FileSearch } from "./files.js";
import { codeOf, lexLine } from "./lexer.js";
import { ExpansionBudget, MAX_NESTING, MAX_SOURCE_BYTES } from "./limits.js";
import { withoutBom } from "./text.js";

/** One line to assemble. `seq` orders lines (and their diagnostics) across includes. */
export interface SourceLine {
  file: string;
  line: number;
  text: string;
  seq: number;
  /** Set for lines produced by a macro: where it was called. */
  macro: string | undefined;
}

export interface LineDiagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
  sourceLine: string;
  seq: number;
}

interface Macro {
  name: string;
  text: string;
  params: string[];
  body: SourceLine[];
  file: string;
  line: number;
}

const LABELS_PREFIX = /^\s*(?:(?:[A-Za-z_.$][\w.$]*|[0-9]+)\s*:\s*)*/;
const WORD = /^[A-Za-z_.$][\w.$]*/;
const utf8 = new TextDecoder();

/** Thrown out of every level of `addLines` once an AsmFatal is reported. */
class Stopped extends Error {}

// Lines are built with one literal shape (never spread): V8 then keeps them fast, which
// matters when a macro expands to hundreds of thousands of them.
const sourceLine = (file: string, line: number, text: string, seq: number, macro: string | undefined): SourceLine => ({
  file,
  line,
  text,
  seq,
  macro,
});

/** A file's lines and how many characters they hold. */
interface FileLines {
  path: string;
  lines: SourceLine[];
  chars: number;
}

function splitLines(path: string, text: string): FileLines {
  const lines = text.split("\n").map((t, i) => sourceLine(path, i + 1, t.endsWith("\r") ? t.slice(0, -1) : t, 0, undefined));
  return { path, lines, chars: text.length };
}

export class Preprocessor {
  readonly lines: SourceLine[] = [];
  readonly diagnostics: LineDiagnostic[] = [];
  /** Set when an AsmFatal stopped the preprocessing: the lines are incomplete. */
  stopped = false;
  private readonly macros = new Map<string, Macro>();
  /** The macros being expanded, outermost first. */
  private readonly expanding: Macro[] = [];
  private expansionCounter = 0;
  private readonly includeStack: string[] = [];
  /** Each included file is read once, however often it is included (by where it was looked for). */
  private readonly included = new Map<string, FileLines>();
  private readonly budget = new ExpansionBudget();

  constructor(
    private readonly search: FileSearch,
    /** Names a macro may not take (instructions, pseudo-instructions). */
    private readonly reserved: (name: string) => boolean,
  ) {}

  /** Adds every line of `text` (the contents of `file`). */
  addFile(file: string, text: string): void {
    try {
      this.budget.take(0, text.length, 1); // before splitting: too long a text is refused as it is
      this.addFileLines(splitLines(file, withoutBom(text)), 0, 1);
    } catch (error) {
      if (error instanceof AsmFatal) this.report({ file, line: 1, text: "" }, error.col, error.message);
      else if (!(error instanceof Stopped)) throw error;
      this.stopped = true;
    }
  }

  /** Adds a file's lines (its characters are already counted). */
  private addFileLines(file: FileLines, depth: number, col: number): void {
    this.budget.take(file.lines.length, 0, col);
    this.includeStack.push(file.path);
    this.addLines(file.lines, depth);
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
          this.expand(this.macros.get(key)!, src, rest, { col, argCol }, depth);
        } else {
          this.lines.push(sourceLine(src.file, src.line, src.text, this.lines.length, src.macro));
        }
      } catch (error) {
        if (!(error instanceof AsmProblem)) throw error;
        if (error instanceof AsmFatal) this.fatal(src, error);
        this.report(src, error.col, error.message);
        // A bad .macro line still owns its body up to .endm; skip it rather than assemble it.
        if (key === ".macro") defining = { name: "", text: src.text, params: [], body: [], file: src.file, line: src.line };
      }
    }
    if (defining?.name) this.report(defining, 1, `missing .endm for macro '${defining.name}'`);
  }

  private report(src: { file: string; line: number; text: string; macro?: string | undefined }, col: number, message: string): void {
    const where = src.macro ? ` (in macro ${src.macro})` : "";
    this.diagnostics.push({ file: src.file, line: src.line, col, message: message + where, sourceLine: src.text, seq: this.lines.length });
  }

  private fatal(src: { file: string; line: number; text: string; macro?: string | undefined }, error: AsmFatal): never {
    this.report(src, error.col, error.message);
    throw new Stopped();
  }

  /** Labels written before an .include or macro call still label the current address. */
  private emitLabels(src: SourceLine, prefix: string): void {
    if (prefix.trim() !== "") this.lines.push(sourceLine(src.file, src.line, prefix, this.lines.length, src.macro));
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
    if (depth >= MAX_NESTING) throw new AsmFatal(argCol, `.include nested more than ${MAX_NESTING} deep`);
    const file = this.readInclude(src.file, target, argCol);
    if (this.includeStack.includes(file.path)) throw new AsmProblem(argCol, `"${file.path}" includes itself`);
    this.budget.take(0, file.chars, argCol);
    this.addFileLines(file, depth + 1, argCol);
  }

  private readInclude(fromFile: string, target: string, col: number): FileLines {
    const key = searchKey(fromFile, target);
    let file = this.included.get(key);
    if (!file) {
      const at = { col, what: "include", fatal: true };
      const { path, content } = findFile(this.search, fromFile, target, MAX_SOURCE_BYTES, at);
      file = splitLines(path, sourceText(content, path, at));
      this.included.set(key, file);
    }
    return file;
  }

  private expand(macro: Macro, src: SourceLine, rest: string, at: { col: number; argCol: number }, depth: number): void {
    // Without conditional assembly nothing can end a recursion: it is always a mistake.
    const again = this.expanding.indexOf(macro);
    if (again >= 0) {
      const chain = [...this.expanding.slice(again), macro].map((m) => m.name);
      const through = chain.length > 2 ? ` (${chain.join(" → ")})` : "";
      throw new AsmFatal(at.col, `macro '${macro.name}' calls itself${through}, which never ends: there is no conditional assembly`);
    }
    if (depth >= MAX_NESTING) throw new AsmFatal(at.col, `macro calls nested more than ${MAX_NESTING} deep`);
    const args = splitArguments(rest);
    if (args.length > macro.params.length) {
      throw new AsmProblem(at.argCol, `macro '${macro.name}' takes ${macro.params.length} argument(s), got ${args.length}`);
    }
    this.budget.take(macro.body.length, 0, at.col);
    const unique = String(this.expansionCounter++);
    // Longest names first so that \ab is not taken for \a followed by b.
    const params = macro.params.map((p, i) => [p, args[i] ?? ""] as const).sort((x, y) => y[0].length - x[0].length);
    const where = `'${macro.name}' called at ${src.file}:${src.line}`;
    const body = macro.body.map((line) => {
      const text = substitute(line.text, params, unique);
      this.budget.take(0, text.length, at.col);
      return sourceLine(line.file, line.line, text, 0, line.macro ?? where);
    });
    this.expanding.push(macro);
    this.addLines(body, depth + 1);
    this.expanding.pop();
  }
}

function substitute(text: string, params: readonly (readonly [string, string])[], unique: string): string {
  if (!text.includes("\\")) return text;
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
  return utf8.decode(t.bytes);
}
