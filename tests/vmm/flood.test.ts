/**
 * A guest that floods its console, or is flooded with input, costs the host a bounded amount of
 * memory and leaves its neighbour's output byte for byte what it is alone.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { MAX_INPUT } from "../../isa/arch.js";
import { Console } from "../../isa/devices/console.js";
import { CAPTURE_LIMIT, ConsoleCapture } from "../../vmm/console-capture.js";
import { LabelledLines, LINE_LIMIT } from "../../vmm/monitor/output.js";
import { runCli } from "../../vmm/cli/main.js";

const FLOOD = "tests/fixtures/guests/flood.s";
const FLOOD_PROGRAM = "tests/fixtures/guests/flood-program.s";

/** Runs the CLI keeping only stdout's lines that match `keep`, and counting the rest. */
async function boot(argv: string[], keep: (line: string) => boolean) {
  const kept: string[] = [];
  let bytes = 0;
  let longest = 0;
  let partial = "";
  const code = await runCli(argv, {
    stdout: {
      write: (chunk) => {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("latin1");
        bytes += text.length;
        const lines = (partial + text).split("\n");
        partial = lines.pop()!;
        for (const line of lines) {
          longest = Math.max(longest, line.length);
          if (keep(line)) kept.push(line);
        }
      },
    },
    stderr: { write: () => {} },
  });
  return { code, kept, bytes, longest };
}

describe("console bounds", () => {
  it("a VM that never writes a newline: its lines are cut at the bound, its neighbour is untouched", async () => {
    const neighbour = (line: string) => line.startsWith("[solo]");
    const alone = await boot(["boot", "solo", "--args", "prog=fib n=12"], () => true);
    const flooded = await boot(["boot", FLOOD, "solo", "--args", "solo:prog=fib n=12", "--max-ticks", "2000000"], neighbour);
    expect(flooded.code).toBe(124);
    expect(flooded.bytes).toBeGreaterThan(900_000);
    expect(flooded.kept).toEqual(alone.kept.map((line) => `[solo] ${line}`));
    expect(flooded.longest).toBeLessThanOrEqual(LINE_LIMIT + "[flood] ".length);
  });

  it("a whole host process with a 32 MiB heap writes 20 MB of one endless line", () => {
    // Holding the line until a newline (as toyvmm once did) runs out of heap before 5 MB.
    const r = spawnSync(
      process.execPath,
      ["--max-old-space-size=32", "dist/vmm/cli/main.js", "boot", "--bare", FLOOD, "--max-ticks", "40000000"],
      { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20, timeout: 30_000 },
    );
    expect(r.stderr.toString()).toBe("toyvmm: flood: stopped at the tick limit (raise it with --max-ticks)\n");
    expect(r.status).toBe(124);
    expect(r.stdout.length).toBe(20_000_000);
  });

  it("a single unlabelled VM's bytes pass through unchanged, however long its line", () => {
    const out: Uint8Array[] = [];
    const lines = new LabelledLines(null, (chunk) => out.push(chunk as Uint8Array));
    for (let i = 0; i < 3 * LINE_LIMIT + 5; i++) lines.sink(120);
    lines.sink(10);
    lines.flush();
    const all = Buffer.concat(out).toString();
    expect(all).toBe("x".repeat(3 * LINE_LIMIT + 5) + "\n");
    expect(out.length).toBe(4);
  });

  it("a host's capture of a guest's console keeps the newest output up to its bound and counts the rest", () => {
    const capture = new ConsoleCapture();
    const chunk = new Uint8Array(64 * 1024).fill(121);
    for (let i = 0; i < 64; i++) capture.write(chunk);
    expect(capture.text.length).toBeLessThanOrEqual(CAPTURE_LIMIT);
    expect(capture.text.length + capture.dropped).toBe(64 * chunk.length);
  });

  it("console input beyond the bound is dropped and counted, and what was taken reads back in order", () => {
    const console = new Console(() => {});
    const block = new Uint8Array(1 << 20).map((_v, i) => i & 0xff);
    let taken = 0;
    for (let i = 0; i < 20; i++) taken += console.feed(block);
    expect(taken).toBe(MAX_INPUT);
    expect(console.inputDropped).toBe(20 * block.length - MAX_INPUT);
    for (let i = 0; i < 1000; i++) expect(console.read(0)).toBe(i & 0xff);
    expect(console.feed(block.subarray(0, 1000))).toBe(1000);
  });

  it("migrate --json of a flooding guest reports what its bounded capture dropped", async () => {
    let stdout = "";
    const code = await runCli(["migrate", FLOOD_PROGRAM, "--at", "5000", "--json"], {
      stdout: { write: (chunk) => (stdout += chunk.toString()) },
      stderr: { write: () => {} },
    });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { console: string; consoleDropped: number };
    expect(report.console.length).toBeLessThanOrEqual(2 * CAPTURE_LIMIT);
    expect(report.console.length + report.consoleDropped).toBe(8 << 20);
  });
});
