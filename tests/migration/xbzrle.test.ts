import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../../isa/arch.js";
import { PageCache } from "../../vmm/migration/page-cache.js";
import { decodeFrame, encodeFrame } from "../../vmm/migration/stream/codec.js";
import { FRAME_CODE, type FrameOf } from "../../vmm/migration/stream/frames.js";
import { applyDelta, encodeDelta } from "../../vmm/migration/xbzrle.js";
import { expectSourceReleased, MEMWRITER, migratedRun, reference, type Guest } from "./helpers.js";

/** The page `page` as a delta against `old`, or -1 on overflow (limit: a page). */
function delta(old: Uint8Array, page: Uint8Array, limit = PAGE_SIZE): Uint8Array | -1 {
  const out = new Uint8Array(PAGE_SIZE);
  const copy = new Uint8Array(page);
  const n = encodeDelta(old, new Int32Array(old.buffer, old.byteOffset, PAGE_SIZE / 4), 0, copy, new Int32Array(copy.buffer), out, limit);
  return n < 0 ? -1 : out.slice(0, n);
}

function applied(old: Uint8Array, d: Uint8Array): Uint8Array {
  const page = new Uint8Array(old);
  expect(applyDelta(d, 0, d.length, page)).toBeNull();
  return page;
}

/** A page of pseudo-random bytes from a seed (cheaper to draw than 4096 bytes one by one). */
const randomPage = fc.integer().map((seed) => {
  const page = new Uint8Array(PAGE_SIZE);
  let x = seed | 1;
  for (let i = 0; i < PAGE_SIZE; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    page[i] = x & 0xff;
  }
  return page;
});
/** Changes at random places: runs of new bytes of random lengths. */
const edits = fc.array(fc.record({ at: fc.nat(PAGE_SIZE - 1), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }), { maxLength: 40 });

