/** Assembler behaviour beyond single instructions: sections, image settings, labels, macros, includes, output. */
import { describe, expect, it } from "vitest";
import { AssemblyError, assemble } from "../../isa/asm/index.js";
import { DEFAULT_MEMORY_SIZE, SECTION_EXEC, SECTION_WRITE, SECTION_ZERO } from "../../isa/image/model.js";

const asm = (source: string, files: Record<string, string> = {}) =>
  assemble(source, { file: "main.s", readFile: (p) => {
    if (!(p in files)) throw Object.assign(new Error("nope"), { code: "ENOENT" });
    return files[p]!;
  } });

const messages = (source: string, files: Record<string, string> = {}): string[] => {
  try {
    asm(source, files);
  } catch (error) {
    if (error instanceof AssemblyError) return error.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
    throw error;
  }
  return [];
};

const bytesOf = (source: string, section = ".text"): number[] =>
  Array.from(asm(source).image.sections.find((s) => s.name === section)!.data);

describe("sections and image", () => {
  it("places text at 0x1000, data and bss on the following pages, with defaults", () => {
    const { image } = asm("_start: halt\n.data\nd: .word 1, 2\n.bss\nb: .zero 10\n.text\nnop\n");
    expect(image.sections.map((s) => [s.name, s.address, s.size, s.flags])).toEqual([
      [".text", 0x1000, 8, SECTION_EXEC],
      [".data", 0x2000, 8, SECTION_WRITE],
      [".bss", 0x3000, 10, SECTION_WRITE | SECTION_ZERO],
    ]);
    expect(image.entry).toBe(0x1000);
    expect(image.memorySize).toBe(DEFAULT_MEMORY_SIZE);
    expect(image.bootArgs).toEqual({ address: 0, size: 0 });
    expect(image.symbols).toEqual([{ name: "_start", address: 0x1000 }, { name: "d", address: 0x2000 }, { name: "b", address: 0x3000 }]);
  });

  it("data follows a long text at the next page boundary; empty sections are left out", () => {
    const { image } = asm(".zero 0x1004\n.section data\n.byte 1");
    expect(image.sections.map((s) => [s.name, s.address])).toEqual([[".text", 0x1000], [".data", 0x3000]]);
  });

  it("honours .org, .entry, .memsize, .bootargs", () => {
    const { image } = asm(".org 0x400\n.memsize 0x10000\n.bootargs 0x8000, 256\nnop\nmain: halt\n.entry main\n.org 0x410\n.word main");
    expect(image.sections[0]).toMatchObject({ address: 0x400, size: 0x14 });
    expect(image).toMatchObject({ entry: 0x404, memorySize: 0x10000, bootArgs: { address: 0x8000, size: 256 } });
    expect(bytesOf(".org 0x400\n.byte 1\n.org 0x404\n.byte 2")).toEqual([1, 0, 0, 0, 2]);
  });

  it("entry defaults to _start", () => {
    expect(asm("nop\n_start: halt").image.entry).toBe(0x1004);
  });

  it("checks memory size, fit, overlap and alignment", () => {
    expect(messages(".memsize 0x1800\n")).toEqual(["1:1: memory size 0x1800 is not a positive multiple of 4096"]);
    expect(messages(".memsize 0x1000\nnop")).toEqual([
      "1:1: entry 0x1000 is outside memory (0x1000 bytes)",
      "2:1: section .text (0x1000..0x1004) does not fit in memory of 0x1000 bytes (see .memsize)",
    ]);
    expect(messages("nop\n.data\n.org 0x1000\n.byte 1")).toEqual(["3:1: section .data (0x1000..0x1001) overlaps .text (0x1000..0x1004)"]);
    expect(messages("nop\n.org 0x1000")).toEqual(["2:6: .org 0x1000 moves backwards (the location is 0x1004)"]);
    expect(messages(".bootargs 0x1000, 16\nnop")).toEqual(["1:1: boot-args area 0x1000..0x1010 overlaps section .text"]);
  });
});

