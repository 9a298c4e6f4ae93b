import { describe, expect, it } from "vitest";
import { runCli } from "../../vmm/cli/main.js";
import { parseBandwidth, parseDuration } from "../../vmm/migration/units.js";

const MEMWRITER = "programs/memwriter.s";
const ARGS = "pages=64 rate=20000 iters=8";

const text = (s: string | Uint8Array) => (typeof s === "string" ? s : new TextDecoder().decode(s));
function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (s: string | Uint8Array) => out.push(text(s)) }, stderr: { write: (s: string | Uint8Array) => err.push(text(s)) } }, out, err };
}

async function cli(argv: string[]) {
  const c = capture();
  const code = await runCli(argv, c.io);
  return { code, out: c.out.join(""), err: c.err.join("") };
}

describe("toyvmm migrate", () => {
  it("migrates a program in the process VM: stdout as `toyvmm run`, statistics on stderr", async () => {
    const plain = await cli(["run", MEMWRITER, "--args", ARGS]);
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/^memwriter: pages=64 sweeps=8 writes=512 ticks-per-write=50\nchecksum: 0x[0-9a-f]{8}\n$/);
    for (const strategy of ["stop-copy", "pre-copy", "post-copy"]) {
      const r = await cli(["migrate", MEMWRITER, "--args", ARGS, "--strategy", strategy, "--at", "9000", "--bandwidth", "50MB/s", "--latency", "2ms"]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toBe(plain.out);
      expect(r.err).toMatch(/status\s+completed/);
      expect(r.err).toMatch(/downtime\s+\d/);
    }
  });

  it("runs the brief's example with the defaults (pre-copy from the first instruction)", async () => {
    const r = await cli(["migrate", MEMWRITER, "--args", ARGS, "--strategy", "pre-copy"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe((await cli(["run", MEMWRITER, "--args", ARGS])).out);
  });

  it("prints JSON with --json, with the program's exit status", async () => {
    const r = await cli(["migrate", MEMWRITER, "--args", ARGS, "--strategy", "post-copy", "--at", "3000", "--json"]);
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.stats.status).toBe("completed");
    expect(result.console).toMatch(/^memwriter: pages=64 sweeps=8/);
    expect(result.exitStatus).toBe(0);
    expect(result.stderr).toBe("");
  });

  it("migrates a bundled guest OS, and --no-process/--process decide for files", async () => {
    const boot = await cli(["boot", "solo", "--args", "prog=fib n=8"]);
    const r = await cli(["migrate", "solo", "--args", "prog=fib n=8", "--strategy", "post-copy", "--at", "4000"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(boot.out);
    // Booted as a kernel, memwriter's first `sys` traps to a handler that is not there and the
    // machine stops within a few instructions; as a program it runs on.
    const asKernel = await cli(["migrate", MEMWRITER, "--no-process", "--at", "10"]);
    expect(asKernel.err).toMatch(/^toyvmm: --at 10: programs\/memwriter\.s ends after [1-9] instructions, before the migration point\n$/);
    const asProgram = await cli(["migrate", MEMWRITER, "--process", "--args", ARGS, "--at", "10"]);
    expect(asProgram.code, asProgram.err).toBe(0);
  });

  const oneLineError = async (argv: string[], message: RegExp, code = 1, guestRan = false) => {
    const r = await cli(argv);
    expect(r.code, r.err).toBe(code);
    expect(r.err.trimEnd()).toMatch(message);
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    // A guest that ends before the migration point has run: its console is its own.
    if (!guestRan) expect(r.out).toBe("");
  };

  it("rejects bad units in one line", async () => {
    const r = await cli(["migrate", "solo", "--bandwidth", "fast"]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('toyvmm: --bandwidth "fast": expected a number with a unit (B/s, kB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s; bits: bit/s, kbit/s, Mbit/s, Gbit/s, Mb/s, Mbps), e.g. 100MB/s or 1Gbit/s\n');
    await oneLineError(["migrate", "solo", "--latency", "30"], /^toyvmm: --latency "30": expected a number with a unit/);
    await oneLineError(["migrate", "solo", "--downtime-target", "-1ms"], /^toyvmm: --downtime-target "-1ms": expected a number/);
    await oneLineError(["migrate", "solo", "--speed", "0"], /^toyvmm: --speed "0": must be more than 0/);
    await oneLineError(["migrate", "solo", "--bandwidth", "0.1b/s"], /^toyvmm: --bandwidth "0.1b\/s": must be more than 0 bytes per second/);
    await oneLineError(["migrate", "solo", "--latency", "1e30s"], /^toyvmm: --latency "1e30s": out of range/);
    await oneLineError(["migrate", "solo", "--max-rounds", "0"], /^toyvmm: --max-rounds 0: expected a whole number ≥ 1/);
    await oneLineError(["migrate", "solo", "--at", "-5"], /^toyvmm: --at -5: expected a whole number of instructions ≥ 0/);
    await oneLineError(["migrate", "solo", "--at", "many"], /^toyvmm: --at "many": expected a number \(see toyvmm migrate --help\)$/, 2);
  });

  it("rejects an unknown guest, a missing file, a bad strategy and --at past the end in one line", async () => {
    await oneLineError(["migrate", "nosuchos"], /^toyvmm: nosuchos: no such bundled guest \(bundled: .*multi.*\); give a \.tvm or \.s file instead$/);
    await oneLineError(["migrate", "no/such/file.s"], /no\/such\/file\.s/);
    await oneLineError(["migrate", "solo", "--strategy", "teleport"], /^toyvmm: invalid value: --strategy "teleport" is not one of "stop-copy", "pre-copy", "post-copy" \(see toyvmm migrate --help\)$/, 2);
    await oneLineError(["migrate", MEMWRITER, "--args", ARGS, "--at", "1000000000"], /^toyvmm: --at 1000000000: programs\/memwriter\.s ends after \d+ instructions, before the migration point$/, 1, true);
    await oneLineError(["migrate", "solo", "--args", "prog=fib n=3", "--at", "90000000"], /^toyvmm: --at 90000000: solo ends after \d+ instructions, before the migration point$/, 1, true);
    await oneLineError(["migrate", "solo", "--process"], /^toyvmm: solo: --process needs a program file/);
  });

  it("documents how it tells programs from kernels in --help", async () => {
    const r = await cli(["migrate", "--help"]);
    expect(r.out).toMatch(/--process/);
    expect(r.out).toMatch(/_start/);
  });

  it("parses human units exactly", () => {
    expect(parseBandwidth("100MB/s")).toBe(100_000_000);
    expect(parseBandwidth("1Gbit/s")).toBe(125_000_000);
    expect(parseBandwidth("512KiB/s")).toBe(524_288);
    expect(parseDuration("1ms", "--latency")).toBe(1_000_000);
    expect(parseDuration("250us", "--latency")).toBe(250_000);
    expect(() => parseDuration("30", "--latency")).toThrow(/--latency "30": expected a number with a unit/);
  });
});
