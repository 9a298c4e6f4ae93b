/**
 * New regions are trained before they run (isa/cpu/jit/train.ts), so V8 never throws an
 * optimized region away for want of type feedback when the guest reaches a block for the first
 * time. Runs the built CLI (dist/) on the bench's kernels with V8's own tracing and reads it:
 * regions were optimized, and none was deoptimized for "Insufficient type feedback". (V8's
 * tracing shares stdout with the program, so what the program prints is checked elsewhere.)
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CLI = join(import.meta.dirname, "..", "..", "dist", "vmm", "cli", "main.js");

/** Large enough that V8 optimizes the regions, then reaches blocks that had not run yet. */
const KERNELS = [
  { program: "programs/bench/sieve.s", args: "n=100000 reps=4" },
  { program: "programs/bench/fib.s", args: "n=27" },
  { program: "programs/bench/sumcopy.s", args: "passes=12" },
];

describe("trained regions", () => {
  it.each(KERNELS)("$program: optimized, never deoptimized for want of type feedback", ({ program, args }) => {
    const run = spawnSync(process.execPath, ["--trace-opt", "--trace-deopt", CLI, "run", program, "--args", args], {
      encoding: "utf8",
      timeout: 60_000,
      maxBuffer: 64 << 20,
    });
    expect(run.status).toBe(0);
    const lines = run.stdout.split("\n");
    const region = (l: string) => l.includes("<JSFunction block ");
    expect(lines.some((l) => region(l) && l.includes("[completed optimizing"))).toBe(true);
    expect(lines.filter((l) => region(l) && l.includes("Insufficient type feedback"))).toEqual([]);
  });
});
