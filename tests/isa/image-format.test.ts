import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32 } from "../../isa/crc32.js";
import { UserError } from "../../isa/errors.js";
import { decodeImage, encodeImage } from "../../isa/image/format.js";
import { SECTION_EXEC, SECTION_WRITE, SECTION_ZERO, type GuestImage } from "../../isa/image/model.js";

function sampleImage(): GuestImage {
  return {
    entry: 0x1000,
    memorySize: 1 << 20,
    flags: 0,
    bootArgs: { address: 0x8000, size: 256 },
    sections: [
      { name: ".text", address: 0x1000, flags: SECTION_EXEC, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), size: 8 },
      { name: ".data", address: 0x2000, flags: SECTION_WRITE, data: new TextEncoder().encode("hello\n"), size: 6 },
      { name: ".bss", address: 0x3000, flags: SECTION_WRITE | SECTION_ZERO, data: new Uint8Array(0), size: 0x100 },
    ],
    symbols: [
      { name: "start", address: 0x1000 },
      { name: "message", address: 0x2000 },
      { name: "größe", address: 0xffffffff },
    ],
  };
}

/** Runs `f`; returns null when it succeeds, the message when it throws a one-line UserError. */
function userErrorOf(f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    expect(error.message).not.toContain("\n");
    return error.message;
  }
}

