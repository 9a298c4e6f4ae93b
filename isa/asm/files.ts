/**
 * How `.include` and `.incbin` find and read files. A relative name is looked up in the
 * including file's folder first, then in each folder of the search path in order (`-I DIR`,
 * then the bundled `programs/` and `guest-os/`, see bundled-path.ts), as GNU as does; the
 * first that exists is read. Any failure becomes an AsmProblem at the directive's column.
 */
import { dirname, isAbsolute, join } from "node:path";
import { AsmFatal, AsmProblem } from "./errors.js";
import { NotText, decodeSource, withoutBom } from "./text.js";

/**
 * Reads a file for the assembler: at most `limit` bytes, else it throws. When the file does not
 * exist it throws an error with `code` "ENOENT" (as node:fs does), and the search goes on to
 * the next folder; any other error ends the search, its `reason` (or message) saying why.
 */
export type FileReader = (path: string, limit: number) => Uint8Array | string;

export interface FileSearch {
  reader: FileReader | undefined;
  /** Folders searched after the including file's own, in order. */
  includePath: readonly string[];
}

const MISSING = new Set(["ENOENT", "ENOTDIR"]);

/** Where `target`, named in `fromFile`, may be: in search order, without repeats. */
export function candidates(fromFile: string, target: string, includePath: readonly string[]): string[] {
  if (isAbsolute(target)) return [target];
  return [...new Set([dirname(fromFile), ...includePath].map((dir) => join(dir, target)))];
}

/** Identifies what `target` named in `fromFile` finds (the search path is fixed per assembly). */
export const searchKey = (fromFile: string, target: string): string =>
  isAbsolute(target) ? target : `${dirname(fromFile)}\n${target}`;

/**
 * The first candidate's contents, with its path. `what` is the verb for messages ("include",
 * "read"); a failure is an AsmProblem at `col`, or AsmFatal when `fatal` (a missing include
 * leaves nothing sensible to assemble after it).
 */
export function findFile(
  search: FileSearch,
  fromFile: string,
  target: string,
  limit: number,
  at: { col: number; what: string; fatal: boolean },
): { path: string; content: Uint8Array | string } {
  const fail = (message: string): never => {
    throw at.fatal ? new AsmFatal(at.col, message) : new AsmProblem(at.col, message);
  };
  if (!search.reader) return fail(`cannot ${at.what} "${target}": no file reader was given`);
  const paths = candidates(fromFile, target, search.includePath);
  for (const path of paths) {
    try {
      return { path, content: search.reader(path, limit) };
    } catch (error) {
      const code = (error as { code?: unknown } | undefined)?.code;
      if (typeof code === "string" && MISSING.has(code)) continue;
      return fail(`cannot ${at.what} "${path}": ${reasonOf(error)}`);
    }
  }
  const looked = paths.length > 1 || dirname(paths[0]!) !== dirname(target) ? ` (looked in ${paths.map(dirname).join(", ")})` : "";
  return fail(`cannot ${at.what} "${target}": no such file${looked}`);
}

/** An included file's text: bytes must be UTF-8 without NUL bytes (see text.ts). */
export function sourceText(content: Uint8Array | string, path: string, at: { col: number }): string {
  if (typeof content === "string") return withoutBom(content);
  try {
    return decodeSource(content);
  } catch (error) {
    if (error instanceof NotText) throw new AsmFatal(at.col, `cannot include "${path}": ${error.message}`);
    throw error;
  }
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === "EISDIR") return "is a directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  const reason = (error as { reason?: unknown } | undefined)?.reason;
  if (typeof reason === "string") return reason;
  return error instanceof Error ? error.message : String(error);
}
