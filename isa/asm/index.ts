/**
 * The toy assembler. Library API (no printing):
 *
 *   assemble(source, { file, readFile?, includePath?, defines? }) → { image, listing, symbolMap }
 *   assembleFile(path, { includePath?, defines? })               → the same, reading the file and
 *                                                                   its includes from disk
 *
 * `.include` and `.incbin` look beside the including file, then in `includePath` (like `as -I`);
 * assembleFile searches the bundled programs/ and guest-os/ last (`bundledIncludePath()`), so
 * `.include "lib/start.s"` works from any folder.
 *
 * Errors throw `AssemblyError` (a UserError) whose message lists every diagnostic of the file,
 * GNU style; `diagnostics` has them as data. Syntax reference: docs/ISA.md.
 */
export { assemble, type AssembleOptions, type AssembleResult } from "./assembler.js";
export { bundledIncludePath } from "./bundled-path.js";
export { AssemblyError, type Diagnostic } from "./errors.js";
export type { FileReader } from "./files.js";
export { PSEUDO_INSTRUCTIONS, type PseudoDef } from "./pseudo.js";
export { DIRECTIVES, type DirectiveDef } from "./directives.js";
export { REGISTER_BY_NAME } from "./operands.js";
export { PREDEFINED_SYMBOLS, type PredefinedSymbol } from "./predefined.js";
export { assembleFile, assembleText, type AssembledFile, type SourceOptions } from "../sources.js";
