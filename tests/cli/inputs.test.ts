/**
 * What `toyvmm asm`, `disasm` and `inspect` accept as input, and what they refuse: every
 * runaway input ends fast in one error and exit 1; `-I` and the bundled include path; `-` for
 * standard input; no output over an input; section file offsets in `inspect`.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { encodeImage } from "../../isa/image/format.js";
import { SECTION_EXEC, SECTION_WRITE } from "../../isa/image/model.js";
import { runCli } from "../../vmm/cli/main.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Uint8Array;
  ms: number;
}

async function toyvmm(argv: string[], stdin?: string | Uint8Array): Promise<Run> {
  const out: Uint8Array[] = [];
  const err: string[] = [];
  const toBytes = (chunk: string | Uint8Array) => (typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
  const start = performance.now();
  const code = await runCli(argv, {
    stdout: { write: (chunk) => out.push(toBytes(chunk)) },
    stderr: { write: (chunk) => err.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk)) },
    ...(stdin === undefined ? {} : { stdin: Readable.from([Buffer.from(stdin)]) }),
  });
  const stdoutBytes = new Uint8Array(Buffer.concat(out));
  return { code, stdout: new TextDecoder().decode(stdoutBytes), stderr: err.join(""), stdoutBytes, ms: performance.now() - start };
}

/** A failure with exit 1 and one error: one line, or one located diagnostic (with its source line and caret). */
function oneError(run: Run): string {
  expect(run.code).toBe(1);
  expect(run.stdout).toBe("");
  const lines = run.stderr.trimEnd().split("\n");
  if (lines.length > 1) {
    expect(lines[0]).toMatch(/^[^\s:]+:\d+:\d+: error: /);
    expect(lines.filter((line) => line.includes(": error: "))).toHaveLength(1);
    expect(lines.length).toBe(3);
  }
  return lines[0]!;
}

/** Loose on purpose (machines are shared): what it catches is a runaway that takes minutes. */
const FAST_MS = 3000;

