/**
 * The dirty-rate measurement (vmm/migration/dirty-rate.ts) and `toyvmm migrate --predict`,
 * which measures the guest before --at and prints the model's prediction, then the result beside it.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../../vmm/cli/main.js";
import { measureDirtyRate } from "../../vmm/migration/dirty-rate.js";
import { startProcess } from "../../vmm/migration/process-vm.js";
import { image, MEMWRITER } from "./helpers.js";

const SPEED = 100_000_000;
const memwriter = (args: string) => startProcess({ name: "memwriter", image: image(MEMWRITER), args, memorySize: 4 << 20 });
/** A sweep of 128 pages at one write every 100 instructions: 12,800 instructions; two of them and the start-up. */
const STEADY = 600 + 2 * 128 * 100;

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const text = (s: string | Uint8Array) => (typeof s === "string" ? s : new TextDecoder().decode(s));
  const io = { stdout: { write: (s: string | Uint8Array) => out.push(text(s)) }, stderr: { write: (s: string | Uint8Array) => err.push(text(s)) } };
  const code = await runCli(argv, io);
  return { code, out: out.join(""), err: err.join("") };
}

describe("the dirty-rate measurement", () => {
  it("dirty-bitmap: the writer's own rate and its working set, the same on every run", () => {
    const measure = () => {
      const vm = memwriter("pages=128 rate=10000 iters=0");
      vm.run(STEADY);
      return measureDirtyRate(vm, 100_000, SPEED);
    };
    const m = measure();
    // one page every 100 instructions at 10^8 a second: 10^6 pages/s, over all 128 pages
    expect(Math.abs(m.dirtyPagesPerSecond - 1_000_000) / 1_000_000).toBeLessThan(0.03);
    expect(m.workingSetPages).toBeGreaterThanOrEqual(128);
    expect(m.workingSetPages).toBeLessThanOrEqual(130);
    expect(m).toMatchObject({ mode: "dirty-bitmap", windowTicks: 100_000, windowNs: 1_000_000, sampledPages: 1024 });
    expect(measure()).toEqual(m);
  });

  it("page-sampling: distinct pages over the window, so a window shorter than a sweep gives the rate and a longer one the working set", () => {
    const at = (window: number) => {
      const vm = memwriter("pages=128 rate=10000 iters=0");
      vm.run(STEADY);
      return measureDirtyRate(vm, window, SPEED, "page-sampling", 1024);
    };
    const short = at(6400); // half a sweep: 64 pages
    expect(short.sampledPages).toBe(1024);
    expect(Math.abs(short.workingSetPages - 64)).toBeLessThanOrEqual(2);
    expect(Math.abs(short.dirtyPagesPerSecond - 1_000_000) / 1_000_000).toBeLessThan(0.05);
    const long = at(100_000); // many sweeps: all 128 pages, seen once
    expect(Math.abs(long.workingSetPages - 128)).toBeLessThanOrEqual(2);
    expect(long.dirtyPagesPerSecond).toBeLessThan(200_000);
    // fewer samples: an estimate, from evenly spread pages
    expect(at(6400).workingSetPages).toBe(short.workingSetPages);
  });

  it("stops with a guest that ends within the window", () => {
    const vm = memwriter("pages=16 rate=10000 iters=1");
    const m = measureDirtyRate(vm, 10_000_000, SPEED);
    expect(m.windowTicks).toBe(vm.ticks);
    expect(m.windowTicks).toBeLessThan(10_000_000);
  });
});