describe("crc32", () => {
  it("matches the standard check value", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
  it("can continue over split input", () => {
    const bytes = new TextEncoder().encode("the quick brown fox");
    expect(crc32(bytes.subarray(7), crc32(bytes.subarray(0, 7)))).toBe(crc32(bytes));
  });
});

describe("image encoding", () => {
  it("starts with the magic and version 1", () => {
    const bytes = encodeImage(sampleImage());
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe("TOYVMM");
    expect([bytes[6], bytes[7], bytes[8], bytes[9]]).toEqual([0, 0, 1, 0]);
  });

  it("round-trips the sample image and re-encodes byte for byte", () => {
    const bytes = encodeImage(sampleImage());
    const decoded = decodeImage(bytes, "sample.tvm");
    expect(decoded).toEqual(sampleImage());
    expect(encodeImage(decoded)).toEqual(bytes);
  });

  it("round-trips an image with no sections, symbols or boot args", () => {
    const image: GuestImage = { entry: 0, memorySize: 4096, flags: 0, bootArgs: { address: 0, size: 0 }, sections: [], symbols: [] };
    expect(decodeImage(encodeImage(image), "empty.tvm")).toEqual(image);
  });

  it("round-trips arbitrary valid images", () => {
    fc.assert(
      fc.property(arbitraryImage(), (image) => {
        const bytes = encodeImage(image);
        expect(decodeImage(bytes, "any.tvm")).toEqual(image);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses to encode an invalid image", () => {
    const overlapping = sampleImage();
    overlapping.sections[1]!.address = 0x1004;
    expect(userErrorOf(() => encodeImage(overlapping, "out.tvm"))).toBe(
      "out.tvm: sections .text (0x1000..0x1008) and .data (0x1004..0x100a) overlap",
    );
    const badSize = sampleImage();
    badSize.memorySize = 5000;
    expect(userErrorOf(() => encodeImage(badSize, "out.tvm"))).toBe(
      "out.tvm: memory size 0x1388 is not a positive multiple of 4096",
    );
  });
});

describe("image decoding errors", () => {
  const good = encodeImage(sampleImage());

  /** A copy of the sample with `edit` applied to its bytes and the checksum fixed up. */
  function resealed(edit: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
    const bytes = good.slice();
    const view = new DataView(bytes.buffer);
    edit(view, bytes);
    view.setUint32(10, crc32(bytes.subarray(14)), true);
    return bytes;
  }

  it("names each kind of damage", () => {
    expect(userErrorOf(() => decodeImage(new TextEncoder().encode("#!/bin/sh\n"), "prog.tvm"))).toBe(
      "prog.tvm: not a toyvmm image (bad magic)",
    );
    expect(userErrorOf(() => decodeImage(new Uint8Array(0), "prog.tvm"))).toBe("prog.tvm: not a toyvmm image (bad magic)");
    expect(userErrorOf(() => decodeImage(good.subarray(0, 20), "prog.tvm"))).toBe(
      "prog.tvm: truncated at byte 20 (header needs 26 more bytes)",
    );
    expect(userErrorOf(() => decodeImage(good.subarray(0, 100), "prog.tvm"))).toBe(
      `prog.tvm: truncated at byte 100 (the header says the image is ${good.length} bytes)`,
    );
    const newer = good.slice();
    newer[8] = 7;
    expect(userErrorOf(() => decodeImage(newer, "prog.tvm"))).toBe(
      "prog.tvm: image format version 7 is newer than this toyvmm supports (1)",
    );
    const flipped = good.slice();
    flipped[60] ^= 0x10;
    expect(userErrorOf(() => decodeImage(flipped, "prog.tvm"))).toMatch(
      /^prog\.tvm: checksum mismatch \(stored 0x[0-9a-f]+, computed 0x[0-9a-f]+\)$/,
    );
    const longer = new Uint8Array(good.length + 3);
    longer.set(good);
    expect(userErrorOf(() => decodeImage(longer, "prog.tvm"))).toBe(
      `prog.tvm: 3 unexpected bytes after the image's end at byte ${good.length}`,
    );
  });

  it("checks the image's rules even when the checksum is right", () => {
    // Header fields: totalLength 14, flags 18, entry 22, memorySize 26, bootArgs 30/34, counts 38/42.
    expect(userErrorOf(() => decodeImage(resealed((v) => v.setUint32(22, 0x200000, true)), "p.tvm"))).toBe(
      "p.tvm: entry 0x200000 is outside memory (0x100000 bytes)",
    );
    expect(userErrorOf(() => decodeImage(resealed((v) => v.setUint32(26, 0x1000, true)), "p.tvm"))).toBe(
      "p.tvm: entry 0x1000 is outside memory (0x1000 bytes)",
    );
    expect(userErrorOf(() => decodeImage(resealed((v) => v.setUint32(26, 0x80000000, true)), "p.tvm"))).toBe(
      "p.tvm: memory size 0x80000000 is larger than the maximum 0x40000000",
    );
    expect(userErrorOf(() => decodeImage(resealed((v) => v.setUint32(18, 4, true)), "p.tvm"))).toBe(
      "p.tvm: unknown image flags 0x4",
    );
    expect(userErrorOf(() => decodeImage(resealed((v) => v.setUint32(30, 0x2000, true)), "p.tvm"))).toBe(
      "p.tvm: boot-args area 0x2000..0x2100 overlaps section .data",
    );
    expect(userErrorOf(() => decodeImage(resealed((v) => v.setUint32(38, 1000, true)), "p.tvm"))).toMatch(
      /^p\.tvm: truncated at byte \d+ \((section|symbol) \d+ needs \d+ more bytes, starting in its (name|address|flags|size|fileOffset|fileLength)\)$/,
    );
    // First section entry: name length at 46, ".text" at 48..52, address at 53.
    expect(userErrorOf(() => decodeImage(resealed((v) => v.setUint32(53, 0xffffc, true)), "p.tvm"))).toBe(
      "p.tvm: section .text (0xffffc..0x100004) is outside memory (0x100000 bytes)",
    );
    expect(userErrorOf(() => decodeImage(resealed((_, b) => (b[48] = 0xff)), "p.tvm"))).toBe(
      "p.tvm: section 0 has a name that is not valid UTF-8",
    );
  });

  it("keeps a message on one line when a name holds a line break", () => {
    const image = sampleImage();
    image.sections[1]!.name = "da\nta";
    image.sections[1]!.address = 0x1004;
    expect(userErrorOf(() => encodeImage(image, "out.tvm"))).toBe(
      "out.tvm: sections .text (0x1000..0x1008) and da\\x0ata (0x1004..0x100a) overlap",
    );
  });

  it("reports every truncation of the sample as a one-line UserError", () => {
    for (let length = 0; length < good.length; length++) {
      expect(userErrorOf(() => decodeImage(good.subarray(0, length), "cut.tvm"))).toMatch(/^cut\.tvm: /);
    }
  });

  it("detects every single-bit flip", () => {
    for (let bit = 0; bit < good.length * 8; bit++) {
      const bytes = good.slice();
      bytes[bit >> 3] ^= 1 << (bit & 7);
      expect(userErrorOf(() => decodeImage(bytes, "flip.tvm"))).toMatch(/^flip\.tvm: /);
    }
  });

  it("gives a valid image or a UserError for random mutations, resealed or not", () => {
    const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(mutation, fc.boolean(), fc.nat(), (edits, reseal, cut) => {
        const apply = (_: DataView, b: Uint8Array) => {
          for (const [at, value] of edits) b[at % b.length] = value;
        };
        let bytes = reseal ? resealed(apply) : good.slice();
        if (!reseal) apply(new DataView(bytes.buffer), bytes);
        if (cut % 3 === 0) bytes = bytes.subarray(0, cut % (bytes.length + 1));
        const message = userErrorOf(() => decodeImage(bytes, "fuzz.tvm"));
        if (message !== null) expect(message).toMatch(/^fuzz\.tvm: /);
      }),
      { numRuns: 2000 },
    );
  });

  it("gives a valid image or a UserError for random bytes after a valid prologue", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (tail) => {
        const bytes = new Uint8Array(14 + tail.length);
        bytes.set(good.subarray(0, 10));
        bytes.set(tail, 14);
        new DataView(bytes.buffer).setUint32(10, crc32(bytes.subarray(14)), true);
        const message = userErrorOf(() => decodeImage(bytes, "rand.tvm"));
        if (message !== null) expect(message).toMatch(/^rand\.tvm: /);
      }),
      { numRuns: 2000 },
    );
  });
});

