import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS, runCli } from "../../vmm/cli/main.js";
import type { Command } from "../../vmm/cli/shared.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Uint8Array;
}

async function toyvmm(...argv: string[]): Promise<Run> {
  const out: Uint8Array[] = [];
  const err: string[] = [];
  const toBytes = (chunk: string | Uint8Array) => (typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
  const code = await runCli(argv, {
    stdout: { write: (chunk) => out.push(toBytes(chunk)) },
    stderr: { write: (chunk) => err.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk)) },
  });
  const stdoutBytes = new Uint8Array(Buffer.concat(out));
  return { code, stdout: new TextDecoder().decode(stdoutBytes), stderr: err.join(""), stdoutBytes };
}

/** The one line a failing command must print: exactly one newline, at the end. */
function oneLine(text: string): string {
  expect(text.endsWith("\n")).toBe(true);
  expect(text.slice(0, -1)).not.toContain("\n");
  return text.slice(0, -1);
}

const dir = mkdtempSync(join(tmpdir(), "toyvmm-cli-"));

const PROGRAM = `; prints "hi" on the console
.memsize 65536
.bootargs 0x8000, 64
.entry start
.org 0x1000
start:
    li t0, 104
    out 0, t0
    li t0, 105
    out 0, t0
    la t1, counter
    lw t2, 0(t1)
    halt
counter:
    .word 0x12345678
`;

function source(name = "prog.s", text = PROGRAM): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("toyvmm (program)", () => {
  it("prints help with every command, and examples on each command's help", async () => {
    const help = await toyvmm("--help");
    expect(help.code).toBe(0);
    for (const name of ["asm", "disasm", "inspect"]) expect(help.stdout).toContain(`toyvmm ${name} <file>`);
    expect(help.stdout).toContain("--log-level");
    for (const { name } of COMMANDS) {
      expect(help.stdout).toContain(`toyvmm ${name}`);
      const sub = await toyvmm(name, "--help");
      expect(sub.code).toBe(0);
      expect(sub.stdout).toContain("Examples:");
      expect(sub.stderr).toBe("");
    }
  });

  it("prints the package version", async () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    const run = await toyvmm("--version");
    expect(run).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("answers a wrong flag with one line, a pointer to help, and status 2", async () => {
    const run = await toyvmm("asm", source(), "--bogus");
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(oneLine(run.stderr)).toBe("toyvmm: unknown option --bogus (see toyvmm asm --help)");
  });

  it("answers a missing argument, an unknown command and no command with status 2", async () => {
    const missing = await toyvmm("inspect");
    expect(missing.code).toBe(2);
    expect(oneLine(missing.stderr)).toMatch(/^toyvmm: missing argument .*\(see toyvmm inspect --help\)$/);
    const unknown = await toyvmm("frobnicate");
    expect(unknown.code).toBe(2);
    expect(oneLine(unknown.stderr)).toMatch(/^toyvmm: .*frobnicate.* \(see toyvmm --help\)$/);
    const none = await toyvmm();
    expect(none.code).toBe(2);
    expect(oneLine(none.stderr)).toBe("toyvmm: no command given (see toyvmm --help)");
    const noValue = await toyvmm("asm", "x.s", "--listing");
    expect(noValue.code).toBe(2);
    expect(oneLine(noValue.stderr)).toBe("toyvmm: --listing needs a value (see toyvmm asm --help)");
    const level = await toyvmm("--log-level", "loud", "inspect", "x.tvm");
    expect(level.code).toBe(2);
    oneLine(level.stderr);
  });

  it("names a missing file in one line with status 1", async () => {
    const path = join(dir, "nope.tvm");
    for (const command of ["inspect", "disasm"]) {
      const run = await toyvmm(command, path);
      expect(run.code).toBe(1);
      expect(oneLine(run.stderr)).toBe(`toyvmm: ${path}: no such file`);
    }
    const asm = await toyvmm("asm", join(dir, "nope.s"));
    expect(asm.code).toBe(1);
    expect(oneLine(asm.stderr)).toContain("nope.s");
  });

  it("reports a corrupted or truncated image in one line with status 1", async () => {
    const image = join(dir, "corrupt.tvm");
    expect((await toyvmm("asm", source("corrupt.s"), "-o", image)).code).toBe(0);
    const bytes = readFileSync(image);
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 3] ^= 0x40;
    writeFileSync(image, flipped);
    for (const command of ["inspect", "disasm"]) {
      const run = await toyvmm(command, image);
      expect(run.code).toBe(1);
      expect(oneLine(run.stderr)).toMatch(new RegExp(`^toyvmm: ${image}: checksum mismatch \\(stored 0x[0-9a-f]+, computed 0x[0-9a-f]+\\)$`));
    }
    writeFileSync(image, bytes.subarray(0, 30));
    const cut = await toyvmm("inspect", image);
    expect(cut.code).toBe(1);
    expect(oneLine(cut.stderr)).toBe(`toyvmm: ${image}: truncated at byte 30 (header needs 16 more bytes)`);
    writeFileSync(image, "not an image at all");
    expect(oneLine((await toyvmm("inspect", image)).stderr)).toBe(`toyvmm: ${image}: not a toyvmm image (bad magic)`);
  });

  it("prints assembly errors as located diagnostics with status 1", async () => {
    const bad = source("bad.s", ".org 0x1000\n    frob a0, a1\n");
    const run = await toyvmm("asm", bad);
    expect(run.code).toBe(1);
    expect(run.stderr.startsWith(`${bad}:2:`)).toBe(true);
    expect(run.stderr).toContain("error:");
  });

  it("reports a bug as an internal error with status 70, the stack only at debug level", async () => {
    const broken: Command = {
      command: "broken",
      describe: "always fails",
      handler: () => {
        throw new TypeError("cannot read properties of undefined");
      },
    };
    const entry = { name: "broken", load: async () => broken };
    COMMANDS.push(entry);
    try {
      const run = await toyvmm("broken");
      expect(run.code).toBe(70);
      expect(oneLine(run.stderr)).toBe("toyvmm: internal error: cannot read properties of undefined");
      const debug = await toyvmm("broken", "--log-level", "debug");
      expect(debug.code).toBe(70);
      expect(debug.stderr.split("\n")[0]).toBe("toyvmm: internal error: cannot read properties of undefined");
      expect(debug.stderr).toContain("TypeError");
      expect(debug.stderr).toContain("cli.test.ts");
    } finally {
      COMMANDS.splice(COMMANDS.indexOf(entry), 1);
    }
  });
});

