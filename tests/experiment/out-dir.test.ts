import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../isa/errors.js";
import { runCli } from "../../vmm/cli/main.js";
import { LineAppender } from "../../vmm/experiment/files.js";
import { ResultsDir } from "../../vmm/experiment/out-dir.js";
import { planExperiment } from "../../vmm/experiment/plan.js";
import { runPlan } from "../../vmm/experiment/run.js";
import { parseSpec } from "../../vmm/experiment/spec.js";
import { toCsv } from "../../vmm/experiment/writers.js";

const GUEST = "programs/memwriter.s";
const text = (s: string | Uint8Array) => (typeof s === "string" ? s : new TextDecoder().decode(s));
function capture(tty?: { columns: number }) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: { write: (s: string | Uint8Array) => out.push(text(s)) }, stderr: { write: (s: string | Uint8Array) => err.push(text(s)), isTTY: tty !== undefined, columns: tty?.columns } };
  return { io, out: () => out.join(""), err: () => err.join("") };
}
const tmp = () => mkdtempSync(join(tmpdir(), "toyvmm-out-"));
const lines = (path: string) => readFileSync(path, "utf8").trimEnd().split("\n");

/** A quick sweep: an 8-page memwriter migrated at `points` migration points, stop-copy and post-copy alternating. */
const quick = (points: number) => [
  "experiment", "--guest", GUEST, "--arg", "pages=8", "--arg", "iters=0", "--strategy", "stop-copy,post-copy",
  "--at", Array.from({ length: points / 2 }, (_, i) => 1000 * (i + 1)).join(","),
];
const quickSpec = (points: number) =>
  parseSpec({ guest: GUEST, base: { "args.pages": 8, "args.iters": 0 }, sweep: { at: Array.from({ length: points / 2 }, (_, i) => 1000 * (i + 1)), strategy: ["stop-copy", "post-copy"] } }, "q.json");

