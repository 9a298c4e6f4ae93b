import { describe, expect, it } from "vitest";
import { runCli } from "../../vmm/cli/main.js";
const MEMWRITER = "tests/migration/guests/memwriter.s";
import { parseBandwidth, parseDuration } from "../../vmm/migration/units.js";

const text = (s: string | Uint8Array) => (typeof s === "string" ? s : new TextDecoder().decode(s));
function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (s: string | Uint8Array) => out.push(text(s)) }, stderr: { write: (s: string | Uint8Array) => err.push(text(s)) } }, out, err };
}

describe("toyvmm migrate", () => {
  it("prints the guest console on stdout and the statistics on stderr", async () => {
    const plain = capture();
    expect(await runCli(["boot", MEMWRITER], plain.io)).toBe(0);
    for (const strategy of ["stop-copy", "pre-copy", "post-copy"]) {
      const c = capture();
      const code = await runCli(["migrate", MEMWRITER, "--strategy", strategy, "--at", "20000", "--bandwidth", "50MB/s", "--latency", "2ms"], c.io);
      expect(code, c.err.join("")).toBe(0);
      expect(c.out.join("")).toBe(plain.out.join(""));
      expect(c.err.join("")).toMatch(/status\s+completed/);
      expect(c.err.join("")).toMatch(/downtime\s+\d/);
    }
  });

  it("prints JSON with --json", async () => {
    const c = capture();
    expect(await runCli(["migrate", MEMWRITER, "--strategy", "post-copy", "--at", "3000", "--json"], c.io)).toBe(0);
    const result = JSON.parse(c.out.join(""));
    expect(result.stats.status).toBe("completed");
    expect(result.console).toBe("memwriter ok\n");
  });

  it("rejects bad units in one line", async () => {
    const c = capture();
    expect(await runCli(["migrate", "solo", "--bandwidth", "fast"], c.io)).toBe(1);
    expect(c.err.join("")).toBe('toyvmm: --bandwidth "fast": expected a number with a unit (b/s, kb/s, mb/s, gb/s, kib/s, mib/s, gib/s, bit/s, kbit/s, mbit/s, gbit/s), e.g. 100MB/s or 1Gbit/s\n');
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
