import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { STRATEGIES } from "../../vmm/migration/stream/frames.js";
import { expectSourceReleased, GUESTS, guest, migratedRun, reference } from "./helpers.js";

describe.each(STRATEGIES)("%s migration is invisible to the guest", (strategy) => {
  for (const g of GUESTS) {
    it(`${g.label}: output, final memory and ticks equal an unmigrated run at many points`, () => {
      const ref = reference(g);
      // The very start, a few early instructions, evenly spread points and just before the end
      // (the targeted awkward points are in awkward-points.test.ts).
      const points = [0, 1, 2, 3, 50, 333, ref.ticks - 1];
      for (let at = 997; at < ref.ticks; at += Math.max(997, Math.floor(ref.ticks / 12))) points.push(at);
      const check = (at: number) => {
        const { outcome, result, source } = migratedRun(g, at, { strategy });
        expect(result.stats.status, `${g.label} at ${at}: ${result.stats.error}`).toBe("completed");
        expect(outcome).toEqual(ref);
        expectSourceReleased(source);
        if (strategy === "post-copy") {
          expect(result.stats.pagesReceivedMoreThanOnce).toBe(0);
          expect(result.stats.pagesSent).toBe(result.vm.memory.pageCount);
        }
      };
      points.forEach(check);
      fc.assert(fc.property(fc.nat({ max: ref.ticks }), (at) => check(at)), { numRuns: 6 });
    });
  }

  it("works at slow links and fast guests too (memwriter, 10 MB/s, 5 ms latency)", () => {
    const g = guest("memwriter");
    const { outcome, result } = migratedRun(g, 40_000, { strategy, bandwidth: 10_000_000, latencyNs: 5_000_000, speed: 300_000_000 });
    expect(result.stats.status).toBe("completed");
    expect(outcome).toEqual(reference(g));
  });
});
