import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UserError } from "../../isa/errors.js";
import {
  encodeRecord,
  measureRecord,
  readRecord,
  recordFormat,
  recordSize,
  textFits,
  writeRecord,
  type Field,
  type RecordFormat,
} from "../../isa/binary/record.js";

type AnyFormat = RecordFormat<readonly Field[]>;
type AnyRecord = Record<string, unknown>;
const place = { source: "in.bin", record: "entry 3" };

/** Every kind of field, with a generator for its values. */
const KINDS: { make: (key: string) => Field; value: fc.Arbitrary<unknown> }[] = [
  { make: (key) => ({ key, type: "u8" }), value: fc.nat({ max: 0xff }) },
  { make: (key) => ({ key, type: "u16" }), value: fc.nat({ max: 0xffff }) },
  { make: (key) => ({ key, type: "u32" }), value: fc.nat({ max: 0xffffffff }) },
  { make: (key) => ({ key, type: "bytes", length: 5 }), value: fc.uint8Array({ minLength: 5, maxLength: 5 }) },
  { make: (key) => ({ key, type: "bytes", length: "u16" }), value: fc.uint8Array({ maxLength: 40 }) },
  { make: (key) => ({ key, type: "bytes", length: "u32" }), value: fc.uint8Array({ maxLength: 40 }) },
  { make: (key) => ({ key, type: "text", length: "u16" }), value: fc.string({ unit: "grapheme", maxLength: 12 }) },
  { make: (key) => ({ key, type: "text", length: "u32" }), value: fc.string({ unit: "grapheme", maxLength: 12 }) },
];

/** A random field table (keys f0, f1, …) and a record that fits it. */
const tableAndRecord = fc
  .array(fc.nat({ max: KINDS.length - 1 }), { minLength: 1, maxLength: 8 })
  .chain((kinds) => {
    const fields = kinds.map((k, i) => KINDS[k]!.make(`f${i}`));
    const values = kinds.map((k) => KINDS[k]!.value);
    return fc.tuple(fc.constant(fields), fc.tuple(...values)).map(([fields, values]) => {
      const record: AnyRecord = {};
      fields.forEach((f, i) => (record[f.key] = values[i]));
      return { format: recordFormat(fields) as AnyFormat, record };
    });
  });

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    expect(error.message).not.toContain("\n");
    return error.message;
  }
  throw new Error("no error");
}

