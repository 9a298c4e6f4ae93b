import { describe, expect, it } from "vitest";
import { assembleFile } from "../../isa/asm/index.js";
import { checkAfterMigration } from "../../vmm/experiment/check.js";
import { runExperiment, type ExperimentProgress } from "../../vmm/experiment/run.js";
import type { Row } from "../../vmm/experiment/row.js";
import { parseSpec } from "../../vmm/experiment/spec.js";
import { toCsv } from "../../vmm/experiment/writers.js";
import { migrate } from "../../vmm/migration/engine.js";
import { ANY_HOST } from "../../vmm/migration/index.js";
import { PAGE_FRAME_BYTES } from "../../vmm/migration/pages.js";
import { startProcess } from "../../vmm/migration/process-vm.js";
import { memwriterWorkingSet } from "../../vmm/process/memcheck.js";

const GUEST = "programs/memwriter.s";
/** memwriter's instructions before its first touch: a migration point `at` = START + k·sweep
 * puts the writer just before page 0 of a sweep. */
const START = 600;
/**
 * memwriter with 32 pages at 100 writes per 10^6 instructions, never ending, migrated after one
 * whole sweep at the slowest rate used here (32 × 40,000) so every page has been written;
 * `sweep` replaces base values.
 */
function small(base: Record<string, unknown>, sweep: Record<string, unknown>) {
  const all: Record<string, unknown> = { "args.pages": 32, "args.rate": 100, "args.iters": 0, latency: "100us", at: START + 32 * 40_000, ...base };
  for (const key of Object.keys(sweep)) delete all[key];
  return parseSpec({ guest: GUEST, base: all, sweep }, "t.json");
}

const column = (rows: Row[], get: (r: Row) => number) => rows.map(get);
const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

