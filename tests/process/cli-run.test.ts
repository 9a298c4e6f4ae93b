import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { crc32 } from "../../isa/crc32.js";
import { runCli } from "../../vmm/cli/main.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function toyvmm(argv: string[], stdin?: string): Promise<Run> {
  const out: Uint8Array[] = [];
  const err: string[] = [];
  const bytes = (chunk: string | Uint8Array) => (typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  const code = await runCli(argv, {
    stdout: { write: (chunk) => out.push(bytes(chunk)) },
    stderr: { write: (chunk) => err.push(Buffer.from(bytes(chunk)).toString()) },
    ...(stdin !== undefined ? { stdin: Readable.from([Buffer.from(stdin)]) } : {}),
  });
  return { code, stdout: Buffer.concat(out).toString(), stderr: err.join("") };
}

function oneLine(text: string): string {
  expect(text.endsWith("\n")).toBe(true);
  expect(text.slice(0, -1)).not.toContain("\n");
  return text.slice(0, -1);
}

const dir = mkdtempSync(join(tmpdir(), "toyvmm-run-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}
const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

describe("toyvmm run", () => {
  it("runs a .s program: its stdout is stdout, its status the exit code", async () => {
    expect(await toyvmm(["run", "programs/hello.s"])).toEqual({ code: 0, stdout: "Hello, world!\n", stderr: "" });
  });

  it("passes --args as boot arguments", async () => {
    const run = await toyvmm(["run", "programs/fib.s", "--args", "n=10"]);
    expect(run).toEqual({ code: 0, stdout: "fib(10) = 55 (iterative)\nfib(10) = 55 (recursive)\n", stderr: "" });
  });

  it("returns the program's own failure status and its stderr", async () => {
    const run = await toyvmm(["run", "programs/sieve.s", "--args", "n=1"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(oneLine(run.stderr)).toBe("sieve: n must be a number from 2 to 500000");
  });

  it("runs an assembled .tvm image the same as its source", async () => {
    const image = join(dir, "sort.tvm");
    expect((await toyvmm(["asm", "programs/sort.s", "-o", image])).code).toBe(0);
    const fromImage = await toyvmm(["run", image]);
    expect(fromImage).toEqual(await toyvmm(["run", "programs/sort.s"]));
    expect(fromImage.stdout).toContain("sorted: yes");
  });

  it("reads standard input from a file or from - ", async () => {
    const text = "hello process vm\nsecond line\n";
    const path = file("input.txt", text);
    const fromFile = await toyvmm(["run", "programs/strings.s", "--input", path]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toContain("text: hello process vm\nlength: 16\nreversed: mv ssecorp olleh\n");
    expect(fromFile.stdout).toContain("words: 3\n");
    const fromStdin = await toyvmm(["run", "programs/strings.s", "--input", "-"], text);
    expect(fromStdin).toEqual(fromFile);

    const data = Buffer.from("The quick brown fox jumps over the lazy dog. ".repeat(20));
    const sum = await toyvmm(["run", "programs/checksum.s", "--args", "stdin=1", "--input", "-"], data.toString());
    expect(sum).toEqual({
      code: 0,
      stdout: `stdin: ${data.length} bytes, crc32 ${hex(crc32(data))}, adler32 ${hex(adler32(data))}\n`,
      stderr: "",
    });
  });

  it("reports a fault in one line with status 128 + cause", async () => {
    const path = file("fault.s", ".org 0x1000\nstart:\n    lui t0, 0x40\n    sw t0, 0(t0)\n");
    const run = await toyvmm(["run", path]);
    expect(run.code).toBe(135);
    expect(oneLine(run.stderr)).toBe(`${path}: fault at pc 0x00001004 <start+0x4>: access-fault at 0x00400000`);
  });

  it("stops a program at --max-ticks with status 124", async () => {
    const run = await toyvmm(["run", "programs/memwriter.s", "--args", "iters=0", "--max-ticks", "5000"]);
    expect(run.code).toBe(124);
    expect(run.stdout).toBe("");
    expect(oneLine(run.stderr)).toMatch(
      /^programs\/memwriter\.s: stopped at the tick limit after 5000 ticks, pc 0x[0-9a-f]{8} \(raise it with --max-ticks\)$/,
    );
  });

  it("prints statistics on stderr with --stats, as JSON with --json", async () => {
    const text = await toyvmm(["run", "programs/hello.s", "--stats"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe("Hello, world!\n");
    expect(text.stderr).toMatch(/^ended {7}exit, status 0\nticks {7}\d+\nsyscalls {4}write 1, exit 1\n$/);

    const json = await toyvmm(["run", "programs/memwriter.s", "--args", "pages=4 iters=2", "--stats", "--json"]);
    const stats = JSON.parse(json.stderr) as { program: string; exitStatus: number; ticks: number; syscalls: Record<string, number> };
    expect(stats).toMatchObject({ program: "programs/memwriter.s", outcome: { kind: "exited", status: 0 }, exitStatus: 0 });
    expect(stats.syscalls.sbrk).toBe(2);
    expect(stats.ticks).toBeGreaterThan(8 * 100);
    // the same run again: the same ticks
    expect(JSON.parse((await toyvmm(["run", "programs/memwriter.s", "--args", "pages=4 iters=2", "--stats", "--json"])).stderr)).toEqual(stats);
  });

  it("answers bad input with one line and status 1 or 2", async () => {
    const missing = await toyvmm(["run", join(dir, "nope.s")]);
    expect(missing.code).toBe(1);
    expect(oneLine(missing.stderr)).toContain("nope.s");

    const noArgsArea = file("noargs.s", ".org 0x1000\nstart:\n    li a0, 0\n    li a1, 0\n    sys\n");
    const args = await toyvmm(["run", noArgsArea, "--args", "n=3"]);
    expect(args.code).toBe(1);
    expect(oneLine(args.stderr)).toBe(`toyvmm: ${noArgsArea}: this image takes no boot arguments (it has no boot-args area)`);

    const badInput = await toyvmm(["run", "programs/hello.s", "--input", join(dir, "absent.txt")]);
    expect(badInput.code).toBe(1);
    expect(oneLine(badInput.stderr)).toBe(`toyvmm: ${join(dir, "absent.txt")}: no such file`);

    const ticks = await toyvmm(["run", "programs/hello.s", "--max-ticks", "0"]);
    expect(ticks.code).toBe(1);
    expect(oneLine(ticks.stderr)).toBe("toyvmm: --max-ticks 0: expected a whole number of ticks ≥ 1");

    const badSource = file("bad.s", ".org 0x1000\n    frob a0\n");
    const asm = await toyvmm(["run", badSource]);
    expect(asm.code).toBe(1);
    expect(asm.stderr.startsWith(`${badSource}:2:`)).toBe(true);

    const flag = await toyvmm(["run", "programs/hello.s", "--bogus"]);
    expect(flag.code).toBe(2);
    expect(oneLine(flag.stderr)).toBe("toyvmm: unknown option --bogus (see toyvmm run --help)");
  });

  it("has help with examples", async () => {
    const help = await toyvmm(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Examples:");
    expect(help.stdout).toContain("--max-ticks");
    expect(help.stdout).toContain("124");
  });
});
