import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../../isa/arch.js";
import { crc32 } from "../../isa/crc32.js";
import { decodePageFrame, encodePageFrame } from "../../vmm/migration/stream/codec.js";
import { appendPageCrc, memoryCrcOf, ZERO_PAGE_CRC, zeroPageCrcs } from "../../vmm/migration/stream/page-crc.js";

const page = fc.uint8Array({ minLength: PAGE_SIZE, maxLength: PAGE_SIZE });

describe("CRCs made from pages' CRCs", () => {
  it("give the CRC of the bytes before a page and the page together", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), page, (head, data) => {
        const whole = new Uint8Array(head.length + PAGE_SIZE);
        whole.set(head);
        whole.set(data, head.length);
        expect(appendPageCrc(crc32(head), crc32(data))).toBe(crc32(whole));
      }),
      { numRuns: 100 },
    );
  });

  it("give the CRC of all memory from its pages', zero pages included", () => {
    fc.assert(
      fc.property(fc.array(fc.option(page), { minLength: 1, maxLength: 12 }), (pages) => {
        const memory = new Uint8Array(pages.length * PAGE_SIZE);
        const crcs = zeroPageCrcs(pages.length);
        pages.forEach((data, p) => {
          if (!data) return;
          memory.set(data, p * PAGE_SIZE);
          crcs[p] = crc32(data);
        });
        expect(memoryCrcOf(crcs)).toBe(crc32(memory));
      }),
      { numRuns: 50 },
    );
    expect(ZERO_PAGE_CRC).toBe(crc32(new Uint8Array(PAGE_SIZE)));
  });

  it("let a page frame be decoded with its page's CRC, and refuse a damaged one", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), page, fc.nat({ max: PAGE_SIZE + 17 }), (index, round, data, flip) => {
        const bytes = encodePageFrame(index, round, data).slice();
        expect(decodePageFrame(bytes)).toEqual({ frame: { type: "page", index, round, data }, pageCrc: crc32(data) });
        bytes[flip]! ^= 1;
        expect(decodePageFrame(bytes)).toBeNull();
      }),
      { numRuns: 100 },
    );
  });
});
