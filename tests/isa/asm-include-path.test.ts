/**
 * `.include` and `.incbin` look beside the including file, then in the include path (`-I`),
 * and assembleFile adds the bundled programs/ and guest-os/ last, so that a program in any
 * folder can include the bundled library.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AssemblyError, assemble, assembleFile, bundledIncludePath } from "../../isa/asm/index.js";

const root = join(import.meta.dirname, "../..");

/** Assembles with files in memory; returns the paths the reader was asked for, in order. */
function lookups(source: string, files: Record<string, string>, includePath: string[]): { asked: string[]; bytes: number[] } {
  const asked: string[] = [];
  const { image } = assemble(source, {
    file: "src/main.s",
    includePath,
    readFile: (path) => {
      asked.push(path);
      if (!(path in files)) throw Object.assign(new Error("missing"), { code: "ENOENT" });
      return files[path]!;
    },
  });
  return { asked, bytes: Array.from(image.sections[0]?.data ?? []) };
}

const messageOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (error instanceof AssemblyError) return error.message.split("\n")[0]!;
    throw error;
  }
  throw new Error("no error");
};

describe("the include search path", () => {
  it("looks beside the including file first, then in each folder in order", () => {
    const files = { "inc2/x.s": ".byte 2", "inc1/x.s": ".byte 1", "src/x.s": ".byte 0" };
    expect(lookups('.include "x.s"', files, ["inc1", "inc2"])).toEqual({ asked: ["src/x.s"], bytes: [0] });
    const { "src/x.s": _own, ...others } = files;
    expect(lookups('.include "x.s"', others, ["inc1", "inc2"])).toEqual({ asked: ["src/x.s", "inc1/x.s"], bytes: [1] });
  });

  it("searches for .incbin the same way, and an absolute name only where it says", () => {
    expect(lookups('.incbin "d.bin"', { "inc/d.bin": "AB" }, ["inc"]).bytes).toEqual([65, 66]);
    expect(lookups('.include "/abs/x.s"', { "/abs/x.s": ".byte 9" }, ["inc"]).asked).toEqual(["/abs/x.s"]);
  });

  it("names every folder it looked in when the file is nowhere", () => {
    expect(messageOf(() => lookups('.include "lib/none.s"', {}, ["inc"]))).toBe(
      'src/main.s:1:10: error: cannot include "lib/none.s": no such file (looked in src/lib, inc/lib)',
    );
  });

  it("ends with the bundled programs/ and guest-os/ of this installation", () => {
    expect(bundledIncludePath()).toEqual([join(root, "programs"), join(root, "guest-os")]);
  });

  it("lets a program in any folder include the bundled library (and -I folders before it)", () => {
    const dir = mkdtempSync(join(tmpdir(), "toyvmm-incpath-"));
    mkdirSync(join(dir, "mylib"));
    writeFileSync(join(dir, "mylib", "answer.s"), "answer: li a0, 42\n    ret\n");
    writeFileSync(join(dir, "prog.s"), '.include "lib/start.s"\n.include "answer.s"\nmain: j answer\n');
    const { image, sources } = assembleFile(join(dir, "prog.s"), { includePath: [join(dir, "mylib")] });
    expect(image.symbols.map((s) => s.name)).toEqual(expect.arrayContaining(["_start", "main", "answer", "print_str"]));
    expect(sources).toContain(join(root, "programs", "lib", "start.s"));
    expect(sources).toContain(join(dir, "mylib", "answer.s"));
  });
});
