import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../../isa/arch.js";
import { UserError } from "../../isa/errors.js";
import { decodeFrame, decodeStream, encodeFrame, encodePageFrame, encodeStream } from "../../vmm/migration/stream/codec.js";
import type { Frame } from "../../vmm/migration/stream/frames.js";
import { errorOf } from "./helpers.js";

const u32 = fc.nat({ max: 0xffffffff });
const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ type: fc.constant("setup" as const), name: fc.string(), memorySize: u32, pageSize: u32, strategy: fc.nat({ max: 255 }), config: fc.json() }),
  fc.record({ type: fc.constant("page" as const), index: u32, round: u32, data: fc.uint8Array({ minLength: PAGE_SIZE, maxLength: PAGE_SIZE }) }),
  fc.record({ type: fc.constant("zero" as const), first: u32, count: u32, round: u32 }),
  fc.record({ type: fc.constant("round" as const), round: u32, pages: u32 }),
  fc.record({ type: fc.constant("state" as const), json: fc.json() }),
  fc.record({ type: fc.constant("complete" as const), pages: u32, checkMemory: fc.nat({ max: 1 }), memoryCrc: u32 }),
  fc.record({ type: fc.constant("request" as const), index: u32 }),
  fc.record({ type: fc.constant("resume" as const), missing: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ type: fc.constant("started" as const), stateCrc: u32 }),
);

describe("migration stream", () => {
  it("round-trips every frame type", () => {
    fc.assert(fc.property(frameArb, (frame) => {
      expect(decodeFrame(encodeFrame(frame), 0)).toEqual(frame);
    }), { numRuns: 300 });
  });

  it("writes page frames on the straight path byte for byte as the field table does, and reads them back", () => {
    fc.assert(
      fc.property(u32, u32, fc.uint8Array({ minLength: PAGE_SIZE, maxLength: PAGE_SIZE }), (index, round, data) => {
        const straight = encodePageFrame(index, round, data);
        expect(straight).toEqual(encodeFrame({ type: "page", index, round, data }));
        expect(decodeFrame(straight, 0)).toEqual({ type: "page", index, round, data });
      }),
      { numRuns: 100 },
    );
  });

  it("round-trips whole streams", () => {
    fc.assert(fc.property(fc.array(frameArb, { maxLength: 8 }), (frames) => {
      expect(decodeStream(encodeStream(frames))).toEqual(frames);
    }), { numRuns: 50 });
  });

  it("names the frame and the problem for a flipped byte", () => {
    const frames: Frame[] = Array.from({ length: 13 }, (_, i) => ({ type: "round", round: i, pages: i }));
    frames[12] = { type: "page", index: 3, round: 1, data: new Uint8Array(PAGE_SIZE).fill(7) };
    const bytes = encodeStream(frames);
    bytes[bytes.length - 5]! ^= 0x10;
    expect(errorOf(() => decodeStream(bytes))).toMatch(/^migration stream: frame 12 \(page\): checksum mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/);
  });

  it("reports truncation, bad magic and unknown types in one line, for any cut or damage", () => {
    const bytes = encodeStream([{ type: "state", json: '{"a":1}' }, { type: "request", index: 4 }]);
    expect(errorOf(() => decodeStream(bytes.subarray(0, bytes.length - 2)))).toBe(
      "migration stream: frame 1 (request): truncated (payload needs 4 bytes, 2 present)",
    );
    expect(errorOf(() => decodeStream(new Uint8Array([1, 2, 3])))).toBe("migration stream: not a toyvmm migration stream (bad magic)");
    const unknown = bytes.slice();
    unknown[8] = 99;
    expect(errorOf(() => decodeStream(unknown))).toBe("migration stream: frame 0: unknown frame type 99");
    fc.assert(
      fc.property(fc.nat({ max: bytes.length }), fc.nat({ max: bytes.length - 1 }), fc.nat({ max: 255 }), (cut, at, value) => {
        const damaged = bytes.slice(0, cut);
        if (at < damaged.length) damaged[at] = value;
        try {
          decodeStream(damaged);
        } catch (error) {
          expect(error).toBeInstanceOf(UserError);
          expect((error as Error).message).not.toContain("\n");
        }
      }),
    );
  });
});