const dir = mkdtempSync(join(tmpdir(), "toyvmm-inputs-"));
function file(name: string, text: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const HELLO = '.include "lib/start.s"\nmain:\n    la a0, text\n    call print_str\n    li a0, 0\n    ret\n.data\ntext: .asciz "hi\\n"\n';

describe("runaway inputs end fast, in one error", () => {
  const doubling = [".macro m0\nnop\n.endm", ...Array.from({ length: 24 }, (_, i) => `.macro m${i + 1}\nm${i}\nm${i}\n.endm`), "m24"].join("\n");
  const fifo = join(dir, "never-written");
  execFileSync("mkfifo", [fifo]);
  execFileSync("truncate", ["-s", "3G", join(dir, "huge.tvm")]);
  const cases: [string, string[], RegExp][] = [
    ["a macro that calls itself twice", ["asm", file("self.s", ".macro m\nm\nm\n.endm\nm\n")], /self\.s:2:1: error: macro 'm' calls itself/],
    ["a macro doubling 24 deep", ["asm", file("double.s", doubling)], /double\.s:\d+:\d+: error: the source grows past 262144 lines/],
    ['.incbin "/dev/zero"', ["asm", file("zero.s", '.incbin "/dev/zero"\n')], /zero\.s:1:9: error: cannot read "\/dev\/zero": not a regular file \(a character device\)/],
    [".include of a FIFO", ["asm", file("fifo.s", `.include "${fifo}"\n`)], /fifo\.s:1:10: error: cannot include ".*never-written": not a regular file \(a pipe or FIFO\)/],
    ["/dev/zero as the source", ["asm", "/dev/zero", "-o", join(dir, "z.tvm")], /^toyvmm: \/dev\/zero: not a text file \(NUL byte at offset 0\)$/],
    ["/dev/urandom as an image", ["disasm", "/dev/urandom"], /^toyvmm: \/dev\/urandom: not a toyvmm image \(bad magic\)$/],
    ["a 3 GB image", ["inspect", join(dir, "huge.tvm")], /huge\.tvm: too large for an image file \(more than 128 MiB\)$/],
  ];
  it.each(cases)("%s", async (_name, argv, expected) => {
    const run = await toyvmm(argv);
    expect(oneError(run)).toMatch(expected);
    expect(run.ms).toBeLessThan(FAST_MS);
  });

  it("a missing include is the only error, whatever it would have defined", async () => {
    const run = await toyvmm(["asm", file("cascade.s", HELLO.replace("lib/start.s", "lib/strat.s"))]);
    expect(oneError(run)).toMatch(/cascade\.s:1:10: error: cannot include "lib\/strat\.s": no such file \(looked in .*\)$/);
  });

  it("never prints a control character from the input raw", async () => {
    const run = await toyvmm(["asm", file("bell.s", "nop \x07\x1b[31m\n")]);
    expect(oneError(run)).toMatch(/bell\.s:1:5: error: unexpected character '\\x07'$/);
    expect(run.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    const image = encodeImage({
      entry: 0x1000, memorySize: 0x10000, flags: 0, bootArgs: { address: 0, size: 0 },
      sections: [{ name: "t\x1b[2Jx", address: 0x1000, flags: SECTION_EXEC, data: new Uint8Array(4), size: 4 }],
      symbols: [{ name: "s\x07", address: 0x1000 }],
    });
    const inspect = await toyvmm(["inspect", file("names.tvm", image)]);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain("t\\x1b[2Jx");
    expect(inspect.stdout).toContain("s\\x07");
    expect(inspect.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });
});

describe("include folders", () => {
  it("finds the bundled library from any folder, and -I folders", async () => {
    mkdirSync(join(dir, "mine"));
    file("mine/greet.s", "greet:\n    la a0, text\n    j print_str\n");
    const prog = file("greeter.s", HELLO.replace("call print_str", "call greet").replace("ret\n", 'ret\n.include "greet.s"\n'));
    const missing = await toyvmm(["asm", prog, "-o", join(dir, "greeter.tvm")]);
    expect(oneError(missing)).toMatch(/cannot include "greet\.s": no such file/);
    const run = await toyvmm(["asm", prog, "-o", join(dir, "greeter.tvm"), "-I", join(dir, "mine"), "-I", "/nonexistent"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const disasm = await toyvmm(["disasm", prog, "-I", join(dir, "mine")]);
    expect(disasm.code).toBe(0);
  });

  it("explains -I with an example in asm --help", async () => {
    const help = await toyvmm(["asm", "--help"]);
    expect(help.stdout).toMatch(/-I, --include-dir/);
    expect(help.stdout).toContain("-I programs/lib");
  });
});

describe("- reads standard input", () => {
  it("asm - needs -o, and assembles standard input (includes from the current folder)", async () => {
    expect(oneError(await toyvmm(["asm", "-"], "nop\n"))).toBe(
      "toyvmm: asm -: the source comes from standard input, so say where the image goes with -o FILE (or -o - for stdout)",
    );
    const out = join(dir, "stdin.tvm");
    expect(await toyvmm(["asm", "-", "-o", out], HELLO)).toMatchObject({ code: 0, stderr: "" });
    const bad = await toyvmm(["asm", "-", "-o", out], "nop\nfrob\n");
    expect(oneError(bad)).toBe("<stdin>:2:1: error: unknown mnemonic 'frob'");
    const toStdout = await toyvmm(["asm", "-", "-o", "-"], HELLO);
    expect(toStdout.stdoutBytes).toEqual(new Uint8Array(readFileSync(out)));
  });

  it("disasm - and inspect - take an image or a source, told apart by the magic bytes", async () => {
    const image = readFileSync(join(dir, "stdin.tvm"));
    const fromImage = await toyvmm(["disasm", "-"], image);
    const fromSource = await toyvmm(["disasm", "-"], HELLO);
    expect(fromImage.code).toBe(0);
    expect(fromSource.stdout).toBe(fromImage.stdout);
    const inspect = await toyvmm(["inspect", "-", "--json"], image);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ file: "<stdin>", fileSize: image.length });
    expect(oneError(await toyvmm(["inspect", "-"], new Uint8Array([1, 2, 0, 4])))).toBe(
      "toyvmm: <stdin>: neither a toyvmm image nor assembly source (NUL byte at offset 2)",
    );
    expect(oneError(await toyvmm(["disasm", "-"], ""))).toBe("toyvmm: <stdin>: empty (expected a toyvmm image or assembly source)");
  });
});

describe("outputs never overwrite inputs", () => {
  const part = file("keep-part.s", "; included\n");
  const source = file("keep.s", `.include "keep-part.s"\n${HELLO}`);
  symlinkSync(source, join(dir, "keep-link.s"));
  const cases: [string, string[]][] = [
    ["-o onto the source", ["asm", source, "-o", source]],
    ["-o onto a link to the source", ["asm", source, "-o", join(dir, "keep-link.s")]],
    ["-o onto the source by another path", ["asm", source, "-o", join(dir, "..", dir.split("/").pop()!, "keep.s")]],
    ["--listing onto an included file", ["asm", source, "-o", join(dir, "k.tvm"), "--listing", part]],
    ["--symbols onto the source", ["asm", source, "-o", join(dir, "k.tvm"), "--symbols", source]],
    ["disasm -o onto its input", ["disasm", source, "-o", source]],
  ];
  it.each(cases)("refuses %s, and writes nothing", async (_name, argv) => {
    const before = [readFileSync(source, "utf8"), readFileSync(part, "utf8")];
    expect(oneError(await toyvmm(argv))).toMatch(/^toyvmm: (-o|--listing|--symbols) .* would overwrite an input of this command/);
    expect([readFileSync(source, "utf8"), readFileSync(part, "utf8")]).toEqual(before);
  });

  it("refuses two outputs onto one file", async () => {
    const same = join(dir, "same.out");
    expect(oneError(await toyvmm(["asm", source, "-o", same, "--listing", same]))).toBe(`toyvmm: -o and --listing both write ${same}`);
  });
});

describe("inspect shows where each section's bytes are in the file", () => {
  it("as a column and as fileOffset in JSON", async () => {
    const image = encodeImage({
      entry: 0x1000, memorySize: 0x10000, flags: 0, bootArgs: { address: 0, size: 0 },
      sections: [
        { name: ".text", address: 0x1000, flags: SECTION_EXEC, data: new Uint8Array([1, 2, 3, 4]), size: 4 },
        { name: ".data", address: 0x2000, flags: SECTION_WRITE, data: new Uint8Array([9, 8]), size: 2 },
      ],
      symbols: [],
    });
    const path = file("offsets.tvm", image);
    const json = JSON.parse((await toyvmm(["inspect", path, "--json"])).stdout) as { sections: { fileOffset: number; fileLength: number }[] };
    const [text, data] = json.sections;
    expect(Array.from(image.subarray(text!.fileOffset, text!.fileOffset + text!.fileLength))).toEqual([1, 2, 3, 4]);
    expect(Array.from(image.subarray(data!.fileOffset, data!.fileOffset + data!.fileLength))).toEqual([9, 8]);
    const shown = (await toyvmm(["inspect", path])).stdout;
    expect(shown).toMatch(/name\s+address\s+size\s+file offset\s+flags/);
    expect(shown).toContain(`.text  0x00001000  0x00000004  0x${text!.fileOffset.toString(16).padStart(8, "0")}   exec`);
  });
});
