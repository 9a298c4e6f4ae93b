/**
 * Assembler diagnostics. Every problem in a file is collected and reported at once, GNU style:
 *
 *   prog.s:12:9: error: unknown mnemonic 'ad'
 *       ad a0, a1, a2
 *       ^
 *
 * Text from the file (its name, the line, quoted names) is shown with control characters
 * escaped, so a stray byte in a source can never reach the terminal raw.
 */
import { UserError } from "../errors.js";
import { printable } from "../image/printable.js";

/** One problem in the source: 1-based line and column. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** A diagnostic with the source line it points into, for the caret picture. */
export interface LocatedDiagnostic extends Diagnostic {
  sourceLine: string;
}

/** Thrown by `assemble` when the source has errors; carries every diagnostic of the file. */
export class AssemblyError extends UserError {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly LocatedDiagnostic[], shown = diagnostics.length) {
    const hidden = diagnostics.length - shown;
    const more = hidden > 0 ? [`… and ${hidden} more error${hidden === 1 ? "" : "s"}`] : [];
    super([...diagnostics.slice(0, shown).map(formatDiagnostic), ...more].join("\n"));
    this.name = "AssemblyError";
    this.diagnostics = diagnostics.map(({ file, line, col, message }) => ({ file, line, col, message }));
  }
}

/** `file:line:col: error: message`, the source line and a caret under the column. */
export function formatDiagnostic(d: LocatedDiagnostic): string {
  const head = `${printable(d.file)}:${d.line}:${d.col}: error: ${printable(d.message)}`;
  if (d.sourceLine === "") return head;
  // Keep tabs in the caret line so the caret lines up in a terminal; escapes widen the line.
  const pad = printable(d.sourceLine.slice(0, Math.max(0, d.col - 1))).replace(/[^\t]/g, " ");
  return `${head}\n${printable(d.sourceLine)}\n${pad}^`;
}

/** A problem found while handling one statement: the column is in that statement's line. */
export class AsmProblem extends Error {
  constructor(
    readonly col: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A problem after which the rest of the source means nothing — a limit reached, an `.include`
 * that cannot be read: it is reported and the assembly stops, so one cause gives one error.
 */
export class AsmFatal extends AsmProblem {}
