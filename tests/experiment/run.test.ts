import { describe, expect, it } from "vitest";
import { runExperiment, type ExperimentProgress } from "../../vmm/experiment/run.js";
import type { Row } from "../../vmm/experiment/row.js";
import { parseSpec } from "../../vmm/experiment/spec.js";
import { toCsv } from "../../vmm/experiment/writers.js";

const GUEST = "experiments/guests/memwriter.s";
/** memwriter with 32 pages at 100 writes per 10^6 instructions; `sweep` replaces base values. */
function small(base: Record<string, unknown>, sweep: Record<string, unknown>) {
  const all: Record<string, unknown> = { "args.pages": 32, "args.rate": 100, latency: "100us", at: 5000, ...base };
  for (const key of Object.keys(sweep)) delete all[key];
  return parseSpec({ guest: GUEST, base: all, sweep }, "t.json");
}

const column = (rows: Row[], get: (r: Row) => number) => rows.map(get);
const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

describe("runExperiment", () => {
  it("gives one row per point, in sweep order, all completed, and calls onRow and onProgress", () => {
    const spec = small({}, { strategy: ["stop-copy", "post-copy"], bandwidth: ["50MB/s", "200MB/s"] });
    const seen: number[] = [];
    const progress: ExperimentProgress[] = [];
    const rows = runExperiment(spec, { onRow: (r) => seen.push(r.point), onProgress: (p) => progress.push(p) });
    expect(rows.map((r) => `${r.params.strategy} ${r.params.bandwidth}`)).toEqual([
      "stop-copy 50000000", "stop-copy 200000000", "post-copy 50000000", "post-copy 200000000",
    ]);
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(rows.every((r) => r.result.status === "completed")).toBe(true);
    expect(rows[0]!.params.memory).toBe(1 << 20); // the image's .memsize when not given
    // each point announces itself, then its migration's progress ends at 1
    for (let i = 0; i < 4; i++) {
      const mine = progress.filter((p) => p.point === i);
      expect(mine[0]!.migration).toBeNull();
      expect(mine[mine.length - 1]!.migration?.completed).toBe(1);
      expect(mine.every((p) => p.points === 4)).toBe(true);
    }
  });

  it("is deterministic: two runs give byte-identical CSV", () => {
    const spec = small({}, { strategy: ["pre-copy", "post-copy"], "args.rate": [50, 400] });
    const first = toCsv(runExperiment(spec));
    const second = toCsv(runExperiment(spec));
    expect(second).toBe(first);
    expect(first.split("\n")).toHaveLength(1 + 4 + 1);
  });

  it("pre-copy: downtime and resent pages grow with the dirty rate (one live round, then stop)", () => {
    const rows = runExperiment(small({ strategy: "pre-copy", "downtime-target": "0ns", "max-rounds": 1 }, { "args.rate": [25, 100, 400] }));
    expect(increasing(column(rows, (r) => r.result.downtimeNs))).toBe(true);
    expect(increasing(column(rows, (r) => r.result.pagesResent))).toBe(true);
    expect(increasing(column(rows, (r) => r.result.dirtyPagesPerSecond!))).toBe(true);
    for (const r of rows) {
      expect(r.result.rounds).toBe(2);
      expect(r.result.roundBytes).toHaveLength(2);
      // the model, fed the probe's dirty rate, predicts the downtime within 25%
      expect(Math.abs(r.result.model!.downtimeNs - r.result.downtimeNs) / r.result.downtimeNs).toBeLessThan(0.25);
    }
    // the probe sees the guest's own rate: 100 writes per 10^6 instructions at 10^8 instructions/s
    expect(Math.abs(rows[1]!.result.dirtyPagesPerSecond! - 10_000) / 10_000).toBeLessThan(0.05);
  });

  it("stop-copy: total time falls as bandwidth grows, downtime is all of it, and matches the model", () => {
    const rows = runExperiment(small({ strategy: "stop-copy" }, { bandwidth: ["10MB/s", "100MB/s", "1GB/s"] }));
    const totals = column(rows, (r) => r.result.totalNs);
    expect(increasing([...totals].reverse())).toBe(true);
    for (const r of rows) {
      expect(r.result.totalNs - r.result.downtimeNs).toBeLessThan(r.result.totalNs / 100);
      expect(Math.abs(r.result.model!.downtimeNs - r.result.downtimeNs) / r.result.downtimeNs).toBeLessThan(0.01);
    }
  });

  it("post-copy: downtime is small and the same for any memory size, while the pages to move grow", () => {
    const rows = runExperiment(small({ "args.rate": 25 }, { strategy: ["post-copy", "stop-copy"], memory: ["1MiB", "4MiB", "16MiB"] }));
    const post = rows.filter((r) => r.params.strategy === "post-copy").map((r) => r.result);
    const stop = rows.filter((r) => r.params.strategy === "stop-copy").map((r) => r.result);
    expect(post.map((r) => r.pagesSent)).toEqual([256, 1024, 4096]);
    for (const r of post) {
      expect(Math.abs(r.downtimeNs - post[0]!.downtimeNs)).toBeLessThan(post[0]!.downtimeNs / 100);
      expect(r.downtimeNs).toBeLessThan(stop[0]!.downtimeNs / 5);
      expect(r.model).toBeNull();
    }
    // untouched memory travels as zero-run markers, so even stop-copy barely notices it
    expect(stop.map((r) => r.pagesSent)).toEqual([256, 1024, 4096]);
  });

  it("a migration point after the guest ended is one clear error", () => {
    const spec = small({ "args.iters": 1, at: 10_000_000 }, {});
    expect(() => runExperiment(spec)).toThrow(/^t\.json: point 0: the guest ended \(halted\) after \d+ instructions, before the migration point at=10000000$/);
  });

  it("memory smaller than the image needs is one clear error", () => {
    const spec = small({ memory: "64KiB" }, {});
    expect(() => runExperiment(spec)).toThrow("t.json: point 0: memory 65536 is less than the 1048576 bytes the guest image needs");
  });
});