describe("toyvmm asm, inspect, disasm", () => {

  it("assembles next to the source by default and logs on stderr at info level", async () => {
    const path = source("default.s");
    const run = await toyvmm("asm", path, "--log-level", "info");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    const logs = run.stderr.trim().split("\n").map((line) => JSON.parse(line) as { msg: string; level: number });
    expect(logs.some((entry) => entry.msg === "assembled")).toBe(true);
    expect(readFileSync(join(dir, "default.tvm")).subarray(0, 6).toString()).toBe("TOYVMM");
    expect((await toyvmm("asm", path)).stderr).toBe("");
  });

  it("writes the listing and the symbol map to stdout with -", async () => {
    const listing = await toyvmm("asm", source("list.s"), "-o", join(dir, "list.tvm"), "--listing", "-");
    expect(listing.code).toBe(0);
    expect(listing.stdout).toContain("start");
    const symbols = await toyvmm("asm", source("syms.s"), "-o", join(dir, "syms.tvm"), "--symbols", "-");
    expect(symbols.code).toBe(0);
    expect(symbols.stdout).toContain("counter");
  });

  it("inspects an image as text and as JSON", async () => {
    const image = join(dir, "inspect.tvm");
    expect((await toyvmm("asm", source("inspect.s"), "-o", image)).code).toBe(0);
    const text = await toyvmm("inspect", image);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${image}: toyvmm image, format version 1, ${readFileSync(image).length} bytes, checksum 0x`);
    expect(text.stdout).toMatch(/entry\s+0x00001000/);
    expect(text.stdout).toMatch(/boot args\s+0x00008000, 64 bytes/);
    expect(text.stdout).toMatch(/0x00001000 {2}start/);

    const json = await toyvmm("inspect", image, "--json");
    const summary = JSON.parse(json.stdout) as {
      entry: number;
      memorySize: number;
      bootArgs: { address: number; size: number };
      checksum: number;
      sections: { address: number; flags: string[] }[];
      symbols: { name: string; address: number }[];
    };
    expect(summary.entry).toBe(0x1000);
    expect(summary.memorySize).toBe(65536);
    expect(summary.bootArgs).toEqual({ address: 0x8000, size: 64 });
    expect(summary.checksum).toBe(readFileSync(image).readUInt32LE(10));
    expect(summary.sections.some((s) => s.address === 0x1000)).toBe(true);
    expect(summary.symbols).toContainEqual({ name: "start", address: 0x1000 });

    const fromSource = await toyvmm("inspect", join(dir, "inspect.s"), "--json");
    expect(JSON.parse(fromSource.stdout)).toEqual({ ...summary, file: join(dir, "inspect.s") });
  });

  it("round-trips asm -> inspect -> disasm -> asm to the same bytes", async () => {
    const first = join(dir, "round1.tvm");
    const again = join(dir, "round2.s");
    const second = join(dir, "round2.tvm");
    expect((await toyvmm("asm", source("round.s"), "-o", first)).code).toBe(0);
    expect((await toyvmm("inspect", first)).code).toBe(0);
    const disasm = await toyvmm("disasm", first);
    expect(disasm.code).toBe(0);
    writeFileSync(again, disasm.stdout);
    const reassembled = await toyvmm("asm", again, "-o", second);
    expect(reassembled.stderr).toBe("");
    expect(readFileSync(second)).toEqual(readFileSync(first));

    expect((await toyvmm("disasm", first, "-o", join(dir, "round3.s"))).stdout).toBe("");
    expect(readFileSync(join(dir, "round3.s"), "utf8")).toBe(disasm.stdout);
  });

  it.each(["programs/hello.s", "guest-os/solo/kernel.s"])("round-trips the bundled %s through disasm", async (path) => {
    const name = path.replace(/\W+/g, "-");
    const first = join(dir, `${name}.tvm`);
    const second = join(dir, `${name}.2.tvm`);
    expect((await toyvmm("asm", path, "-o", first)).code).toBe(0);
    expect((await toyvmm("disasm", first, "-o", join(dir, `${name}.dis.s`))).code).toBe(0);
    expect((await toyvmm("asm", join(dir, `${name}.dis.s`), "-o", second)).code).toBe(0);
    expect(readFileSync(second)).toEqual(readFileSync(first));
  });
});