describe("the results folder", () => {
  it("gets a results.csv line as each point finishes, before the next one starts", () => {
    const dir = tmp();
    const plan = planExperiment(quickSpec(4));
    const out = new ResultsDir(dir, plan);
    const seen: number[] = [];
    const rows = runPlan(plan, {
      onRow: (row) => out.append(row),
      onProgress: (p) => {
        if (p.migration === null) seen.push(lines(join(dir, "results.csv")).length - 1);
      },
    });
    out.close();
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(readFileSync(join(dir, "results.csv"), "utf8")).toBe(toCsv(rows));
  });

  it("is checked before the first point: a file in the way is one line naming the path", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "taken"), "");
    for (const [out, problem] of [
      [join(dir, "taken"), "cannot create the folder: exists and is not a folder"],
      [join(dir, "taken", "sub"), "cannot create the folder: a part of the path is not a directory"],
    ]) {
      const c = capture({ columns: 80 });
      expect(await runCli([...quick(2), "--out", out!], c.io)).toBe(1);
      expect(c.err()).toBe(`toyvmm: ${out}: ${problem}\n`);
      expect(c.out()).toBe("");
    }
  });

  it("creates missing parent folders", async () => {
    const out = join(tmp(), "a", "b");
    expect(await runCli([...quick(2), "--out", out], capture().io)).toBe(0);
    expect(readdirSync(out)).toContain("results.csv");
  });

  it("refuses another experiment's results unless --force, which removes toyvmm's files only", async () => {
    const dir = tmp();
    expect(await runCli([...quick(2), "--out", dir], capture().io)).toBe(0);
    writeFileSync(join(dir, "notes.txt"), "mine");
    writeFileSync(join(dir, "figure.svg"), "<svg/>"); // no figure.vl.json beside it: not toyvmm's
    const again = capture();
    expect(await runCli([...quick(4), "--out", dir], again.io)).toBe(1);
    expect(again.err()).toBe(`toyvmm: ${dir}: already holds experiment results (experiment.json, results.csv, results.json, …); give another --out, --resume to continue them, or --force to replace them\n`);
    const plots = readdirSync(dir).filter((f) => f.endsWith(".vl.json"));
    expect(await runCli([...quick(4), "--out", dir, "--plot", "x=at,y=total"], capture().io)).toBe(1);
    expect(await runCli([...quick(4), "--out", dir, "--force", "--plot", "x=at,y=total"], capture().io)).toBe(0);
    const after = readdirSync(dir).sort();
    expect(after).toEqual(["experiment.json", "figure.svg", "notes.txt", "results.csv", "results.json", "total-vs-at.svg", "total-vs-at.vl.json"]);
    for (const old of plots) expect(after).not.toContain(old);
    expect(lines(join(dir, "results.csv"))).toHaveLength(1 + 4);
  });

  it("--resume refuses a different experiment and results it cannot resume", async () => {
    const dir = tmp();
    expect(await runCli([...quick(2), "--out", dir], capture().io)).toBe(0);
    const other = capture();
    expect(await runCli([...quick(4), "--out", dir, "--resume"], other.io)).toBe(1);
    expect(other.err()).toBe(`toyvmm: ${dir}: holds the results of another experiment (its points, base, sweep differ); --force replaces them\n`);
    const old = tmp();
    writeFileSync(join(old, "results.csv"), "point\n");
    const none = capture();
    expect(await runCli([...quick(2), "--out", old, "--resume"], none.io)).toBe(1);
    expect(none.err()).toBe(`toyvmm: ${old}: holds results without experiment.json, which cannot be resumed; --force replaces them\n`);
  });

  const misuse: [string, string[], string][] = [
    ["--force without --out", ["--force"], "toyvmm: --force: it replaces results in a folder; give --out DIR as well\n"],
    ["--resume without --out", ["--resume"], "toyvmm: --resume: it continues results in a folder; give --out DIR as well\n"],
    ["--force with --resume", ["--out", "/tmp/unused", "--force", "--resume"], "toyvmm: --force and --resume: choose one (replace the folder's results, or continue them)\n"],
  ];
  for (const [label, extra, message] of misuse) {
    it(`rejects ${label}`, async () => {
      const c = capture();
      expect(await runCli([...quick(2), ...extra], c.io)).toBe(1);
      expect(c.err()).toBe(message);
    });
  }

  it("a write error on a results file is one line naming it", async () => {
    expect(() => new LineAppender("/dev/full").append("0,1\n")).toThrow(new UserError("/dev/full: no space left on device"));
    const dir = tmp();
    symlinkSync("/dev/full", join(dir, "total-vs-at.svg"));
    const c = capture();
    expect(await runCli([...quick(2), "--out", dir, "--plot", "x=at,y=total"], c.io)).toBe(1);
    expect(c.err()).toBe(`toyvmm: ${join(dir, "total-vs-at.svg")}: no space left on device\n`);
    expect(lines(join(dir, "results.csv"))).toHaveLength(1 + 2);
  });
});

describe("a large sweep", () => {
  it("of more than 1000 points needs --yes, and says how many and from where", async () => {
    const c = capture();
    const ats = Array.from({ length: 1001 }, (_, i) => i).join(",");
    expect(await runCli(["experiment", "--guest", GUEST, "--at", ats], c.io)).toBe(1);
    expect(c.err()).toBe("toyvmm: --guest: 1,001 points (1001 at); a sweep of more than 1,000 points runs only with --yes\n");
  });
});

