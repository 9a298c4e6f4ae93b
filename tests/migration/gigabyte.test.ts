/**
 * Gigabyte guests: a memwriter in 1 GiB (MAX_MEMORY) migrates with every strategy on the
 * simulated link, and the memory where it then runs passes memwriter's check; the engine's
 * fast paths for large memories (a native zero-page compare, a word-wise dirty count and drain,
 * zero pages left unwritten on a fresh destination) give what the plain loops give.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_MEMORY, PAGE_SIZE } from "../../isa/arch.js";
import { Memory } from "../../isa/memory.js";
import { runCli } from "../../vmm/cli/main.js";
import { checkAfterMigration } from "../../vmm/experiment/check.js";
import { migrate } from "../../vmm/migration/engine.js";
import { ANY_HOST } from "../../vmm/migration/index.js";
import { countDirty, drainDirty, isZeroPage } from "../../vmm/migration/pages.js";
import { startProcess } from "../../vmm/migration/process-vm.js";
import { parseMemorySize } from "../../vmm/migration/units.js";
import { image, MEMWRITER } from "./helpers.js";

const GiB = 1 << 30;
/** 64 MiB of data written (16 Ki pages, one every 50 instructions), the rest of the gigabyte zero. */
const PAGES = 16384;
const AT = 600 + PAGES * 50 + 1000;

describe("a 1 GiB guest", () => {
  it("is the limit: 1 GiB is accepted, a page more is refused", () => {
    expect(MAX_MEMORY).toBe(GiB);
    expect(parseMemorySize("1GiB", "--memory")).toBe(GiB);
    expect(() => parseMemorySize("1049600KiB", "--memory")).toThrow("from 4 KiB to 1 GiB");
    expect(() => new Memory(GiB + PAGE_SIZE)).toThrow(`between ${PAGE_SIZE} and ${GiB}`);
  });

  it.each(["stop-copy", "pre-copy", "post-copy"] as const)("migrates by %s with its memory check", (strategy) => {
    const vm = startProcess({ name: "memwriter", image: image(MEMWRITER), args: `pages=${PAGES} rate=20000 iters=0`, memorySize: GiB });
    expect(vm.run(AT).reason).toBe("budget");
    const result = migrate(vm, { strategy, host: ANY_HOST, bandwidth: 1_000_000_000, latencyNs: 100_000, downtimeTargetNs: 5_000_000 });
    const s = result.stats;
    expect(s.status, s.error ?? "").toBe("completed");
    expect(result.vm.memory.size).toBe(GiB);
    expect(s.pagesSent).toBeGreaterThanOrEqual(GiB / PAGE_SIZE);
    expect(s.zeroPages).toBeGreaterThan(GiB / PAGE_SIZE - PAGES - 512);
    expect(checkAfterMigration(image(MEMWRITER), result.vm)).toBe("ok");
    result.vm.destroy();
  });

  it("toyvmm migrate --memory 1GiB runs memwriter to its end on the destination", async () => {
    const out: string[] = [];
    const text = (t: string | Uint8Array) => (typeof t === "string" ? t : new TextDecoder().decode(t));
    const io = { stdout: { write: (t: string | Uint8Array) => out.push(text(t)) }, stderr: { write: () => true } };
    const status = await runCli(["migrate", MEMWRITER, "--memory", "1GiB", "--args", "pages=2048 rate=20000 iters=2", "--at", "120000", "--bandwidth", "1GB/s"], io);
    expect(status).toBe(0);
    expect(out.join("")).toMatch(/memwriter: pages=2048 sweeps=2 writes=4096 ticks-per-write=50\nchecksum: 0x[0-9a-f]{8}\n/);
  });
});

describe("the engine's large-memory fast paths", () => {
  /** A memory of `pages` pages with the given pages dirty and the given pages holding a byte. */
  const memoryWith = (pages: number, dirty: number[], data: [number, number][]) => {
    const m = new Memory(pages * PAGE_SIZE);
    for (const [page, offset] of data) m.bytes[page * PAGE_SIZE + offset] = 1;
    m.dirty.fill(0);
    for (const p of dirty) m.dirty[p] = 1;
    return m;
  };
  const arbitrary = fc.integer({ min: 1, max: 67 }).chain((pages) =>
    fc.tuple(fc.constant(pages), fc.array(fc.nat(pages - 1)), fc.array(fc.tuple(fc.nat(pages - 1), fc.nat(PAGE_SIZE - 1)))),
  );

  it("countDirty and drainDirty agree with dirtyCount and takeDirty, for any page count", () => {
    fc.assert(
      fc.property(arbitrary, ([pages, dirty]) => {
        const a = memoryWith(pages, dirty, []);
        const b = memoryWith(pages, dirty, []);
        expect(countDirty(a)).toBe(a.dirtyCount());
        const drained: number[] = [];
        drainDirty(a, (p) => drained.push(p));
        expect(drained).toEqual(b.takeDirty());
        expect(a.dirty.every((d) => d === 0)).toBe(true);
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it("isZeroPage is true exactly where every byte is 0, and a zero fill of a zero page leaves it as it was", () => {
    fc.assert(
      fc.property(arbitrary, ([pages, , data]) => {
        const m = memoryWith(pages, [], data);
        for (let p = 0; p < pages; p++) expect(isZeroPage(m, p)).toBe(m.page(p).every((b) => b === 0));
        m.markAllMissing();
        for (let p = 0; p < pages; p++) m.fillPage(p, null);
        expect(m.bytes.every((b) => b === 0)).toBe(true);
        expect(m.missingCount).toBe(0);
      }),
      { seed: 11, numRuns: 100 },
    );
  });
});
