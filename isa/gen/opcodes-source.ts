/**
 * Source text of `isa/opcodes.ts`: the table's opcodes as a const enum, so that the
 * interpreter's switch compiles to literal case labels.
 */
import { INSTRUCTIONS } from "../table.js";

export function opcodesSource(): string {
  const lines = INSTRUCTIONS.map(
    (d) => `  ${d.mnemonic.toUpperCase()} = 0x${d.opcode.toString(16).padStart(2, "0")},`,
  );
  return [
    "// Generated from isa/table.ts by `npm run generate`. Do not edit.",
    "export const enum Op {",
    ...lines,
    "}",
    "",
  ].join("\n");
}
