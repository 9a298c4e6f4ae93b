/**
 * The page map (vmm/migration/page-map.ts) fed with a simulated migration's frames: it ends
 * with every page at the destination, its per-round bytes are the statistics' rounds, and the
 * requests it saw are the post-copy faults that reached the source. Mid-way it shows the
 * pre-copy's dirty pages.
 */
import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../../isa/arch.js";
import { migrate } from "../../vmm/migration/engine.js";
import { ANY_HOST } from "../../vmm/migration/index.js";
import { FORWARD, type Transmission } from "../../vmm/migration/link.js";
import { PageMap, type PageMapSnapshot } from "../../vmm/migration/page-map.js";
import { encodeFrame } from "../../vmm/migration/stream/codec.js";
import { boot, guest } from "./helpers.js";

const memwriter = guest("memwriter");
const link = { bandwidth: 10_000_000, speed: 3_000_000, downtimeTargetNs: 1_000_000 };

function watched(strategy: "pre-copy" | "post-copy" | "stop-copy") {
  const vm = boot(memwriter);
  vm.run(30_000);
  const pages = new PageMap(vm.memory.pageCount, () => (vm.destroyed ? null : vm.memory.dirty));
  const seen: PageMapSnapshot[] = [];
  const onTransmit = (t: Transmission) => {
    if (t.direction === FORWARD) pages.forward(t.bytes);
    else pages.returned(t.bytes);
    if (t.number % 50 === 0) seen.push(pages.snapshot());
  };
  const result = migrate(vm, { host: ANY_HOST, strategy, ...link, onTransmit });
  return { stats: result.stats, end: pages.snapshot(), seen };
}

describe("the page map of a simulated migration", () => {
  it.each(["pre-copy", "post-copy", "stop-copy"] as const)(
    "%s: ends all sent, with the statistics' rounds and bytes",
    (strategy) => {
      const { stats, end } = watched(strategy);
      expect(stats.status).toBe("completed");
      expect(end.counts.missing + end.counts.dirty + end.counts.requested).toBe(0);
      expect(end.counts.sent + end.counts.zero).toBe(end.map.length);
      expect(end.map).toMatch(/^[sz]+$/);
      // Each page crosses once, except pre-copy's resent pages.
      if (strategy !== "pre-copy") expect(end.counts.zero).toBe(stats.zeroPages);
      expect(end.counts.zero).toBeGreaterThan(0);
      expect(end.rounds.map((r) => r.bytes)).toEqual(stats.rounds.map((r) => r.bytes));
      expect(end.rounds.reduce((n, r) => n + r.pages, 0)).toBe(stats.pagesSent);
      expect(end.streamBytes).toBe(stats.bytesSent);
      expect(end.requests).toBe(stats.postcopyRequests);
    },
  );

  it("pre-copy: pages turn dirty between rounds, and are sent again", () => {
    const { seen, stats } = watched("pre-copy");
    expect(stats.pagesResent).toBeGreaterThan(0);
    expect(seen.some((s) => s.counts.dirty > 0)).toBe(true);
  });

  it("post-copy: the destination's requests show until they are answered", () => {
    const { seen, stats } = watched("post-copy");
    expect(stats.postcopyRequests).toBeGreaterThan(0);
    expect(seen.some((s) => s.counts.requested > 0 || s.requests > 0)).toBe(true);
  });

  it("ignores frames too short to have a header, and pages beyond the map", () => {
    const pages = new PageMap(4, () => null);
    pages.forward(new Uint8Array(3));
    pages.returned(new Uint8Array([12, 0, 4, 0, 0, 0, 0, 0, 0, 0, 99, 0, 0, 0]));
    expect(pages.snapshot().map).toBe("mmmm");
  });

  it("a run of pages (the real driver's frame) marks each of its pages sent, and none beyond the map", () => {
    const pages = new PageMap(4, () => null);
    const run = encodeFrame({ type: "pages", first: 2, round: 0, data: new Uint8Array(3 * PAGE_SIZE) });
    pages.forward(run);
    const end = pages.snapshot();
    expect(end.map).toBe("mmss");
    expect(end.rounds).toEqual([{ round: 0, pages: 2, bytes: run.length }]);
  });
});
