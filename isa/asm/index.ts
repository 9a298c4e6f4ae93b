/**
 * The toy assembler. Library API (no printing):
 *
 *   assemble(source, { file, readFile?, defines? }) → { image, listing, symbolMap }
 *   assembleFile(path, defines?)                    → the same, reading the file and its includes from disk
 *
 * Errors throw `AssemblyError` (a UserError) whose message lists every diagnostic of the file,
 * GNU style; `diagnostics` has them as data. Syntax reference: docs/ISA.md.
 */
import { readFileSync } from "node:fs";
import { UserError } from "../errors.js";
import { assemble, type AssembleResult } from "./assembler.js";

export { assemble, type AssembleOptions, type AssembleResult } from "./assembler.js";
export { AssemblyError, type Diagnostic } from "./errors.js";
export { PSEUDO_INSTRUCTIONS, type PseudoDef } from "./pseudo.js";
export { DIRECTIVES, type DirectiveDef } from "./directives.js";
export { REGISTER_BY_NAME } from "./operands.js";
export { PREDEFINED_SYMBOLS, type PredefinedSymbol } from "./predefined.js";

/** Assembles the file at `path`; `.include`/`.incbin` paths are resolved relative to each including file. */
export function assembleFile(path: string, defines?: Record<string, number>): AssembleResult & { sources: string[] } {
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UserError(
      `${path}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : String((error as Error).message)}`,
    );
  }
  const sources = [path];
  const readFile = (included: string) => {
    sources.push(included);
    return readFileSync(included);
  };
  return { ...assemble(source, { file: path, readFile, ...(defines ? { defines } : {}) }), sources };
}
