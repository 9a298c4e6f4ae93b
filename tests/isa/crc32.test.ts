/** The CRC-32 in use (the table, then native once zlib is worth loading) gives the table-driven loop's results. */
import { describe, expect, it } from "vitest";
import { crc32, crc32Range, nativeCrc32, rustCrc32, TABLE_BYTES, tableCrc32, ZLIB_BYTES, zlibCrc32 } from "../../isa/crc32.js";

/** Deterministic bytes (xorshift32), so a failure repeats. */
function randomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

describe("crc32 against the table", () => {
  it("agrees on random data of many lengths, views at odd offsets included", () => {
    for (const length of [0, 1, 3, 7, 64, 255, ZLIB_BYTES - 1, ZLIB_BYTES, 4106, 65_537]) {
      const buffer = randomBytes(length + 5, length + 1);
      for (const view of [buffer.subarray(0, length), buffer.subarray(5, 5 + length)]) {
        expect(crc32(view), `length ${length}`).toBe(tableCrc32(view));
      }
    }
  });
  it("agrees when continuing from a previous CRC", () => {
    const bytes = randomBytes(10_000, 99);
    for (const start of [0, 1, 0xffffffff, 0x12345678]) {
      expect(crc32(bytes, start)).toBe(tableCrc32(bytes, start));
    }
    expect(crc32(bytes.subarray(4321), crc32(bytes.subarray(0, 4321)))).toBe(tableCrc32(bytes));
  });
  it("goes on agreeing once more than TABLE_BYTES were checked and zlib does the work", () => {
    const bytes = randomBytes(TABLE_BYTES + 4096, 7);
    expect(crc32(bytes)).toBe(tableCrc32(bytes));
    expect(crc32(bytes.subarray(1, 4097), 0x12345678)).toBe(tableCrc32(bytes.subarray(1, 4097), 0x12345678));
    expect(nativeCrc32()?.(bytes)).toBe(tableCrc32(bytes));
  });
  it("each native CRC-32 agrees with the table, continuing one too, at odd offsets", () => {
    const bytes = randomBytes(4096 * 3 + 7, 11);
    expect(rustCrc32(), "@node-rs/crc32 loads on this platform").not.toBeNull();
    for (const native of [rustCrc32()!, zlibCrc32()].filter((f) => f !== null)) {
      for (const [start, end, from] of [[0, 0, 0], [3, 4099, 0], [7, bytes.length, 0x12345678], [1, 2, 0xffffffff]] as const) {
        expect(native(bytes.subarray(start, end), from), `${start}..${end}`).toBe(tableCrc32(bytes.subarray(start, end), from));
      }
    }
  });
  it("crc32Range gives the CRC of the range, continuing a CRC, without a view", () => {
    const bytes = randomBytes(300, 7);
    for (const [start, end, from] of [[0, 0, 0], [10, 18, 0], [3, 300, 0x12345678], [299, 300, 0xffffffff]] as const) {
      expect(crc32Range(bytes, start, end, from), `${start}..${end}`).toBe(crc32(bytes.subarray(start, end), from));
    }
  });
});
