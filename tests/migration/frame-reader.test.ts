/**
 * The frame reader cuts a byte stream, however it is chunked, back into the sender's frames;
 * with `reuse` (as every Lane reads) a frame that spans chunks is gathered into the reader's
 * one buffer, and each frame is still whole and right when its consumer reads it at once —
 * also when each chunk is lent (one read buffer, overwritten by the next read) and `keep()`
 * follows it, with frames left unread for a while as a held lane leaves them.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameReader } from "../../vmm/migration/real/frame-reader.js";
import { encodeFrame, encodePrologue } from "../../vmm/migration/stream/codec.js";
import { PAGES_HEAD_BYTES } from "../../vmm/migration/stream/pages-frame.js";

/** A prologue and frames of many sizes, the largest spanning several chunks. */
function stream(sizes: number[]): { bytes: Uint8Array; frames: Uint8Array[] } {
  const frames = [encodePrologue(), ...sizes.map((n, i) => encodeFrame({ type: "pages", first: i, round: 0, data: new Uint8Array(n * 4096).fill(i + 1) }))];
  return { bytes: Buffer.concat(frames), frames };
}

/** The frames `reader` gives for `bytes` cut at `cuts`, each copied as it comes (as a consumer reads it at once). */
function read(reader: FrameReader, bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const end of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    reader.push(bytes.subarray(at, end));
    at = end;
    for (let frame = reader.next(); frame; frame = reader.next()) out.push(frame.slice());
  }
  return out;
}

/**
 * As a lane reading into place reads (real/lane.ts): whenever a frame's head is in and its rest
 * is not, the head is taken, what the reader holds of the rest handed over, and the bytes after
 * go straight to the frame's own buffer until it is whole; the reader gets the bytes after that.
 */
function readPlacing(reader: FrameReader, bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  const head = new Uint8Array(PAGES_HEAD_BYTES);
  let placing: { frame: Uint8Array; filled: number } | null = null;
  let at = 0;
  for (const end of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    let chunk = bytes.subarray(at, end);
    at = end;
    if (placing) {
      const n = Math.min(chunk.length, placing.frame.length - placing.filled);
      placing.frame.set(chunk.subarray(0, n), placing.filled);
      placing.filled += n;
      chunk = chunk.subarray(n);
      if (placing.filled < placing.frame.length) continue;
      out.push(placing.frame);
      placing = null;
    }
    reader.push(chunk);
    for (let frame = reader.next(); frame; frame = reader.next()) out.push(frame.slice());
    if (reader.headAhead(head)) {
      const length = new DataView(head.buffer).getUint32(2, true);
      const frame = new Uint8Array(10 + length);
      frame.set(head);
      placing = { frame, filled: PAGES_HEAD_BYTES + reader.handOver(PAGES_HEAD_BYTES, frame.subarray(PAGES_HEAD_BYTES)) };
      expect(reader.bufferedBytes).toBe(0);
    }
  }
  return out;
}

describe("the frame reader", () => {
  it("hands a frame begun over to a consumer that reads its rest itself, and goes on after it", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (sizes, cuts) => {
        const { bytes, frames } = stream(sizes);
        const reader = new FrameReader(true, 1 << 20, "test");
        reader.reuse = true;
        const got = readPlacing(reader, bytes, cuts.map((c) => c % bytes.length));
        expect(got.map((f) => Buffer.from(f).toString("hex"))).toEqual(frames.map((f) => Buffer.from(f).toString("hex")));
      }),
      { numRuns: 200 },
    );
  });

  it("gives the sender's frames however the stream is chunked, gathering into its own buffer or not", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), (sizes, cuts, reuse) => {
        const { bytes, frames } = stream(sizes);
        const reader = new FrameReader(true, 1 << 20, "test");
        reader.reuse = reuse;
        const got = read(reader, bytes, cuts.map((c) => c % bytes.length));
        expect(got.map((f) => Buffer.from(f).toString("hex"))).toEqual(frames.map((f) => Buffer.from(f).toString("hex")));
      }),
      { numRuns: 80 },
    );
  });

  it("gives the sender's frames from lent chunks, kept between reads, read at once or held", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.boolean(), { maxLength: 13 }),
        (sizes, cuts, held) => {
          const { bytes, frames } = stream(sizes);
          const reader = new FrameReader(true, 1 << 20, "test");
          reader.reuse = true;
          const lent = new Uint8Array(bytes.length);
          const out: Uint8Array[] = [];
          let at = 0;
          const ends = [...cuts.map((c) => c % bytes.length).filter((c) => c > 0).sort((a, b) => a - b), bytes.length];
          for (const [i, end] of ends.entries()) {
            if (end === at) continue;
            lent.set(bytes.subarray(at, end));
            reader.push(lent.subarray(0, end - at));
            at = end;
            if (!held[i] || end === bytes.length) for (let frame = reader.next(); frame; frame = reader.next()) out.push(frame.slice());
            reader.keep();
            lent.fill(0xee); // the next read overwrites the buffer
          }
          expect(out.map((f) => Buffer.from(f).toString("hex"))).toEqual(frames.map((f) => Buffer.from(f).toString("hex")));
        },
      ),
      { numRuns: 80 },
    );
  });

  it("with reuse, frames that span chunks share one buffer; without, each has its own", () => {
    const { bytes } = stream([4, 4]);
    const frames = (reuse: boolean) => {
      const reader = new FrameReader(true, 1 << 20, "test");
      reader.reuse = reuse;
      const out: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += 1000) {
        reader.push(bytes.subarray(at, at + 1000));
        for (let frame = reader.next(); frame; frame = reader.next()) out.push(frame);
      }
      return out.slice(1);
    };
    const [a, b] = frames(true);
    expect(a!.buffer).toBe(b!.buffer);
    const [c, d] = frames(false);
    expect(c!.buffer).not.toBe(d!.buffer);
  });
});
