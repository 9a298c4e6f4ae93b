/**
 * The destination's CRCs of installed pages: whatever mix of single pages, pages with their own
 * CRCs and runs under one CRC is installed, over one another in any order, the CRC of memory
 * they make is the CRC of the memory's bytes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PAGE_SHIFT, PAGE_SIZE } from "../../isa/arch.js";
import { crc32 } from "../../isa/crc32.js";
import { Memory } from "../../isa/memory.js";
import { InstalledCrcs } from "../../vmm/migration/protocol/installed-crcs.js";
import { pageCrcsOf } from "../../vmm/migration/stream/pages-frame.js";

const PAGES = 12;

type Install = { kind: "page" | "pages" | "run"; first: number; count: number; seed: number };

const install: fc.Arbitrary<Install> = fc
  .record({ kind: fc.constantFrom("page", "pages", "run"), first: fc.nat({ max: PAGES - 1 }), count: fc.integer({ min: 1, max: PAGES }), seed: fc.nat({ max: 255 }) })
  .map((step) => ({ ...step, count: step.kind === "page" ? 1 : Math.min(step.count, PAGES - step.first) }));

function bytesOf(count: number, seed: number): Uint8Array {
  const data = new Uint8Array(count << PAGE_SHIFT);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13 + seed * 7 + (i >>> 9)) & 0xff;
  return data;
}

function apply(memory: Memory, crcs: InstalledCrcs, { kind, first, count, seed }: Install): void {
  const data = bytesOf(count, seed);
  memory.fillPages(first, data);
  if (kind === "page") crcs.page(first, crc32(data));
  else if (kind === "pages") crcs.pages(first, pageCrcsOf(data));
  else crcs.run(first, count, crc32(data));
}

describe("the CRCs of installed pages", () => {
  it("make the CRC of memory as installed, runs overwritten in part or whole included", () => {
    fc.assert(
      fc.property(fc.array(install, { minLength: 1, maxLength: 10 }), (steps) => {
        const memory = new Memory(PAGES * PAGE_SIZE);
        const crcs = new InstalledCrcs(memory);
        expect(crcs.memoryCrc()).toBe(crc32(memory.bytes));
        for (const step of steps) {
          apply(memory, crcs, step);
          expect(crcs.memoryCrc()).toBe(crc32(memory.bytes));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("tell a page changed behind their back", () => {
    const memory = new Memory(PAGES * PAGE_SIZE);
    const crcs = new InstalledCrcs(memory);
    apply(memory, crcs, { kind: "run", first: 2, count: 6, seed: 3 });
    memory.bytes[4 * PAGE_SIZE + 5]! ^= 1;
    expect(crcs.memoryCrc()).not.toBe(crc32(memory.bytes));
  });
});
