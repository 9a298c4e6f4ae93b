import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../isa/errors.js";
import { runCli } from "../../vmm/cli/main.js";
import { planExperiment } from "../../vmm/experiment/plan.js";
import { runPlanParallel } from "../../vmm/experiment/pool.js";
import { runPlan } from "../../vmm/experiment/run.js";
import { parseShard, shardPoints } from "../../vmm/experiment/shard.js";
import { parseSpec } from "../../vmm/experiment/spec.js";
import { toCsv } from "../../vmm/experiment/writers.js";

// Worker threads run the built code (dist/), which pool.ts requires to be current.
const GUEST = "programs/memwriter.s";
const text = (s: string | Uint8Array) => (typeof s === "string" ? s : new TextDecoder().decode(s));
function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: { write: (s: string | Uint8Array) => out.push(text(s)) }, stderr: { write: (s: string | Uint8Array) => err.push(text(s)) } };
  return { io, out: () => out.join(""), err: () => err.join("") };
}
const tmp = () => mkdtempSync(join(tmpdir(), "toyvmm-scale-"));
/** Every file of a results folder, by name. */
const files = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), "utf8")]));

/** Seven points of three strategies at three rates on a 16-page memwriter (an odd count, so shards differ in size). */
const sweep = [
  "experiment", "--guest", GUEST, "--arg", "pages=16", "--arg", "iters=0", "--arg", "rate=100,400", "--at", "160600",
  "--strategy", "pre-copy,post-copy,stop-copy", "--bandwidth", "50MB/s", "--latency", "100us",
];
const spec = (extra: Record<string, unknown> = {}) =>
  parseSpec({ guest: GUEST, base: { "args.pages": 16, "args.iters": 0, at: 160600, latency: "100us", ...extra }, sweep: { strategy: ["pre-copy", "post-copy", "stop-copy"], "args.rate": [100, 200, 400] } }, "s.json");

describe("parallel points", () => {
  it("rows on worker threads equal a serial run's to the byte, and come to onRow in point order", async () => {
    const plan = planExperiment(spec());
    const serial = toCsv(runPlan(plan));
    const order: number[] = [];
    const rows = await runPlanParallel(plan, { jobs: 3, onRow: (row) => order.push(row.point) });
    expect(toCsv(rows)).toBe(serial);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    // a shard's points, resumed after its first one
    const shard = shardPoints(plan.points.length, parseShard("2/4", "t"));
    expect(shard).toEqual([1, 5]);
    expect((await runPlanParallel(plan, { jobs: 2, indices: shard, from: 1 })).map((r) => r.point)).toEqual([5]);
  });

  it("an error at a point ends the sweep after the rows before it, with the serial run's error", async () => {
    const plan = planExperiment(parseSpec({ guest: GUEST, base: { "args.pages": 8, "args.iters": 1, strategy: "stop-copy" }, sweep: { at: [500, 700, 1_000_000_000, 900] } }, "e.json"));
    const caught = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return error as UserError;
      }
      throw new Error("no error");
    };
    const serialRows: number[] = [];
    const serial = caught(() => runPlan(plan, { onRow: (r) => serialRows.push(r.point) }));
    const parallelRows: number[] = [];
    const parallel = await runPlanParallel(plan, { jobs: 2, onRow: (r) => parallelRows.push(r.point) }).then(() => null, (e: unknown) => e as UserError);
    expect(parallel).toBeInstanceOf(UserError);
    expect(parallel!.message).toBe(serial.message);
    expect(serial.message).toMatch(/^e\.json: sweep\.at\[2\]: 1000000000: the guest ended/);
    expect(parallelRows).toEqual(serialRows);
    expect(serialRows).toEqual([0, 1]);
  });

  it("an aborted parallel sweep ends at once with the rows passed on so far", async () => {
    const plan = planExperiment(spec());
    const abort = new AbortController();
    const rows = await runPlanParallel(plan, { jobs: 2, signal: abort.signal, onRow: () => abort.abort() });
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThan(9);
  });

  it("--jobs 2 writes the same folder and stdout as --jobs 1", async () => {
    const [a, b] = [tmp(), tmp()];
    const one = capture();
    const two = capture();
    expect(await runCli([...sweep, "--jobs", "1", "--out", a], one.io)).toBe(0);
    expect(await runCli([...sweep, "--jobs", "2", "--out", b], two.io)).toBe(0);
    expect(two.out()).toBe(one.out());
    expect(files(b)).toEqual(files(a));
  });
});

