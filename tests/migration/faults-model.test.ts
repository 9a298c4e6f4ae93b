import { describe, expect, it } from "vitest";
import { preCopyModel, stopCopyModel } from "../../vmm/migration/model.js";
import { PAGE_FRAME_BYTES } from "../../vmm/migration/pages.js";
import { encodeFrame } from "../../vmm/migration/stream/codec.js";
import { expectMemwriterConsistent, expectSourceReleased, guest, MEMWRITER, migratedRun, reference, type Guest } from "./helpers.js";

const memwriter = guest("memwriter");
const multi = guest("multi");

describe("link faults", () => {
  for (const strategy of ["stop-copy", "pre-copy"] as const) {
    for (const cutAfterBytes of [5, 4000, 60_000, 200_000]) {
      it(`${strategy}: a cut after ${cutAfterBytes} bytes fails the migration and the source VM goes on`, () => {
        const { outcome, result, source } = migratedRun(memwriter, 30_000, { strategy, faults: { cutAfterBytes } });
        expect(result.stats.status).toBe("failed");
        expect(result.stats.error).toMatch(/the link was cut/);
        expect(result.vm).toBe(source);
        expect(source.destroyed).toBe(false);
        expect(outcome).toEqual(reference(memwriter));
        expect(expectMemwriterConsistent(memwriter, source.memory, "on the source after the failed migration")).toBe(true);
      });
    }
  }

  // memwriter at 30,000 ticks over the default link: the state reaches the destination at
  // about 1.0 ms, its acknowledgement reaches the source at about 2.0 ms (the switch-over).
  for (const cutAtNs of [500_000, 1_200_000]) {
    it(`post-copy: a cut at ${cutAtNs} ns, before the switch-over, fails the migration and the source VM goes on`, () => {
      const { outcome, result, source } = migratedRun(memwriter, 30_000, {
        strategy: "post-copy",
        faults: { cutAtNs, restoreAfterNs: 3_000_000 },
      });
      expect(result.stats.status).toBe("failed");
      expect(result.stats.error).toMatch(/^the link was cut at .* during (setup|switch-over); the guest goes on at the source$/);
      expect(result.stats.runsOn).toBe("source");
      expect(result.vm).toBe(source);
      expect(outcome).toEqual(reference(memwriter));
    });
  }

  for (const cutAtNs of [2_500_000, 3_000_000]) {
    it(`post-copy: a cut at ${cutAtNs} ns, after the switch-over, pauses, recovers when the link returns, and loses nothing`, () => {
      const { outcome, result, source } = migratedRun(memwriter, 30_000, {
        strategy: "post-copy",
        faults: { cutAtNs, restoreAfterNs: 3_000_000 },
      });
      expect(result.stats.status, String(result.stats.error)).toBe("completed");
      expect(result.stats.linkCuts).toHaveLength(1);
      expect(result.stats.pagesReceivedMoreThanOnce).toBe(0);
      expect(outcome).toEqual(reference(memwriter));
      expectSourceReleased(source);
    });
  }

  it("post-copy: a link that never returns leaves the destination paused, waiting for a page", () => {
    const { result } = migratedRun(memwriter, 30_000, { strategy: "post-copy", faults: { cutAtNs: 2_500_000 } });
    expect(result.stats.status).toBe("paused");
    expect(result.stats.runsOn).toBe("destination");
    expect(result.vm.memory.missingCount).toBeGreaterThan(0);
  });

  it("a damaged frame is one clear error and the source VM survives", () => {
    const { outcome, result, source } = migratedRun(multi, 10_000, { strategy: "pre-copy", faults: { corrupt: { frame: 12 } } });
    expect(result.stats.status).toBe("failed");
    expect(result.stats.error).toMatch(/^migration stream: frame 11 \((page|zero)\): checksum mismatch .*; the guest goes on at the source$/);
    expect(source.destroyed).toBe(false);
    expect(outcome).toEqual(reference(multi));
  });

  it("a truncated frame is one clear error and the source VM survives", () => {
    const { outcome, result } = migratedRun(multi, 10_000, { strategy: "stop-copy", faults: { truncate: { frame: 5, keep: 100 } } });
    expect(result.stats.status).toBe("failed");
    expect(result.stats.error).toMatch(/^migration stream: frame 4 \((page|zero)\): truncated/);
    expect(outcome).toEqual(reference(multi));
  });
});

