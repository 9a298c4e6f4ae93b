/**
 * Sources must be text: a byte-order mark is skipped, a NUL byte or invalid UTF-8 refuses the
 * file in one line, and whatever a diagnostic quotes from the file shows control characters
 * escaped, never raw.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AssemblyError, assemble, assembleFile } from "../../isa/asm/index.js";
import { decodeSource } from "../../isa/asm/text.js";
import { printable } from "../../isa/image/printable.js";
import { userErrorMessage } from "../helpers/user-error.js";

const dir = mkdtempSync(join(tmpdir(), "toyvmm-text-"));
const file = (name: string, bytes: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

describe("source files are text", () => {
  it("skips a byte-order mark, in the main file and in included ones", () => {
    const bom = "\ufeff";
    file("inc-bom.s", `${bom}.byte 2\n`);
    const path = file("bom.s", `${bom}.byte 1\n.include "inc-bom.s"\n`);
    expect(Array.from(assembleFile(path).image.sections[0]!.data)).toEqual([1, 2]);
    expect(Array.from(assemble(`${bom}.byte 3`, { file: "s.s" }).image.sections[0]!.data)).toEqual([3]);
  });

  it("refuses a file with a NUL byte or invalid UTF-8, naming the offset", () => {
    const nul = file("nul.s", new Uint8Array([...Buffer.from("nop\n  nop\n  "), 0, 1, 2]));
    expect(userErrorMessage(() => assembleFile(nul))).toBe(`${nul}: not a text file (NUL byte at offset 12)`);
    const latin1 = file("latin1.s", new Uint8Array([...Buffer.from("; caf"), 0xe9, 0x0a]));
    expect(userErrorMessage(() => assembleFile(latin1))).toBe(`${latin1}: not a text file (invalid UTF-8 at offset 5)`);
    expect(() => decodeSource(new Uint8Array([0xef, 0xbf, 0xbd, 0x41, 0xc3]))).toThrow("invalid UTF-8 at offset 4");
    expect(decodeSource(Buffer.from("¿ok? \ufffd"))).toBe("¿ok? \ufffd");
  });

  it("refuses an included binary in one located error", () => {
    const image = file("image.tvm", new Uint8Array([0x54, 0x4f, 0x59, 0x56, 0x4d, 0x4d, 0, 0]));
    const path = file("inc-bin.s", '.include "image.tvm"\nmain: call nowhere\n');
    const error = (() => {
      try {
        assembleFile(path);
      } catch (e) {
        return e as AssemblyError;
      }
    })()!;
    expect(error.diagnostics).toHaveLength(1);
    expect(error.message.split("\n")[0]).toBe(`${path}:1:10: error: cannot include "${image}": not a text file (NUL byte at offset 6)`);
  });
});

describe("diagnostics never print control characters raw", () => {
  it("escapes them in the message, the source line and the file name, keeping the caret in place", () => {
    const message = userErrorMessage(() => assemble("  \x1b[2Jnop\n", { file: "ev\x07il.s" }));
    expect(message).toBe("ev\\x07il.s:1:3: error: unexpected character '\\x1b'\n  \\x1b[2Jnop\n  ^");
    expect(userErrorMessage(() => assemble('.ascii "a" "\x08"', { file: "s.s" }))).toMatch(/^s\.s:1:12: error: unexpected '"\\x08"' after the string/);
  });

  it("shows a tab as it is and invisible characters as escapes", () => {
    expect(printable("a\tb\x7f\u0085\u2028\u200b\ufeff")).toBe("a\tb\\x7f\\x85\\u2028\\u200b\\ufeff");
  });
});