/** Valid images: page-multiple memory, disjoint sections inside it, boot args clear of them. */
function arbitraryImage(): fc.Arbitrary<GuestImage> {
  const name = fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 });
  const section = fc.record({
    name,
    zero: fc.boolean(),
    flags: fc.integer({ min: 0, max: SECTION_EXEC | SECTION_WRITE }),
    gap: fc.integer({ min: 0, max: 64 }),
    data: fc.uint8Array({ maxLength: 48 }),
    bssSize: fc.integer({ min: 0, max: 5000 }),
  });
  return fc
    .record({
      sections: fc.array(section, { maxLength: 5 }),
      symbols: fc.array(fc.record({ name, address: fc.nat({ max: 0xffffffff }) }), { maxLength: 6 }),
      extraPages: fc.integer({ min: 0, max: 3 }),
      entryWord: fc.nat(),
      bootArgsSize: fc.integer({ min: 0, max: 300 }),
    })
    .map(({ sections, symbols, extraPages, entryWord, bootArgsSize }) => {
      let address = 0;
      const placed = sections.map((s) => {
        address += s.gap;
        const size = s.zero ? s.bssSize : s.data.length;
        const result = {
          name: s.name,
          address,
          flags: s.flags | (s.zero ? SECTION_ZERO : 0),
          data: s.zero ? new Uint8Array(0) : s.data,
          size,
        };
        address += size;
        return result;
      });
      const bootArgs = bootArgsSize > 0 ? { address, size: bootArgsSize } : { address: 0, size: 0 };
      address += bootArgsSize;
      const memorySize = (Math.ceil((address + 1) / 4096) + extraPages) * 4096;
      return { entry: (entryWord % (memorySize / 4)) * 4, memorySize, flags: 0, bootArgs, sections: placed, symbols };
    });
}