describe("runExperiment", () => {
  it("gives one row per point, in sweep order, all completed with memwriter's memory check ok, and calls onRow and onProgress", () => {
    const spec = small({}, { strategy: ["stop-copy", "post-copy"], bandwidth: ["50MB/s", "200MB/s"] });
    const seen: number[] = [];
    const progress: ExperimentProgress[] = [];
    const rows = runExperiment(spec, { onRow: (r) => seen.push(r.point), onProgress: (p) => progress.push(p) });
    expect(rows.map((r) => `${r.params.strategy} ${r.params.bandwidth}`)).toEqual([
      "stop-copy 50000000", "stop-copy 200000000", "post-copy 50000000", "post-copy 200000000",
    ]);
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(rows.every((r) => r.result.status === "completed" && r.result.memcheck === "ok")).toBe(true);
    expect(rows[0]!.params.memory).toBe(1 << 20); // the image's .memsize when not given
    expect(rows[0]!.params.machine).toBe("process"); // a program (it has _start) runs in the process VM
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
      expect(r.result.memcheck).toBe("ok");
    }
    // the probe sees the guest's own rate: 100 writes per 10^6 instructions at 10^8
    // instructions/s (and one write more per sweep: memwriter's sweep counter)
    expect(Math.abs(rows[1]!.result.dirtyPagesPerSecond! - 10_000) / 10_000).toBeLessThan(0.05);
  });

  it("pre-copy: the model is within 10% of downtime and bytes wherever it applies, and says where it does not", () => {
    // 256 pages, a 3 ms target: the last round is tens of pages. At rate=400 (40,000
    // pages/s) the guest outruns the 100 MB/s link (about 24,300 pages/s).
    const rows = runExperiment(
      small(
        { strategy: "pre-copy", "args.pages": 256, memory: "2MiB", "downtime-target": "3ms", at: START + 256 * 20_000 },
        { "args.rate": [50, 100, 200, 400] },
      ),
    );
    // rate=200: D/B ≈ 0.83, nine rounds that shrink little each; 10% more or less D changes
    // how many (and the rounds' bytes are 35% off), so the row says "sensitive"
    expect(rows.map((r) => r.result.modelNote)).toEqual(["", "", "sensitive", "D>=B"]);
    const applies = rows.filter((r) => r.result.modelNote === "");
    expect(applies.length).toBeGreaterThanOrEqual(2);
    for (const r of applies) {
      const where = `rate=${r.params["args.rate"]}`;
      expect(Math.abs(r.result.modelDowntimeErr!), where).toBeLessThan(0.1);
      expect(Math.abs(r.result.modelBytesErr!), where).toBeLessThan(0.1);
      // the error columns are what they say
      expect(r.result.modelDowntimeErr).toBeCloseTo((r.result.model!.downtimeNs - r.result.downtimeNs) / r.result.downtimeNs, 4);
      expect(r.result.model!.rounds).toBe(r.result.rounds);
    }
    // D ≥ B: the dirty rate measured is above the link's page rate
    expect(rows[3]!.result.dirtyPagesPerSecond! * PAGE_FRAME_BYTES).toBeGreaterThanOrEqual(100_000_000);
  });

  it("XBZRLE and compression: the encoded model is within 10% of downtime and bytes wherever it applies", () => {
    // memwriter's 128 pages, one write every 100 ticks at 1.75 million a second over 100 MB/s,
    // a 1 ms latency (tests/migration/encoded-model.test.ts): round 1 resends part of the working
    // set, so XBZRLE's cache warms up over two rounds before its hits.
    const spec = parseSpec({
      guest: GUEST,
      base: { "args.pages": 128, "args.rate": 10_000, "args.iters": 0, at: 38_400, speed: 1_750_000, latency: "1ms", "downtime-target": "1200us", "xbzrle-cache": "1MiB" },
      sweep: { strategy: ["pre-copy", "stop-copy"], compress: ["off", "on"] },
    }, "t.json");
    const rows = runExperiment(spec);
    expect(rows.map((r) => r.result.modelNote)).toEqual(["", "", "", ""]);
    for (const r of rows) {
      const where = `${r.params.strategy} compress=${r.params.compress}`;
      expect(r.result.memcheck, where).toBe("ok");
      expect(Math.abs(r.result.modelDowntimeErr!), where).toBeLessThan(0.1);
      expect(Math.abs(r.result.modelBytesErr!), where).toBeLessThan(0.1);
      expect(r.result.model!.rounds, where).toBe(r.result.rounds);
    }
    // XBZRLE did work there (hits after the warm-up's misses), and compression shrank round 0.
    expect(rows[0]!.result.xbzrle!.hits).toBeGreaterThan(0);
    expect(rows[0]!.result.xbzrle!.misses).toBeGreaterThan(rows[0]!.result.roundBytes[1]! / PAGE_FRAME_BYTES);
    expect(rows[1]!.result.bytesSent).toBeLessThan(rows[0]!.result.bytesSent / 10);
  });

  it("pre-copy: rounds cut by max-rounds are outside the model", () => {
    const rows = runExperiment(small({ strategy: "pre-copy", "args.rate": 200, "downtime-target": "0ns", "max-rounds": 2 }, {}));
    expect(rows[0]!.result.modelNote).toBe("max-rounds");
    expect(rows[0]!.result.rounds).toBe(3);
  });

  it("stop-copy: total time falls as bandwidth grows, downtime is all of it, and matches the model", () => {
    const rows = runExperiment(small({ strategy: "stop-copy" }, { bandwidth: ["10MB/s", "100MB/s", "1GB/s"] }));
    const totals = column(rows, (r) => r.result.totalNs);
    expect(increasing([...totals].reverse())).toBe(true);
    for (const r of rows) {
      expect(r.result.totalNs - r.result.downtimeNs).toBeLessThan(r.result.totalNs / 100);
      expect(Math.abs(r.result.modelDowntimeErr!)).toBeLessThan(0.01);
      expect(r.result.modelNote).toBe("");
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
      expect(r.modelDowntimeErr).toBeNull();
      expect(r.memcheck).toBe("ok");
    }
    // untouched memory travels as zero-run markers, so even stop-copy barely notices it
    expect(stop.map((r) => r.pagesSent)).toEqual([256, 1024, 4096]);
  });

  it("a guest OS runs under the monitor, where there is no memwriter memory to check", () => {
    const rows = runExperiment(parseSpec({ guest: "solo", base: { strategy: "stop-copy", at: 2000, "args.prog": "fib" } }, "t.json"));
    expect(rows[0]!.params.machine).toBe("monitor");
    expect(rows[0]!.result.status).toBe("completed");
    expect(rows[0]!.result.memcheck).toBeNull();
  });

  it("a migration point after the guest ended is one clear error", () => {
    const spec = small({ "args.iters": 1, at: 10_000_000 }, {});
    expect(() => runExperiment(spec)).toThrow(/^t\.json: base\.at: 10000000: the guest ended \(halted\) after \d+ instructions, before this migration point \(point 0\)$/);
  });

  it("memory smaller than the image needs, a kernel asked to run as a process, or boot arguments too long are found before any point runs, naming their place", () => {
    let ran = 0;
    const run = (spec: ReturnType<typeof small>) => () => runExperiment(spec, { onProgress: () => ran++ });
    expect(run(small({}, { memory: ["2MiB", "64KiB"] }))).toThrow("t.json: sweep.memory[1]: 64 KiB is less than the 1 MiB the guest image needs");
    expect(run(parseSpec({ guest: "solo", base: { machine: "process" } }, "t.json"))).toThrow(
      "t.json: base.machine: process needs a program (an image with the symbol _start), not solo",
    );
    expect(run(small({ "args.x": "y".repeat(5000) }, {}))).toThrow(/^t\.json: point 0: boot arguments "pages=32 rate=100 iters=0 x=y+" are 5\d{3} bytes with the final NUL; the guest image has room for \d+$/);
    expect(ran).toBe(0);
  });
});

describe("the memory check after a migration", () => {
  const image = assembleFile(GUEST).image;

  it("is ok on a migrated memwriter and names the page when the destination's memory is wrong", () => {
    const vm = startProcess({ name: "memwriter", image, args: "pages=8 rate=10000 iters=0" });
    vm.run(5000);
    const result = migrate(vm, { strategy: "stop-copy", host: ANY_HOST });
    expect(checkAfterMigration(image, result.vm)).toBe("ok");
    const ws = memwriterWorkingSet(image, result.vm.memory)!;
    result.vm.memory.words[(ws.base + 3 * 4096 + 100) >>> 2] = 7; // a stray word in page 3
    expect(checkAfterMigration(image, result.vm)).toMatch(/^failed: page 3 \(0x[0-9a-f]{8}\) has 0x00000007 at offset 100, where memwriter never writes$/);
  });

  it("has nothing to check before memwriter has its working set", () => {
    const vm = startProcess({ name: "memwriter", image, args: "pages=8" });
    expect(checkAfterMigration(image, vm)).toBeNull();
  });
});