describe("XBZRLE encoding", () => {
  it("a delta applied to the old copy gives the new page, for any old page and any edits", () => {
    fc.assert(
      fc.property(randomPage, edits, (old, changes) => {
        const page = new Uint8Array(old);
        for (const { at, bytes } of changes) page.set(bytes.subarray(0, PAGE_SIZE - at), at);
        const d = delta(old, page);
        if (d === -1) return; // more change than a page holds: sent plain
        expect(Buffer.compare(applied(old, d), page)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("an unchanged page is an empty delta, one changed byte a few bytes, and random contents overflow", () => {
    const old = new Uint8Array(PAGE_SIZE).map((_, i) => i * 7);
    expect(delta(old, old)).toEqual(new Uint8Array(0));
    const one = new Uint8Array(old);
    one[1000] = one[1000]! ^ 0xff;
    // zero run 1000 (two bytes of ULEB128), changed run 1, the byte
    expect(delta(old, one)).toEqual(new Uint8Array([1000 & 0x7f | 0x80, 1000 >> 7, 1, one[1000]!]));
    const first = new Uint8Array(old);
    first[0] = first[0]! ^ 1;
    expect(delta(old, first)).toEqual(new Uint8Array([0, 1, first[0]!])); // only the first unchanged run may be empty
    const random = new Uint8Array(PAGE_SIZE).map((_, i) => (old[i]! + 1 + ((i * 13) % 200)) & 0xff);
    expect(delta(old, random, PAGE_SIZE - 3)).toBe(-1);
  });

  it("unchanged and changed runs that are not word-aligned encode exactly", () => {
    const old = new Uint8Array(PAGE_SIZE);
    const page = new Uint8Array(PAGE_SIZE);
    for (const at of [1, 2, 3, 5, 4093, 4094, 4095]) page[at] = 9;
    page.fill(7, 100, 107); // a run inside words, crossing them
    expect(Buffer.compare(applied(old, delta(old, page) as Uint8Array), page)).toBe(0);
  });

  const malformed: [string, number[], RegExp][] = [
    ["an empty unchanged run after the start", [0, 1, 5, 0, 1, 6], /an unchanged run of 0 bytes at byte 3 \(only the first may be empty\)/],
    ["an empty changed run", [4, 0], /a changed run of 0 bytes at byte 1/],
    ["a length over 14 bits", [0x80, 0x80, 1], /the length of an unchanged run at byte 0 is longer than 14 bits/],
    ["a length cut in two", [5, 0x81], /ends inside the length of a changed run at byte 1/],
    ["an unchanged run with nothing after it", [5], /ends inside the length of a changed run at byte 1/],
    ["literal bytes missing", [5, 3, 1], /the changed run at byte 2 needs 3 bytes, 1 present/],
    ["an unchanged run past the page", [0xff, 0x7f, 1, 1], /reaches the end of the page \(16383 bytes\)/],
    ["a changed run past the page", [0xfe, 0x1f, 4, 1, 2, 3, 4], /the changed run at byte 2 reaches past the page \(4094 \+ 4 bytes\)/],
  ];
  for (const [what, bytes, message] of malformed) {
    it(`refuses ${what}`, () => {
      const d = new Uint8Array(bytes);
      expect(applyDelta(d, 0, d.length, new Uint8Array(PAGE_SIZE))).toMatch(message);
    });
  }

  it("the xbzrle frame round-trips through the stream codec", () => {
    const frame: FrameOf<"xbzrle"> = { type: "xbzrle", index: 7, round: 3, delta: new Uint8Array([0, 2, 9, 9]) };
    const bytes = encodeFrame(frame);
    expect(bytes[0]).toBe(FRAME_CODE.xbzrle);
    expect(decodeFrame(bytes, 0)).toEqual(frame);
  });
});

describe("the XBZRLE cache", () => {
  it("holds a power of two of pages, no more than memory needs, and keeps a fresh page against another in its slot", () => {
    expect(new PageCache(3 * PAGE_SIZE + 5, 1000).slots).toBe(2);
    expect(new PageCache(1 << 30, 5).slots).toBe(8);
    const cache = new PageCache(2 * PAGE_SIZE, 100);
    const a = new Uint8Array(PAGE_SIZE).fill(1);
    expect(cache.insert(4, a, 1)).toBe(true);
    expect(cache.find(4)).toBe(0);
    expect(cache.find(6)).toBe(-1);
    expect(cache.insert(6, a, 2)).toBe(false); // page 4 went in a round ago
    expect(cache.insert(6, a, 3)).toBe(true); // two rounds on, it may be replaced
    expect(cache.find(4)).toBe(-1);
    expect(cache.find(6)).toBe(0);
  });
});

// memwriter's uniform dirtying at D/B ≈ 0.6 (as in faults-model.test.ts): seven rounds plain.
const workload: Guest = { label: "memwriter-xbzrle", path: MEMWRITER, args: "pages=128 rate=10000 iters=12", vm: "process" };
const at = 3 * 128 * 100;
const options = { strategy: "pre-copy", speed: 1_500_000, downtimeTargetNs: 1_500_000 } as const;

describe("pre-copy with XBZRLE", () => {
  it("sends resent pages as deltas, in fewer bytes, and the guest ends as unmigrated with its memory check", () => {
    const ref = reference(workload);
    const plain = migratedRun(workload, at, options).result.stats;
    expect(plain.xbzrle).toBeUndefined();
    const { outcome, result, source } = migratedRun(workload, at, { ...options, xbzrleCache: 1 << 20 });
    const s = result.stats;
    expect(s.status).toBe("completed");
    expect(outcome).toEqual(ref);
    expectSourceReleased(source);
    const x = s.xbzrle!;
    expect(x.cacheBytes).toBe(1 << 20);
    expect(x.hits).toBeGreaterThan(0);
    expect(x.misses).toBeGreaterThan(0);
    expect(x.pages).toBe(x.hits - x.overflows);
    // memwriter changes a counter in a page: a delta is a few bytes
    expect(x.bytes / x.pages).toBeLessThan(100);
    expect(s.bytesSent).toBeLessThan(plain.bytesSent - x.bytesSaved / 2);
    expect(s.downtimeNs).toBeLessThan(plain.downtimeNs);
  });

  it("a cache of one page still migrates correctly (every other page a miss)", () => {
    const { outcome, result } = migratedRun(workload, at, { ...options, xbzrleCache: PAGE_SIZE });
    expect(result.stats.status).toBe("completed");
    expect(result.stats.xbzrle!.cacheBytes).toBe(PAGE_SIZE);
    expect(outcome).toEqual(reference(workload));
  });

  it("a pre-copy turned into post-copy after deltas went out still ends as unmigrated", () => {
    const { outcome, result } = migratedRun(workload, at, { ...options, xbzrleCache: 1 << 20, postcopyPolicy: "after", postcopyAfterRounds: 4 });
    expect(result.stats.postcopySwitch).toBeDefined();
    expect(result.stats.xbzrle!.pages).toBeGreaterThan(0);
    expect(outcome).toEqual(reference(workload));
  });

  it("a malformed delta is refused in one line, and the guest goes on at the source", () => {
    let damaged = -1;
    const { outcome, result, source } = migratedRun(workload, at, {
      ...options,
      xbzrleCache: 1 << 20,
      faults: {
        // A well-formed frame (its checksum right) whose delta lies: a changed run longer than the bytes that follow.
        rewrite: (number, bytes) => {
          if (damaged >= 0 || bytes[0] !== FRAME_CODE.xbzrle) return bytes;
          damaged = number - 1;
          const frame = decodeFrame(bytes, 0) as FrameOf<"xbzrle">;
          return encodeFrame({ ...frame, delta: new Uint8Array([4, 9, 1, 2]) });
        },
      },
    });
    expect(damaged).toBeGreaterThan(0);
    expect(result.stats.status).toBe("failed");
    expect(result.stats.error).toMatch(
      new RegExp(`^migration stream: frame ${damaged} \\(xbzrle\\): page \\d+: malformed delta: the changed run at byte 2 needs 9 bytes, 2 present; the guest goes on at the source$`),
    );
    expect(result.vm).toBe(source);
    expect(outcome).toEqual(reference(workload));
  });

  it("a delta for a page that never arrived, or outside memory, is refused", () => {
    const asDelta = (index: number) => encodeFrame({ type: "xbzrle", index, round: 0, delta: new Uint8Array([0, 1, 1]) });
    // Forward frame 2 is round 0's first page: nothing holds a copy of it yet.
    const early = migratedRun(workload, at, { ...options, faults: { rewrite: (number, bytes) => (number === 2 ? asDelta(0) : bytes) } });
    expect(early.result.stats.status).toBe("failed");
    expect(early.result.stats.error).toMatch(/^migration stream: frame 1 \(xbzrle\): page 0: a delta against a page that never arrived; the guest goes on at the source$/);
    const outside = migratedRun(workload, at, { ...options, faults: { rewrite: (number, bytes) => (number === 2 ? asDelta(9999) : bytes) } });
    expect(outside.result.stats.error).toMatch(/\(xbzrle\): pages 9999\.\.9999 are outside memory \(256 pages\)/);
  });

  it("the cache size is checked", () => {
    expect(() => migratedRun(workload, at, { ...options, xbzrleCache: 100 })).toThrow(/XBZRLE cache 100 bytes: expected 0 \(off\) or from 4096/);
  });
});