describe("against the model", () => {
  const bandwidth = 100_000_000;
  const latencyNs = 1_000_000;

  it("stop-and-copy downtime and total time are M/B + state/B + latency", () => {
    const { result, source } = migratedRun(memwriter, 30_000, { strategy: "stop-copy" });
    const s = result.stats;
    const memoryBytes = s.rounds.reduce((n, r) => n + r.bytes, 0);
    const stateBytes = encodeFrame({ type: "state", json: JSON.stringify(source.save()) }).length;
    expect(stateBytes).toBeGreaterThan(100);
    const model = stopCopyModel(memoryBytes, stateBytes, bandwidth, latencyNs);
    expect(Math.abs(s.downtimeNs - model.downtimeNs) / model.downtimeNs).toBeLessThan(0.01);
    expect(Math.abs(s.totalNs - model.totalNs) / model.totalNs).toBeLessThan(0.01);
  });

  it("pre-copy rounds, bytes and downtime follow M·(D/B)^i for memwriter's uniform dirty rate", () => {
    // memwriter writes one page every 1e6/rate ticks: 100 ticks here, so at `speed` ticks per
    // second the dirty rate is speed/100 pages per second over a working set of 128 pages.
    const speed = 1_500_000; // D/B ≈ 0.6: seven rounds, each about 0.6 of the one before
    const ticksPerPage = 100;
    const workload: Guest = { label: "memwriter-model", path: MEMWRITER, args: "pages=128 rate=10000 iters=12", vm: "process" };
    const ref = reference(workload);
    expect(ref.output).toContain("ticks-per-write=100\n");
    const start = 3 * 128 * ticksPerPage; // two whole sweeps done: every working-set page is written
    const { result, outcome, source } = migratedRun(workload, start, { strategy: "pre-copy", speed, downtimeTargetNs: 1_500_000 });
    expect(outcome).toEqual(ref);
    const s = result.stats;
    // The state as it left (the source keeps it after letting the guest go): the engine counts it in each estimate.
    const stateBytes = encodeFrame({ type: "state", json: JSON.stringify(source.save()) }).length;
    const model = preCopyModel({
      memoryBytes: s.rounds[0]!.bytes,
      pageBytes: PAGE_FRAME_BYTES,
      dirtyPagesPerSecond: speed / ticksPerPage,
      workingSetPages: 128,
      bandwidth,
      latencyNs,
      stateBytes,
      downtimeTargetNs: 1_500_000,
      maxRounds: 30,
    });
    expect(model.rounds).toBeGreaterThanOrEqual(3);
    expect(s.rounds.length).toBe(model.rounds);
    for (let i = 1; i < model.rounds; i++) {
      // within 10%, or one page where a round is only a few pages
      const error = Math.abs(s.rounds[i]!.bytes - model.roundBytes[i]!);
      expect(error, `round ${i}`).toBeLessThanOrEqual(Math.max(0.1 * model.roundBytes[i]!, PAGE_FRAME_BYTES));
    }
    const sent = s.rounds.reduce((n, r) => n + r.bytes, 0);
    expect(Math.abs(sent - model.totalBytes) / model.totalBytes).toBeLessThan(0.1);
    expect(Math.abs(s.downtimeNs - model.downtimeNs) / model.downtimeNs).toBeLessThan(0.1);
    // progress never goes backwards and ends at 1
    const shares = s.progress.map((p) => p.completed);
    expect(shares.every((c, i) => i === 0 || c >= shares[i - 1]!)).toBe(true);
    expect(shares[shares.length - 1]).toBe(1);
  });

  it("post-copy sends each page once and only touched pages are requested", () => {
    const { result } = migratedRun(multi, 10_000, { strategy: "post-copy" });
    const s = result.stats;
    expect(s.pagesSent).toBe(result.vm.memory.pageCount);
    expect(s.pagesReceivedMoreThanOnce).toBe(0);
    expect(s.postcopyRequests).toBeLessThanOrEqual(s.postcopyFaults);
    expect(s.postcopyFaults).toBeGreaterThan(0);
  });
});
