/**
 * Traces and profiles through the CLI: a known program's trace equals its golden file, filters
 * keep to a function, and a profile's counts — flat and folded — add up to the run's ticks.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toyvmm } from "../cli/run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "toyvmm-trace-"));
const GOLDEN = "tests/debug/golden/hello.trace";

/** The sum of the last column of folded-stack lines. */
const foldedTotal = (text: string) =>
  text
    .trim()
    .split("\n")
    .reduce((n, line) => n + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);

/** The sum of the ticks column of a flat profile printed on stderr. */
const flatTotal = (text: string) => {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith("symbol "));
  return lines
    .slice(start + 1)
    .filter((l) => /^\S+\s+\d+\s+\d+\s+[\d.]+%\s+\d+$/.test(l))
    .reduce((n, l) => n + Number(l.split(/\s+/)[1]), 0);
};

describe("--trace", () => {
  it("hello's instruction and system-call trace equals its golden file (regenerate: see the file's test)", async () => {
    const out = join(dir, "hello.trace");
    const r = await toyvmm(["run", "programs/hello.s", "--trace", "insn,syscall", "--trace-file", out]);
    expect(r).toMatchObject({ code: 0, stdout: "Hello, world!\n", stderr: "" });
    // To regenerate after a deliberate change: toyvmm run programs/hello.s --trace insn,syscall --trace-file tests/debug/golden/hello.trace
    expect(readFileSync(out, "utf8")).toBe(readFileSync(GOLDEN, "utf8"));
  });

  it("keeps to a function with --trace-filter, and a guest's looping trap handler shows in trap lines", async () => {
    const sort = await toyvmm(["run", "programs/sort.s", "--trace", "insn", "--trace-filter", "is_sorted"]);
    const lines = sort.stderr.trim().split("\n");
    expect(lines.length).toBeGreaterThan(30);
    expect(lines.every((l) => / <is_sorted[_+\w]*>  /.test(l))).toBe(true);
    const loop = await toyvmm(["boot", "tests/fixtures/debug/looping-trap.s", "--trace", "trap"]);
    const traps = loop.stderr.split("\n").filter((l) => l.includes(" trap "));
    expect(traps[0]).toBe(
      "         4 looping-trap K 0x00001010 <start+0x10>  trap access-fault -> 0x0000101c <handler>",
    );
    expect(traps[1]).toBe(
      "         5 looping-trap K 0x00001020 <handler+0x4>  trap access-fault -> 0x0000101c <handler>",
    );
    expect(traps).toHaveLength(257);
  });

  it("names an unknown kind or symbol in one line", async () => {
    expect(await toyvmm(["run", "programs/hello.s", "--trace", "insn,bogus"])).toMatchObject({
      code: 1,
      stderr: 'toyvmm: --trace insn,bogus: "bogus" is not one of insn, trap, syscall, mmu\n',
    });
    const r = await toyvmm(["run", "programs/hello.s", "--trace", "insn", "--trace-filter", "nowhere"]);
    expect(r).toMatchObject({
      code: 1,
      stderr: "toyvmm: --trace-filter nowhere: no symbol nowhere in the image, and not a range START-END\n",
    });
  });
});

describe("--profile", () => {
  it.each([
    ["run", "programs/fib.s", "--args", "n=15"],
    ["boot", "multi"],
    ["boot", "threads", "--bare"],
  ])("%s %s: the flat profile and the folded stacks each add up to the run's ticks", async (...argv) => {
    const folded = join(dir, `${argv[1]!.replace(/\W/g, "_")}.folded`);
    const r = await toyvmm([...argv, "--profile", "--profile-folded", folded]);
    expect(r.code).toBe(0);
    const ticks = Number(/profile of \S+: (\d+) ticks/.exec(r.stderr)![1]);
    const plain = await toyvmm([...argv, "--json"]);
    const report = JSON.parse(argv[0] === "run" ? plain.stderr : plain.stdout);
    expect(ticks).toBe(argv[0] === "run" ? report.ticks : report.vms[0].ticks);
    expect(flatTotal(r.stderr)).toBe(ticks);
    expect(foldedTotal(readFileSync(folded, "utf8"))).toBe(ticks);
  });
});