describe("data directives and expressions", () => {
  it("encodes bytes, halves, words and strings little-endian", () => {
    expect(bytesOf(".byte 1, -1, 'A'\n.half 0x1234, -2\n.word 0x80000000 | 5\n.ascii \"a\\n\\x41\"\n.asciz \"\\\\\", \"\\\"\"")).toEqual([
      1, 255, 65, 0x34, 0x12, 0xfe, 0xff, 5, 0, 0, 0x80, 97, 10, 65, 92, 0, 34, 0,
    ]);
  });
  it("evaluates with C precedence", () => {
    expect(bytesOf(".byte 1 + 2 * 3, (1 + 2) * 3, 7 / 2, -7 / 2 & 0xff, 7 % 3, 1 << 4 | 1, ~0 & 0xf, 0b101 ^ 1, 256 >> 4")).toEqual([
      7, 9, 3, 0xfd, 1, 17, 15, 4, 16,
    ]);
    // `.` is the address of the statement's first byte
    expect(bytesOf("x = 3\n.equ y, x * 2\nnop\n.byte y, . - 0x1000")).toEqual([0x11, 0, 0, 0, 6, 4]);
  });
  it("aligns with .balign and zero-fills with .zero", () => {
    expect(bytesOf(".byte 1\n.balign 4\n.byte 2\n.zero 2\n.byte 3")).toEqual([1, 0, 0, 0, 2, 0, 0, 3]);
  });
  it("reports division by zero and unknown escapes", () => {
    expect(messages(".byte 1 / 0")).toEqual(["1:9: division by zero"]);
    expect(messages('.ascii "\\q"')).toEqual(["1:9: unknown escape sequence '\\q'"]);
  });
});

describe("labels, macros and includes", () => {
  it("resolves numeric local labels backward and forward", () => {
    const w = bytesOf("1: nop\n1: beq a0, a0, 1b\nbeq a0, a0, 1f\n1: j 1b");
    // beq at 0x1004 back to itself (offset 0); beq at 0x1008 forward to 0x100c (offset 1); j back to 0x100c (0)
    expect(w.slice(4, 8)).toEqual([0x30, 0x11, 0x00, 0x00]);
    expect(w.slice(8, 12)).toEqual([0x30, 0x11, 0x01, 0x00]);
    expect(w.slice(12, 16)).toEqual([0x38, 0x00, 0x00, 0x00]);
  });
  it("keeps .L labels out of the symbol table", () => {
    expect(asm(".Lhidden: nop\nshown: j .Lhidden").image.symbols).toEqual([{ name: "shown", address: 0x1004 }]);
  });
  it("expands macros with arguments and unique labels", () => {
    const source = ".macro spin reg, n\n    li \\reg, \\n\n.Lloop\\@: addi \\reg, \\reg, -1\n    bnez \\reg, .Lloop\\@\n.endm\nspin a0, 3\nspin a1, 4";
    expect(bytesOf(source)).toEqual(bytesOf("li a0, 3\n1: addi a0, a0, -1\nbnez a0, 1b\nli a1, 4\n1: addi a1, a1, -1\nbnez a1, 1b"));
    expect(messages(".macro m a\n.endm\nm 1, 2")).toEqual(["3:3: macro 'm' takes 1 argument(s), got 2"]);
    expect(messages(".macro add\n.endm")).toEqual(["1:7: macro name 'add' is already an instruction"]);
  });
  it("includes files relative to the including file, with their own line numbers", () => {
    const files = { "lib/a.s": '.include "b.s"\nnop', "lib/b.s": "\n\nbad a0" };
    expect(messages('.include "lib/a.s"', files)).toEqual(["3:1: unknown mnemonic 'bad'"]);
    try {
      asm('.include "lib/a.s"', files);
    } catch (error) {
      expect((error as AssemblyError).diagnostics[0]!.file).toBe("lib/b.s");
    }
    expect(messages('.include "self.s"', { "self.s": '.include "self.s"' })).toEqual(['1:10: "self.s" includes itself']);
  });
  it("defines symbols from options", () => {
    const { image } = assemble(".word N", { file: "d.s", defines: { N: 0x11223344 } });
    expect(Array.from(image.sections[0]!.data)).toEqual([0x44, 0x33, 0x22, 0x11]);
  });
});

describe("listing and symbol map", () => {
  it("writes address, words and source; symbols one per line by address", () => {
    const result = asm("; demo\n_start: li a0, 0x12345678\n.data\nmsg: .asciz \"hi\"\n.text\nend: halt\n");
    expect(result.listing).toBe(
      [
        "; main.s",
        "    1 00001000                      ; demo",
        "    2 00001000  1234011a 56781113   _start: li a0, 0x12345678",
        "    3 00001008                      .data",
        "    4 00002000  68 69 00            msg: .asciz \"hi\"",
        "    5 00002003                      .text",
        "    6 00001008  00000050            end: halt",
        "",
      ].join("\n"),
    );
    expect(result.symbolMap).toBe("00001000 _start\n00001008 end\n00002000 msg\n");
  });
});
