/**
 * The tunnel's framing (vmm/net/tunnel-codec.ts): frames come back whole however the stream is
 * cut, and a malformed stream is an error naming the byte, with at most one frame held.
 */
import { describe, expect, it } from "vitest";
import { encodeTunnelFrame, TunnelDecoder, TunnelError, tunnelHello } from "../../vmm/net/tunnel-codec.js";
import { prng } from "../helpers/prng.js";

const frameOf = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const hex = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString("hex"));

describe("the tunnel codec", () => {
  it("gives back every frame, whole and in order, cut at every byte and at random", () => {
    const frames = [14, 60, 1514, 100, 14].map(frameOf);
    const stream = concat([tunnelHello(), ...frames.map(encodeTunnelFrame)]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new TunnelDecoder();
      expect(hex([...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))])).toEqual(hex(frames));
    }
    const random = prng(7);
    const decoder = new TunnelDecoder();
    const got: Uint8Array[] = [];
    for (let at = 0; at < stream.length; ) {
      const n = 1 + Math.floor(random() * 40);
      got.push(...decoder.push(stream.subarray(at, at + n)));
      at += n;
    }
    expect(got).toEqual(frames);
  });

  it("refuses another stream, another version and lengths no frame has, naming the byte", () => {
    const fails = (bytes: Uint8Array) => {
      try {
        new TunnelDecoder().push(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(TunnelError);
        return (error as Error).message;
      }
      return "no error";
    };
    expect(fails(new TextEncoder().encode("GET / HTTP/1.0\r\n"))).toBe("byte 0: not a toyvmm network tunnel (no TVMNET hello)");
    const v2 = tunnelHello();
    v2[7] = 2;
    expect(fails(v2)).toBe("byte 6: tunnel version 2, this host speaks 1");
    for (const length of [0, 13, 1515, 65535]) {
      expect(fails(concat([tunnelHello(), encodeTunnelFrame(frameOf(60, 1)), Uint8Array.of(length >> 8, length & 0xff)]))).toBe(`byte 70: a frame of ${length} bytes (a frame has 14 to 1514)`);
    }
    expect(() => encodeTunnelFrame(new Uint8Array(1515))).toThrow(RangeError);
  });
});
