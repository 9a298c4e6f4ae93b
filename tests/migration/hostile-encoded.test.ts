/**
 * A hostile stream where pages travel as fewer bytes: the first xbzrle (17), compressed (18)
 * frame, or a sync point (19) in its place, replaced on the link (`rewrite`) by one that is
 * truncated, oversized, has a wrong CRC, holds a delta that writes past the page, or a block
 * that does not decompress to a page. Each ends the migration `failed` in one line naming the
 * frame and the problem; the destination never built a VM from it (nothing was restored), and
 * the guest goes on at the source as if it had never migrated.
 */
import { describe, expect, it } from "vitest";
import { crc32 } from "../../isa/crc32.js";
import { compressPage } from "../../vmm/migration/compress.js";
import { migrate } from "../../vmm/migration/engine.js";
import { runToEnd } from "../../vmm/migration/machine-vm.js";
import type { MigrationOptions } from "../../vmm/migration/options.js";
import { decodeFrame, encodeFrame } from "../../vmm/migration/stream/codec.js";
import { FRAME_CODE, MAX_PAYLOAD, type FrameOf, type FrameType } from "../../vmm/migration/stream/frames.js";
import { boot, MEMWRITER, recordingHost, reference, type Guest } from "./helpers.js";

const workload: Guest = { label: "memwriter-hostile-encoded", path: MEMWRITER, args: "pages=128 rate=10000 iters=12", vm: "process" };
const at = 3 * 128 * 100;
/** Pre-copy where 28 resent pages go as deltas (xbzrle.test.ts); with compression, every page with data goes compressed. */
const XBZRLE: Omit<MigrationOptions, "host"> = { strategy: "pre-copy", speed: 1_500_000, downtimeTargetNs: 1_500_000, xbzrleCache: 1 << 20 };
const COMPRESS: Omit<MigrationOptions, "host"> = { ...XBZRLE, xbzrleCache: 0, compress: true };

