/**
 * No source can make the assembler run away: each runaway below stops, quickly and with
 * bounded memory, at one located error. The time bound is loose on purpose (machines are
 * shared); what it catches is expansion that would run for minutes or grow without end.
 */
import { describe, expect, it } from "vitest";
import { AssemblyError, assemble } from "../../isa/asm/index.js";
import { MAX_LINES, MAX_OUTPUT, MAX_SHOWN_ERRORS, MAX_SOURCE_BYTES } from "../../isa/asm/limits.js";

const FAST_MS = 15_000;
const BOUNDED_BYTES = 512 << 20;

type Files = Record<string, string>;

/** The error of assembling `source` (with `files` to include), how long it took and the memory it left grown. */
function failure(source: string, files: Files = {}): { error: AssemblyError; ms: number; grew: number } {
  const before = process.memoryUsage().rss;
  const start = performance.now();
  try {
    assemble(source, {
      file: "main.s",
      readFile: (path) => {
        if (!(path in files)) throw Object.assign(new Error("missing"), { code: "ENOENT" });
        return files[path]!;
      },
    });
  } catch (error) {
    if (!(error instanceof AssemblyError)) throw error;
    return { error, ms: performance.now() - start, grew: process.memoryUsage().rss - before };
  }
  throw new Error("assembled without errors");
}

/** One diagnostic, fast, within bounded memory; its `line:col: message`. */
function oneQuickError(source: string, files: Files = {}): string {
  const { error, ms, grew } = failure(source, files);
  expect(error.diagnostics).toHaveLength(1);
  expect(error.message.split("\n")[0]).toMatch(/^[^:]+:\d+:\d+: error: /);
  expect(ms).toBeLessThan(FAST_MS);
  expect(grew).toBeLessThan(BOUNDED_BYTES);
  const [d] = error.diagnostics;
  return `${d!.file}:${d!.line}:${d!.col}: ${d!.message}`;
}

/** A macro m0 of `leaf`, and m1..mN each calling the one below twice, then a call of mN. */
const doubling = (depth: number, leaf: string): string =>
  [".macro m0", leaf, ".endm", ...Array.from({ length: depth }, (_, i) => `.macro m${i + 1}\nm${i}\nm${i}\n.endm`), `m${depth}`].join("\n");

describe("runaway expansion stops at one error", () => {
  it("a macro that calls itself (twice)", () => {
    expect(oneQuickError(".macro m\n  m\n  m\n.endm\nnop\nm\n")).toBe(
      "main.s:2:3: macro 'm' calls itself, which never ends: there is no conditional assembly (in macro 'm' called at main.s:6)",
    );
  });

  it("macros that call each other", () => {
    expect(oneQuickError(".macro a\n b\n.endm\n.macro b\n a\n.endm\na\n")).toMatch(/^main\.s:5:2: macro 'a' calls itself \(a → b → a\), /);
  });

  it("a macro that doubles 24 times (16 million lines)", () => {
    expect(oneQuickError(doubling(24, "nop"))).toMatch(
      new RegExp(`: the source grows past ${MAX_LINES} lines with its includes and macro expansions \\(the most one assembly takes\\)`),
    );
  });

  it("files that include the next one twice, 24 deep", () => {
    const files: Files = { "f24.s": "nop" };
    for (let i = 0; i < 24; i++) files[`f${i}.s`] = `.include "f${i + 1}.s"\n.include "f${i + 1}.s"`;
    expect(oneQuickError('.include "f0.s"', files)).toMatch(/: the source grows past \d+ lines/);
  });

  it("a doubling macro of long lines (characters, not lines, run out)", () => {
    const long = `; ${"x".repeat(100_000)}`;
    expect(oneQuickError(doubling(12, long))).toMatch(/: the source grows past 32 MiB with its includes and macro expansions/);
    expect(MAX_SOURCE_BYTES).toBe(32 << 20);
  });

  it("nesting deeper than the limit", () => {
    const files: Files = {};
    for (let i = 0; i < 100; i++) files[`n${i}.s`] = `.include "n${i + 1}.s"`;
    expect(oneQuickError('.include "n0.s"', files)).toMatch(/^n63\.s:1:10: \.include nested more than 64 deep$/);
  });

  it("sections that grow past the largest memory", () => {
    expect(oneQuickError(".zero 0x3000000\n.data\n.zero 0x3000000\n.bss\n.zero 0x3000000\n")).toBe(
      `main.s:3:1: the sections grow past ${MAX_OUTPUT / (1 << 20)} MiB, the most an image holds`,
    );
    expect(oneQuickError('.incbin "big.bin"\n.incbin "big.bin"\n.incbin "big.bin"', { "big.bin": "x".repeat(30 << 20) })).toMatch(
      /^main\.s:3:1: the sections grow past 64 MiB/,
    );
  });
});

describe("bounded reports", () => {
  it("prints the first errors in full and counts the rest", () => {
    const { error } = failure("frob\n".repeat(MAX_SHOWN_ERRORS + 30));
    expect(error.diagnostics).toHaveLength(MAX_SHOWN_ERRORS + 30);
    const lines = error.message.split("\n");
    expect(lines.filter((l) => l.includes(": error: "))).toHaveLength(MAX_SHOWN_ERRORS);
    expect(lines.at(-1)).toBe("… and 30 more errors");
  });

  it("lists a long line's bytes in a few rows and counts the rest", () => {
    const { listing } = assemble(`.data\n.ascii "${"a".repeat(1000)}"`, { file: "main.s" });
    const rows = listing.split("\n").filter((l) => l.startsWith("    2"));
    expect(rows).toHaveLength(9);
    expect(rows.at(-1)).toMatch(/… 936 more bytes$/);
  });

  it("hands readers the most a file may hold", () => {
    const limits: number[] = [];
    assemble('.include "a.s"\n.data\n.incbin "b.bin"', {
      file: "main.s",
      readFile: (_path, limit) => (limits.push(limit), "nop"),
    });
    expect(limits).toEqual([MAX_SOURCE_BYTES, MAX_OUTPUT]);
  });
});
