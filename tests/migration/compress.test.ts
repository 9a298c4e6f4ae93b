import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../../isa/arch.js";
import { compressPage, decompressPage } from "../../vmm/migration/compress.js";
import { PAGE_FRAME_BYTES } from "../../vmm/migration/pages.js";
import { decodeFrame, encodeFrame } from "../../vmm/migration/stream/codec.js";
import { FRAME_CODE, type FrameOf } from "../../vmm/migration/stream/frames.js";
import { expectSourceReleased, MEMWRITER, migratedRun, reference, type Guest } from "./helpers.js";

const workload: Guest = { label: "memwriter-compress", path: MEMWRITER, args: "pages=128 rate=10000 iters=12", vm: "process" };
const at = 3 * 128 * 100;
const slow = { bandwidth: 10_000_000, speed: 1_500_000, downtimeTargetNs: 1_500_000 } as const;

describe("page compression", () => {
  it("a page compresses and decompresses to itself; what is not a compressed page is refused", () => {
    const page = new Uint8Array(PAGE_SIZE).map((_, i) => (i % 64 === 0 ? i >> 6 : 0));
    const packed = compressPage(page);
    expect(packed.length).toBeLessThan(PAGE_SIZE / 4);
    const out = new Uint8Array(PAGE_SIZE);
    expect(decompressPage(packed, out)).toBeNull();
    expect(Buffer.compare(out, page)).toBe(0);
    expect(decompressPage(new Uint8Array([1, 2]), out)).toBe("2 bytes are too few for a compressed page");
    const claims = new Uint8Array(packed);
    claims.set([0, 0, 0, 0x40]);
    expect(decompressPage(claims, out)).toBe("says it holds 1073741824 bytes, not a page (4096)");
    expect(decompressPage(packed.subarray(0, packed.length - 3), out)).toMatch(/^not an LZ4 block \(.+\)$/);
    const short = compressPage(new Uint8Array(100));
    short.set([0, 16, 0, 0]);
    expect(decompressPage(short, out)).toMatch(/^(decodes to \d+ bytes, not a page \(4096\)|not an LZ4 block \(.+\))$/);
  });

  for (const strategy of ["stop-copy", "pre-copy", "post-copy"] as const) {
    it(`${strategy}: pages go compressed, the guest ends as unmigrated, and the time spent compressing is counted`, () => {
      const plain = migratedRun(workload, at, { strategy, ...slow }).result.stats;
      expect(plain.compression).toBeUndefined();
      expect(plain.compressNs).toBeUndefined();
      const { outcome, result, source } = migratedRun(workload, at, { strategy, ...slow, compress: true });
      const s = result.stats;
      expect(s.status).toBe("completed");
      expect(outcome).toEqual(reference(workload));
      expectSourceReleased(source);
      const c = s.compression!;
      expect(c.pages).toBeGreaterThan(100);
      expect(c.bytesSaved).toBeGreaterThan(c.pages * (PAGE_FRAME_BYTES / 2));
      expect(s.bytesSent).toBeLessThan(plain.bytesSent / 2);
      // 1 ns a byte by default: every page compressed (or tried) cost 4096 ns of the source's time.
      expect(s.compressNs).toBe((c.pages + c.incompressible) * PAGE_SIZE);
      const dear = migratedRun(workload, at, { strategy, ...slow, compress: true, compressCostPs: 20_000 }).result.stats;
      expect(dear.totalNs).toBeGreaterThan(s.totalNs);
    });
  }

  it("with XBZRLE too, both count, and the guest ends as unmigrated", () => {
    const { outcome, result } = migratedRun(workload, at, { strategy: "pre-copy", speed: 1_500_000, downtimeTargetNs: 1_500_000, compress: true, xbzrleCache: 1 << 20 });
    const { xbzrle, compression, pagesResent } = result.stats;
    expect(xbzrle!.hits + xbzrle!.misses).toBe(pagesResent - result.stats.rounds.slice(1).reduce((n, r) => n + r.zeroPages, 0));
    expect(compression!.pages).toBeGreaterThan(0);
    expect(outcome).toEqual(reference(workload));
  });

  it("a malformed compressed page is refused in one line, and the guest goes on at the source", () => {
    let damaged = -1;
    const { outcome, result, source } = migratedRun(workload, at, {
      strategy: "stop-copy",
      ...slow,
      compress: true,
      faults: {
        rewrite: (number, bytes) => {
          if (damaged >= 0 || bytes[0] !== FRAME_CODE.compressed) return bytes;
          damaged = number - 1;
          const frame = decodeFrame(bytes, 0) as FrameOf<"compressed">;
          return encodeFrame({ ...frame, data: frame.data.subarray(0, frame.data.length - 2) });
        },
      },
    });
    expect(result.stats.status).toBe("failed");
    expect(result.stats.error).toMatch(new RegExp(`^migration stream: frame ${damaged} \\(compressed\\): page \\d+: malformed compressed page: not an LZ4 block \\(.+\\); the guest goes on at the source$`));
    expect(result.vm).toBe(source);
    expect(outcome).toEqual(reference(workload));
  });

  it("the cost is checked", () => {
    expect(() => migratedRun(workload, at, { strategy: "stop-copy", compress: true, compressCostPs: -1 })).toThrow(/compression cost -1 ps a byte: expected a whole number from 0/);
  });
});
