/** Every file generated from the instruction table, by path from the project root. */
import { isaDocSource } from "./isa-doc-source.js";
import { opcodesSource } from "./opcodes-source.js";

export const GENERATED: readonly { path: string; source: () => string }[] = [
  { path: "isa/opcodes.ts", source: opcodesSource },
  { path: "docs/ISA.md", source: isaDocSource },
];