describe("shards", () => {
  it("--shard K/N runs every N-th point; --merge joins the shards into one run's files and stdout, byte for byte", async () => {
    const whole = tmp();
    const one = capture();
    expect(await runCli([...sweep, "--out", whole], one.io)).toBe(0);
    const shards = [1, 2, 3].map(() => tmp());
    for (const [i, dir] of shards.entries()) {
      const c = capture();
      expect(await runCli([...sweep, "--shard", `${i + 1}/3`, "--out", dir, "--format", "csv"], c.io)).toBe(0);
      const points = c.out().trimEnd().split("\n").slice(1).map((line) => Number(line.split(",")[0]));
      expect(points).toEqual([0, 1, 2, 3, 4, 5].filter((p) => p % 3 === i));
      expect(readdirSync(dir).filter((f) => f.endsWith(".svg"))).toEqual([]); // plots are the merge's
      expect(JSON.parse(readFileSync(join(dir, "experiment.json"), "utf8")).shard).toBe(`${i + 1}/3`);
    }
    const merged = tmp();
    const m = capture();
    expect(await runCli([...sweep, "--merge", ...shards.reverse(), "--out", merged], m.io)).toBe(0);
    expect(m.out()).toBe(one.out());
    expect(files(merged)).toEqual(files(whole));
  });

  it("a shard resumes like a whole sweep, and --merge refuses shards that are missing, unfinished, repeated or of another experiment", async () => {
    const shards = [tmp(), tmp()];
    for (const [i, dir] of shards.entries()) expect(await runCli([...sweep, "--shard", `${i + 1}/2`, "--out", dir], capture().io)).toBe(0);
    const csv = join(shards[1]!, "results.csv");
    const finished = readFileSync(csv, "utf8");
    writeFileSync(csv, finished.slice(0, finished.indexOf("\n", finished.indexOf("\n") + 1) + 1)); // the header and one point
    const merge = async (...args: string[]) => {
      const c = capture();
      const status = await runCli([...sweep, "--merge", ...args], c.io);
      return `${status} ${c.err()}`;
    };
    expect(await merge(shards[0]!, shards[1]!)).toBe(`1 toyvmm: ${csv}: shard 2/2 has 1 of its 3 points finished; run it again with --resume\n`);
    expect(await runCli([...sweep, "--shard", "2/2", "--out", shards[1]!, "--resume"], capture().io)).toBe(0);
    expect(readFileSync(csv, "utf8")).toBe(finished);
    expect(await merge(shards[0]!)).toBe("1 toyvmm: --merge: shard 2/2 missing\n");
    expect(await merge(shards[0]!, shards[0]!)).toBe(`1 toyvmm: ${join(shards[0]!, "experiment.json")}: shard 1/2 again (also in ${shards[0]})\n`);
    const other = tmp();
    expect(await runCli([...sweep, "--latency", "1ms", "--shard", "2/2", "--out", other], capture().io)).toBe(0);
    expect(await merge(shards[0]!, other)).toBe(`1 toyvmm: ${join(other, "experiment.json")}: a shard of another experiment (its base differs)\n`);
    const three = tmp();
    expect(await runCli([...sweep, "--shard", "3/3", "--out", three], capture().io)).toBe(0);
    expect(await merge(shards[0]!, three)).toBe(`1 toyvmm: ${join(three, "experiment.json")}: shard 3/3, but ${shards[0]} holds shard 1/2: the shards of one split are joined\n`);
    const whole = tmp();
    expect(await runCli([...sweep, "--out", whole], capture().io)).toBe(0);
    expect(await merge(whole)).toBe(`1 toyvmm: ${join(whole, "experiment.json")}: not the manifest of a shard (run with --shard K/N writes one)\n`);
    // a shard folder is not resumed as the whole sweep, nor as another shard
    const c = capture();
    expect(await runCli([...sweep, "--out", shards[0]!, "--resume"], c.io)).toBe(1);
    expect(c.err()).toBe(`toyvmm: ${shards[0]}: holds the results of another experiment (its shard differs); --force replaces them\n`);
  });

  it("bad --shard, --jobs and --merge combinations are one line each", async () => {
    const cases: [string[], string][] = [
      [["--shard", "0/3"], 'toyvmm: --shard: "0/3": expected K/N with 1 ≤ K ≤ N, such as 1/4\n'],
      [["--shard", "two"], 'toyvmm: --shard: "two": expected K/N with 1 ≤ K ≤ N, such as 1/4\n'],
      [["--jobs", "0"], "toyvmm: --jobs: 0: expected a whole number of worker threads ≥ 1\n"],
      [["--jobs", "1.5"], "toyvmm: --jobs: 1.5: expected a whole number of worker threads ≥ 1\n"],
      [["--merge", "x", "--shard", "1/2"], "toyvmm: --merge: joins finished shards; it runs nothing, so --shard does not go with it\n"],
    ];
    for (const [args, message] of cases) {
      const c = capture();
      expect(await runCli([...sweep, ...args], c.io)).toBe(1);
      expect(c.err()).toBe(message);
    }
  });
});