/** The frame with `payload` after a header whose length and CRC are right for it. */
function framed(type: FrameType, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(10 + payload.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = FRAME_CODE[type];
  view.setUint32(2, payload.length, true);
  bytes.set(payload, 10);
  view.setUint32(6, crc32(payload, crc32(bytes.subarray(0, 6))), true);
  return bytes;
}

type Edit = (bytes: Uint8Array, n: number) => Uint8Array;

const truncated: Edit = (bytes) => bytes.slice(0, bytes.length - 3);
const oversized: Edit = (bytes) => {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(2, MAX_PAYLOAD + 1, true);
  return copy;
};
const wrongCrc: Edit = (bytes) => {
  const copy = bytes.slice();
  copy[copy.length - 1]! ^= 0x40;
  return copy;
};

/** Replaces the first forward frame of type `target` by `edit` of it. */
function rewriteFirst(target: FrameType, edit: Edit): (n: number, bytes: Uint8Array) => Uint8Array {
  let done = false;
  return (n, bytes) => {
    if (done || n === 0 || bytes[0] !== FRAME_CODE[target]) return bytes;
    done = true;
    return edit(bytes, n);
  };
}

function attempt(options: Omit<MigrationOptions, "host">, rewrite: (n: number, bytes: Uint8Array) => Uint8Array) {
  const { host, restored } = recordingHost();
  const source = boot(workload);
  source.run(at);
  const result = migrate(source, { host, ...options, faults: { rewrite } });
  return { source, result, restored };
}

/** Refused in one line naming the frame as `type` and the problem; nothing built at B; the guest goes on at A. */
function expectRefused({ source, result, restored }: ReturnType<typeof attempt>, type: FrameType, problem: RegExp): void {
  const s = result.stats;
  expect(s.status, String(s.error)).toBe("failed");
  expect(s.runsOn).toBe("source");
  expect(result.vm).toBe(source);
  expect(restored).toEqual([]);
  expect(s.error).not.toContain("\n");
  const line = s.error!.match(/^migration stream: frame \d+ \((\w+)\): (.+); the guest goes on at the source$/);
  expect(line, s.error!).not.toBeNull();
  expect(line![1]).toBe(type);
  expect(line![2]).toMatch(problem);
  runToEnd(source);
  expect(source.output).toBe(reference(workload).output);
}

describe("hostile frames where pages travel as fewer bytes", () => {
  const framing: [string, Edit, RegExp][] = [
    ["truncated", truncated, /^truncated \(payload needs \d+ bytes, \d+ present\)$/],
    ["oversized", oversized, new RegExp(`^payload length ${MAX_PAYLOAD + 1} exceeds the limit of ${MAX_PAYLOAD}$`)],
    ["with a wrong CRC", wrongCrc, /^checksum mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/],
  ];
  for (const [type, options] of [["xbzrle", XBZRLE], ["compressed", COMPRESS]] as const) {
    it.each(framing)(`${type}: %s`, (_, edit, problem) => {
      expectRefused(attempt(options, rewriteFirst(type, edit)), type, problem);
    });
  }

  it("xbzrle: a delta that writes past the page, or a run longer than a page", () => {
    const past: Edit = (bytes, n) => {
      const frame = decodeFrame(bytes, n - 1) as FrameOf<"xbzrle">;
      // 4090 bytes unchanged (ULEB128 0xfa 0x1f), then 10 changed: 4 past the page's end.
      return encodeFrame({ ...frame, delta: Uint8Array.from([0xfa, 0x1f, 10, ...new Array<number>(10).fill(7)]) });
    };
    expectRefused(attempt(XBZRLE, rewriteFirst("xbzrle", past)), "xbzrle", /^page \d+: malformed delta: .*page/);
    const long: Edit = (bytes, n) => {
      const frame = decodeFrame(bytes, n - 1) as FrameOf<"xbzrle">;
      // one changed run of 5000 bytes (0x88 0x27), with its bytes: more than a page holds
      return encodeFrame({ ...frame, delta: Uint8Array.from([0, 0x88, 0x27, ...new Array<number>(5000).fill(1)]) });
    };
    expectRefused(attempt(XBZRLE, rewriteFirst("xbzrle", long)), "xbzrle", /^page \d+: malformed delta: /);
  });

  it("compressed: a block that decompresses to less than a page, or says it holds more", () => {
    const short: Edit = (bytes, n) => {
      const frame = decodeFrame(bytes, n - 1) as FrameOf<"compressed">;
      const data = compressPage(new Uint8Array(100).fill(3)).slice();
      data.set([0, 16, 0, 0]); // claims a page, holds 100 bytes
      return encodeFrame({ ...frame, data });
    };
    expectRefused(attempt(COMPRESS, rewriteFirst("compressed", short)), "compressed", /^page \d+: malformed compressed page: (decodes to \d+ bytes, not a page \(4096\)|not an LZ4 block \(.+\))$/);
    const claims: Edit = (bytes, n) => {
      const frame = decodeFrame(bytes, n - 1) as FrameOf<"compressed">;
      const data = frame.data.slice();
      data.set([0, 32, 0, 0]);
      return encodeFrame({ ...frame, data });
    };
    expectRefused(attempt(COMPRESS, rewriteFirst("compressed", claims)), "compressed", /^page \d+: malformed compressed page: says it holds 8192 bytes, not a page \(4096\)$/);
  });

  describe("sync (a multifd sync point) in the stream, in place of the first page", () => {
    const sync = encodeFrame({ type: "sync", point: 1, channels: 2 });
    const cases: [string, Uint8Array, RegExp][] = [
      ["well formed", sync, /^is a multifd channel's sync point, and this migration has no channels$/],
      ["truncated", sync.slice(0, sync.length - 2), /^truncated \(payload needs 5 bytes, 3 present\)$/],
      ["oversized", framed("sync", new Uint8Array(9)), /^payload is 9 bytes but its fields take 5$/],
      ["with a wrong CRC", wrongCrc(sync, 0), /^checksum mismatch/],
    ];
    it.each(cases)("%s", (_, bytes, problem) => {
      expectRefused(attempt(XBZRLE, rewriteFirst("page", () => bytes)), "sync", problem);
    });
  });
});