describe("the progress line", () => {
  it("on a terminal: the point count first, then [i/n] with an ETA, within the terminal's width", async () => {
    for (const columns of [40, 200]) {
      const c = capture({ columns });
      // One job: points start one after another, each after the one before has finished.
      expect(await runCli([...quick(4), "--jobs", "1"], c.io)).toBe(0);
      const [count, ...drawn] = c.err().split("\r\x1b[K");
      expect(count).toBe("experiment: 4 points (2 strategy × 2 at)\n");
      const shown = drawn.filter((d) => d !== "");
      expect(shown.length).toBeGreaterThanOrEqual(4);
      for (const line of shown) expect(line.length).toBeLessThan(columns);
      expect(shown[0]).toMatch(/^\[1\/4\] 0% {2}ETA …/);
      expect(shown.some((l) => /^\[4\/4\] 75% {2}ETA \d+s/.test(l))).toBe(true);
      if (columns === 200) expect(shown.at(-1)).toMatch(/^\[4\/4\] 75% {2}ETA \d+s {2}post-copy at=2000/);
      expect(c.err().endsWith("\r\x1b[K")).toBe(true); // cleared at the end
    }
  });
});

describe("Ctrl-C", () => {
  it("stops the sweep at once, keeps the finished rows, says how many, exits 130; --resume finishes it as if never stopped", async () => {
    const dir = tmp();
    const csv = join(dir, "results.csv");
    // SIGINT to this process once three rows are on disk, while the sweep runs on.
    const killer = spawn("sh", ["-c", `while [ "$(wc -l < '${csv}' 2>/dev/null || echo 0)" -lt 4 ]; do sleep 0.02; done; kill -INT ${process.pid}`]);
    const c = capture();
    expect(await runCli([...quick(40), "--out", dir, "--format", "csv"], c.io)).toBe(130);
    killer.kill();
    const kept = lines(csv).length - 1;
    expect(kept).toBeGreaterThanOrEqual(3);
    expect(kept).toBeLessThan(40);
    expect(c.err()).toBe(`toyvmm: interrupted: ${kept} of 40 points finished, in ${csv} and results.json; plots are drawn for a whole sweep\n`);
    expect(c.out()).toBe(readFileSync(csv, "utf8"));
    expect(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).rows).toHaveLength(kept);
    expect(readdirSync(dir).filter((f) => f.endsWith(".svg"))).toEqual([]);

    const resumed = capture({ columns: 100 });
    expect(await runCli([...quick(40), "--out", dir, "--format", "csv", "--resume"], resumed.io)).toBe(0);
    expect(resumed.err().split("\r")[0]).toBe(`experiment: 40 points (2 strategy × 20 at), ${kept} finished before\n`);
    const whole = tmp();
    expect(await runCli([...quick(40), "--out", whole, "--format", "csv"], capture().io)).toBe(0);
    for (const file of ["results.csv", "results.json", "experiment.json", "total-vs-at.vl.json"]) {
      expect(readFileSync(join(dir, file), "utf8"), file).toBe(readFileSync(join(whole, file), "utf8"));
    }
    expect(resumed.out()).toBe(readFileSync(join(whole, "results.csv"), "utf8"));
  });

  it("a resumed results.csv cut short mid-line loses only that line", async () => {
    const dir = tmp();
    expect(await runCli([...quick(4), "--out", dir], capture().io)).toBe(0);
    const whole = readFileSync(join(dir, "results.csv"), "utf8");
    const cut = whole.slice(0, whole.lastIndexOf("\n", whole.length - 2) + 10);
    writeFileSync(join(dir, "results.csv"), cut);
    expect(await runCli([...quick(4), "--out", dir, "--resume"], capture().io)).toBe(0);
    expect(readFileSync(join(dir, "results.csv"), "utf8")).toBe(whole);
    // a line that does not belong to the experiment is refused, naming it
    writeFileSync(join(dir, "results.csv"), whole.replace(/\n1,stop-copy/, "\n1,pre-copy"));
    const c = capture();
    expect(await runCli([...quick(4), "--out", dir, "--resume"], c.io)).toBe(1);
    expect(c.err()).toBe(`toyvmm: ${join(dir, "results.csv")}: line 3: not point 1 of this experiment\n`);
  });
});
