/**
 * Golden assembler errors: every tests/fixtures/asm/<case>.s must fail with exactly the text in
 * <case>.expected (GNU-style diagnostics with the source line and a caret).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AssemblyError, assemble } from "../../isa/asm/index.js";
import { UserError } from "../../isa/errors.js";

const dir = join(import.meta.dirname, "../fixtures/asm");
const cases = readdirSync(dir).filter((f) => f.endsWith(".s"));

function errorOf(file: string): AssemblyError {
  try {
    assemble(readFileSync(join(dir, file), "utf8"), { file, readFile: (p) => readFileSync(join(dir, p)) });
  } catch (error) {
    if (error instanceof AssemblyError) return error;
    throw error;
  }
  throw new Error(`${file} assembled without errors`);
}

describe("assembler error fixtures", () => {
  it("covers the error kinds", () => {
    for (const kind of ["unknown-mnemonic", "bad-register", "immediate-out-of-range", "undefined-symbol", "duplicate-label",
      "bad-directive", "unterminated-string", "missing-endm", "include-not-found", "misaligned-branch", "several-errors",
      "include-cascade", "control-character", "byte-order-mark"]) {
      expect(cases).toContain(`${kind}.s`);
    }
  });

  it.each(cases)("%s", (file) => {
    const expected = readFileSync(join(dir, file.replace(/\.s$/, ".expected")), "utf8").trimEnd();
    const error = errorOf(file);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(expected);
    const heads = expected.split("\n").filter((l) => l.startsWith(`${file}:`) || l.startsWith("lib/"));
    expect(error.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: error: ${d.message}`)).toEqual(heads);
  });

  it("reports every error of a file, in line order", () => {
    const error = errorOf("several-errors.s");
    expect(error.diagnostics.map((d) => d.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });
});