describe("binary records", () => {
  it("writes the documented little-endian layout", () => {
    const format = recordFormat([
      { key: "a", type: "u8" },
      { key: "b", type: "u16" },
      { key: "c", type: "u32" },
      { key: "magic", type: "bytes", length: 2 },
      { key: "name", type: "text", length: "u16" },
      { key: "blob", type: "bytes", length: "u32" },
    ]);
    const record = { a: 1, b: 0x0302, c: 0x07060504, magic: new Uint8Array([0xaa, 0xbb]), name: "hé", blob: new Uint8Array([9]) };
    const bytes = encodeRecord(format, record);
    expect([...bytes]).toEqual([1, 2, 3, 4, 5, 6, 7, 0xaa, 0xbb, 3, 0, 0x68, 0xc3, 0xa9, 1, 0, 0, 0, 9]);
    expect(format.minimumSize).toBe(1 + 2 + 4 + 2 + 2 + 4);
    expect(recordSize(format, record)).toBe(bytes.length);
    expect(readRecord(format, bytes, 0, place)).toEqual({ record, end: bytes.length });
  });

  it("round-trips every field kind, at any offset inside a larger buffer", () => {
    fc.assert(
      fc.property(tableAndRecord, fc.nat({ max: 7 }), fc.nat({ max: 7 }), ({ format, record }, before, after) => {
        const size = recordSize(format, record as never);
        const buffer = new Uint8Array(before + size + after + 3).subarray(3); // a view with a byteOffset
        expect(writeRecord(format, record as never, buffer, before)).toBe(before + size);
        expect(buffer.subarray(before, before + size)).toEqual(encodeRecord(format, record as never));
        const read = readRecord(format, buffer, before, place);
        expect(read.end).toBe(before + size);
        expect(read.record).toEqual(record);
        expect(measureRecord(format, buffer, before, place)).toBe(size);
      }),
      { numRuns: 500 },
    );
  });

  it("gives byte arrays that are copies, not views of the input", () => {
    const format = recordFormat([{ key: "data", type: "bytes", length: 3 }]);
    const bytes = new Uint8Array([1, 2, 3]);
    const { record } = readRecord(format, bytes, 0, place);
    bytes[0] = 99;
    expect(record.data).toEqual(new Uint8Array([1, 2, 3]));
    expect(record.data).not.toBeInstanceOf(Buffer);
  });

  it("names the source, the record and the field where any cut falls", () => {
    fc.assert(
      fc.property(tableAndRecord, fc.nat(), ({ format, record }, cutSeed) => {
        const bytes = encodeRecord(format, record as never);
        const cut = cutSeed % bytes.length;
        // The field the cut falls in: the first whose end lies past it.
        let end = 0;
        const field = format.fields.find((f) => {
          end += recordSize(recordFormat([f]), { [f.key]: record[f.key] } as never);
          return end > cut;
        })!;
        const message = errorOf(() => readRecord(format, bytes.subarray(0, cut), 0, place));
        expect(message).toMatch(
          new RegExp(`^in\\.bin: truncated at byte ${cut} \\(entry 3 needs \\d+ more bytes, starting in its ${field.key}\\)$`),
        );
      }),
      { numRuns: 500 },
    );
  });

  it("counts the missing bytes from the length prefixes that are present", () => {
    const format = recordFormat([
      { key: "id", type: "u32" },
      { key: "name", type: "text", length: "u16" },
      { key: "flags", type: "u8" },
    ]);
    const bytes = encodeRecord(format, { id: 7, name: "abcdef", flags: 1 });
    expect(errorOf(() => readRecord(format, bytes.subarray(0, 8), 0, place))).toBe(
      "in.bin: truncated at byte 8 (entry 3 needs 5 more bytes, starting in its name)",
    );
    // With the prefix itself cut, the record is as long as the fields we can count.
    expect(errorOf(() => readRecord(format, bytes.subarray(0, 5), 0, place))).toBe(
      "in.bin: truncated at byte 5 (entry 3 needs 2 more bytes, starting in its name)",
    );
    const shifted = new Uint8Array(bytes.length); // the record at offset 1, last byte missing
    shifted.set(bytes.subarray(0, bytes.length - 1), 1);
    expect(errorOf(() => readRecord(format, shifted, 1, place))).toBe(
      "in.bin: truncated at byte 13 (entry 3 needs 1 more bytes, starting in its flags)",
    );
    // A length prefix far beyond the input is a truncation, not an allocation.
    const huge = recordFormat([{ key: "blob", type: "bytes", length: "u32" }]);
    expect(errorOf(() => readRecord(huge, new Uint8Array([0xff, 0xff, 0xff, 0xff, 1]), 0, place))).toBe(
      "in.bin: truncated at byte 5 (entry 3 needs 4294967294 more bytes, starting in its blob)",
    );
  });

  it("refuses text that is not UTF-8, naming the field", () => {
    const format = recordFormat([{ key: "label", type: "text", length: "u32" }]);
    expect(errorOf(() => readRecord(format, new Uint8Array([2, 0, 0, 0, 0xc3, 0x28]), 0, place))).toBe(
      "in.bin: entry 3 has a label that is not valid UTF-8",
    );
  });

  it("reads any bytes as a record or a one-line UserError", () => {
    fc.assert(
      fc.property(tableAndRecord, fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 8 }), ({ format }, bytes, offset) => {
        try {
          const { end } = readRecord(format, bytes, offset, place);
          expect(end).toBeLessThanOrEqual(bytes.length);
        } catch (error) {
          expect(error).toBeInstanceOf(UserError);
          expect((error as Error).message).toMatch(/^in\.bin: [^\n]+$/);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("refuses to write values that do not fit their field (a caller's bug)", () => {
    const fixed = recordFormat([{ key: "page", type: "bytes", length: 4 }]);
    expect(() => encodeRecord(fixed, { page: new Uint8Array(3) })).toThrow(RangeError);
    const short = recordFormat([{ key: "name", type: "text", length: "u16" }]);
    expect(() => encodeRecord(short, { name: "x".repeat(0x10000) })).toThrow(RangeError);
    expect(encodeRecord(short, { name: "x".repeat(0xffff) }).length).toBe(2 + 0xffff);
  });

  it("refuses a fixed-length field of no bytes when the table is defined", () => {
    expect(() => recordFormat([{ key: "nothing", type: "bytes", length: 0 }])).toThrow(RangeError);
  });

  it("tells which text a field can store exactly", () => {
    expect(textFits("größe", "u16")).toBe(true);
    expect(textFits("x".repeat(0xffff), "u16")).toBe(true);
    expect(textFits("x".repeat(0x10000), "u16")).toBe(false);
    expect(textFits("x".repeat(0x10000), "u32")).toBe(true);
    expect(textFits("bad \ud800 surrogate", "u32")).toBe(false);
  });
});
