/**
 * The two-pass driver. Pass 1 walks every line to size it and place labels; between the
 * passes the sections get their start addresses; pass 2 walks the same lines again and emits
 * the bytes. A problem in a line is recorded and the line skipped, so one run reports every
 * error of the file — except a fatal one (a limit reached, an `.include` that cannot be read),
 * which stops the assembly at once: what follows it could only produce errors it caused.
 */
import { validateImage } from "../image/validate.js";
import { BY_MNEMONIC } from "../table.js";
import { Assembly } from "./context.js";
import { DIRECTIVE_BY_NAME } from "./directives.js";
import { AsmFatal, AsmProblem, AssemblyError } from "./errors.js";
import type { FileReader } from "./files.js";
import { buildImage } from "./image.js";
import { assemblePseudo, assembleReal } from "./instructions.js";
import { writeListing, writeSymbolMap } from "./listing.js";
import { PSEUDO_BY_NAME } from "./pseudo.js";
import { MAX_SHOWN_ERRORS } from "./limits.js";
import { layoutSections } from "./sections.js";
import { Preprocessor, type LineDiagnostic, type SourceLine } from "./source.js";
import { parseStatement, type Statement } from "./statement.js";
import type { GuestImage } from "../image/model.js";

export interface AssembleOptions {
  /** Name of the source file: used in diagnostics and to resolve `.include`/`.incbin`. */
  file: string;
  /** Reads included files (see FileReader; without one, `.include` and `.incbin` fail). */
  readFile?: FileReader;
  /**
   * Folders `.include` and `.incbin` search, in order, after the including file's own
   * (like `as -I`). assembleFile adds the bundled programs/ and guest-os/ after these.
   */
  includePath?: readonly string[];
  /** Symbols defined before the first line, as if by `.equ`. */
  defines?: Record<string, number>;
}

export interface AssembleResult {
  image: GuestImage;
  /** Address, bytes and source of every line (written when first read). */
  readonly listing: string;
  /** `00001000 _start`, one symbol per line, by address (written when first read). */
  readonly symbolMap: string;
}

/** Names a macro may not take. */
const isInstructionName = (name: string): boolean => BY_MNEMONIC.has(name) || PSEUDO_BY_NAME.has(name);

/**
 * Assembles one source file into a guest image. Throws AssemblyError listing every problem
 * (GNU style, with the source line and a caret) when the source has errors.
 */
export function assemble(source: string, options: AssembleOptions): AssembleResult {
  const diagnostics = new Map<string, LineDiagnostic>();
  const add = (d: LineDiagnostic): void => {
    const key = `${d.seq}:${d.col}:${d.message}`;
    if (!diagnostics.has(key)) diagnostics.set(key, d);
  };
  const failed = (): AssemblyError => {
    const sorted = [...diagnostics.values()].sort((a, b) => a.seq - b.seq || a.col - b.col);
    return new AssemblyError(sorted, Math.min(sorted.length, MAX_SHOWN_ERRORS));
  };

  const search = { reader: options.readFile, includePath: options.includePath ?? [] };
  const pre = new Preprocessor(search, isInstructionName);
  pre.addFile(options.file, source);
  pre.diagnostics.forEach(add);
  if (pre.stopped) throw failed();
  const lines = pre.lines;

  const asm = new Assembly(options.file, search);
  const statements: (Statement | null)[] = lines.map((line) => {
    try {
      return parseStatement(line.text);
    } catch (error) {
      if (!(error instanceof AsmProblem)) throw error;
      add(lineDiagnostic(line, error.col, error.message));
      return null;
    }
  });

  for (const pass of [1, 2] as const) {
    asm.pass = pass;
    asm.current = "text";
    for (const s of Object.values(asm.sections)) s.rewind();
    defineOptions(asm, options.defines ?? {});
    lines.forEach((line, i) => {
      const statement = statements[i];
      if (!statement) return;
      asm.line = line;
      const rows = asm.listing.length;
      const address = asm.section.here();
      try {
        runStatement(asm, statement);
      } catch (error) {
        if (!(error instanceof AsmProblem)) throw error;
        add(lineDiagnostic(line, error.col, error.message));
        if (error instanceof AsmFatal) throw failed();
      }
      if (pass === 2 && asm.listing.length === rows && line.text.trim() !== "") {
        asm.listing.push({ line, address, bytes: new Uint8Array(0), code: false });
      }
    });
    if (pass === 1) layoutSections(asm.sections);
  }

  const bySeq = new Map(lines.map((l) => [l.seq, l]));
  const image = buildImage(asm, (seq, message) => {
    const line = seq === undefined ? undefined : bySeq.get(seq);
    add(line ? lineDiagnostic(line, 1, message) : { file: options.file, line: 1, col: 1, message, sourceLine: "", seq: -1 });
  });

  if (diagnostics.size > 0) throw failed();
  validateImage(image, options.file);
  const rows = asm.listing;
  let listing: string | undefined;
  let symbolMap: string | undefined;
  return {
    image,
    get listing() {
      return (listing ??= writeListing(rows));
    },
    get symbolMap() {
      return (symbolMap ??= writeSymbolMap(image.symbols));
    },
  };
}

function lineDiagnostic(line: SourceLine, col: number, message: string): LineDiagnostic {
  const where = line.macro ? ` (in macro ${line.macro})` : "";
  return { file: line.file, line: line.line, col, message: message + where, sourceLine: line.text, seq: line.seq };
}

function defineOptions(asm: Assembly, defines: Record<string, number>): void {
  asm.line = { file: "<defines>", line: 0, text: "", seq: -1, macro: undefined };
  for (const [name, value] of Object.entries(defines)) {
    if (asm.pass === 1) asm.defineEqu(name, 1, BigInt(value));
  }
}

function runStatement(asm: Assembly, statement: Statement): void {
  for (const label of statement.labels) {
    asm.opCol = label.col;
    asm.defineLabel(label.name, label.col, label.numeric);
  }
  if (statement.assign) {
    const { name, col, value } = statement.assign;
    asm.opCol = col;
    asm.defineEqu(name, col, asm.value(value));
    return;
  }
  const op = statement.op;
  if (!op) return;
  asm.opCol = op.col;
  const def = BY_MNEMONIC.get(op.name);
  if (def) return assembleReal(asm, def, statement.operands);
  const pseudo = PSEUDO_BY_NAME.get(op.name);
  if (pseudo) return assemblePseudo(asm, pseudo, statement.operands);
  const directive = DIRECTIVE_BY_NAME.get(op.name);
  if (directive?.run) return directive.run(asm, statement.operands);
  if (op.name.startsWith(".")) throw new AsmProblem(op.col, `unknown directive '${op.text}'`);
  throw new AsmProblem(op.col, `unknown mnemonic '${op.text}'`);
}