describe("toyvmm migrate --predict", () => {
  const args = ["migrate", MEMWRITER, "--args", "pages=512 rate=190 iters=0", "--memory", "4MiB", "--at", "5389912", "--latency", "100us", "--downtime-target", "2ms", "--max-ticks", "20000000", "--auto-converge"];

  it("prints the measurement and the prediction before migrating, the result beside it after, and the same migration as without", async () => {
    const plain = await cli(args);
    const r = await cli([...args, "--predict"]);
    expect(r.code, r.err).toBe(124); // memwriter with iters=0 runs to --max-ticks
    expect(r.out).toBe(plain.out);
    expect(r.err).toMatch(/^dirty rate: 19\d\d\d pages\/s \(78\.\d+ MB\/s on the wire\), 51\d distinct pages, over 4194304 instructions \(41\.943 ms\) by dirty-bitmap\n/);
    expect(r.err).toMatch(/\nprediction: 7 rounds, 6\.\d+ MB, downtime 1\.\d+ ms, total \d+\.\d+ ms; pre-copy converges \(target 2\.000 ms\)\n  throttle per round: 0% 0% 20% 20% 30% 30%\n/);
    expect(r.err.indexOf("prediction:")).toBeLessThan(r.err.indexOf("toyvmm: migrated"));
    expect(r.err).toMatch(/\n {12}predicted  measured\nrounds {14}7  7\n/);
    // the statistics are those of the run without --predict
    expect(r.err).toContain(plain.err.slice(plain.err.indexOf("status")));
    const json = JSON.parse((await cli([...args, "--predict", "--json"])).out);
    expect(json.predicted.prediction).toMatchObject({ strategy: "pre-copy", rounds: 7, converges: true, throttles: [0, 0, 20, 20, 30, 30] });
    expect(json.stats).toEqual(JSON.parse((await cli([...args, "--json"])).out).stats);
  });

  it("says when --postcopy-policy auto would switch, and when the model does not apply", async () => {
    const fast = ["migrate", MEMWRITER, "--args", "pages=512 rate=400 iters=0", "--memory", "4MiB", "--at", "1280610", "--latency", "100us", "--downtime-target", "5ms", "--max-ticks", "20000000", "--postcopy-policy", "auto", "--predict", "--dirty-rate-window", "500000"];
    const r = await cli(fast);
    expect(r.code, r.err).toBe(124);
    expect(r.err).toMatch(/\n  under --postcopy-policy auto it would switch to post-copy after \d rounds?, at [\d.]+ ms: after round \d the guest dirties/);
    expect(r.err).toMatch(/\n  outside the model \(D>=B\): /);
    expect(r.err).toMatch(/\npost-copy switch +after \d  after 2\n/);
  });

  describe("with XBZRLE or compression: the encoded model, its bytes a page measured by the page encoder", () => {
    /** memwriter sweeping 128 pages, one write every 100 instructions, over 100 MB/s (the sweep of encoded-model.test.ts). */
    const encoded = (...extra: string[]) => ["migrate", MEMWRITER, "--args", "pages=128 rate=10000 iters=0", "--speed", "1500000", "--bandwidth", "100MB/s", "--at", "38400", "--downtime-target", "1500us", "--max-ticks", "100000", "--predict", ...extra];
    const within = (predicted: number, measured: number) => Math.abs(predicted - measured) / measured;

    it.each([
      ["XBZRLE", ["--xbzrle-cache", "1MiB"], /\nmodel: encoded pre-copy with XBZRLE \(256 cache slots\); measured by the page encoder: round 0 0\.543 MB, a resent page 4114 bytes whole, 27 as a delta\n/],
      ["compression", ["--compress"], /\nmodel: encoded pre-copy with compression; measured by the page encoder: round 0 0\.009 MB, a resent page \d+ bytes whole\n/],
    ])("%s: the model is named, and its prediction is the engine's result within 10%%", async (_, flags, model) => {
      const text = await cli(encoded(...(flags as string[])));
      expect(text.code, text.err).toBe(124);
      expect(text.err).toMatch(model as RegExp);
      expect(text.err).not.toContain("outside the model");
      const { predicted, stats } = JSON.parse((await cli([...encoded(...(flags as string[])), "--json"])).out);
      expect(predicted.prediction).toMatchObject({ strategy: "pre-copy", model: "encoded", notes: [] });
      expect(predicted.prediction.rounds).toBe(stats.rounds.length);
      expect(within(predicted.prediction.bytes, stats.bytesSent)).toBeLessThan(0.1);
      expect(within(predicted.prediction.downtimeNs, stats.downtimeNs)).toBeLessThan(0.1);
      expect(within(predicted.prediction.totalNs, stats.totalNs)).toBeLessThan(0.1);
      // the plain model would be far off: a resent page costs 4114 bytes, not 27 or a compressed block
      const plain = JSON.parse((await cli([...encoded(), "--json"])).out).predicted.prediction;
      expect(plain.model).toBe("plain");
      expect(within(plain.bytes, stats.bytesSent)).toBeGreaterThan(0.1);
    });

    it("says where it does not apply: a cache smaller than the working set, convergence control", async () => {
      const r = await cli(encoded("--xbzrle-cache", "64KiB", "--auto-converge"));
      expect(r.err).toContain("model: encoded pre-copy with XBZRLE (16 cache slots)");
      expect(r.err).toMatch(/\n  outside the model \(converge\): the encoded model leaves out auto-converge/);
      expect(r.err).toMatch(/\n  outside the model \(cache\): XBZRLE's cache has fewer slots than the working set/);
      expect((await cli(encoded())).err).toMatch(/\nmodel: pre-copy, plain pages \(\d+ bytes a page\)\nprediction: /);
    });

    it("stop-and-copy with compression: round 0's compressed bytes", async () => {
      const r = await cli([...encoded("--compress", "--strategy", "stop-copy"), "--json"]);
      const { predicted, stats } = JSON.parse(r.out);
      expect(predicted.prediction).toMatchObject({ strategy: "stop-copy", model: "encoded", rounds: 1 });
      expect(within(predicted.prediction.bytes, stats.bytesSent)).toBeLessThan(0.1);
      expect(within(predicted.prediction.downtimeNs, stats.downtimeNs)).toBeLessThan(0.1);
    });
  });

  it("refuses what it cannot measure, in one line", async () => {
    expect(await cli(["migrate", "multi", "--predict"])).toMatchObject({ code: 1, err: "toyvmm: --predict: measures the dirty rate over the instructions before the migration point; give --at > 0\n" });
    expect(await cli(["migrate", "multi", "--at", "100", "--dirty-rate-window", "10"])).toMatchObject({ code: 1, err: "toyvmm: --dirty-rate-window: goes with --predict\n" });
    expect((await cli(["migrate", "multi", "--at", "100", "--predict", "--dirty-rate-window", "200"])).err).toBe(
      "toyvmm: --dirty-rate-window 200: expected a whole number of instructions from 1 to --at (100)\n",
    );
    expect((await cli(["migrate", "multi", "--at", "100", "--predict", "--strategy", "post-copy"])).err).toMatch(/\nprediction: the model does not cover post-copy\n/);
  });
});
