/** The memory a VM that left leaves behind is handed, cleared, to the next VM of its size to arrive, once. */
import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../../isa/arch.js";
import { Memory } from "../../isa/memory.js";
import { SpareMemory } from "../../vmm/migration/real/spare-memory.js";

describe("SpareMemory", () => {
  it("gives a kept buffer once, all zeros, to memory of its size only", () => {
    const spare = new SpareMemory();
    const left = new Memory(4 * PAGE_SIZE);
    left.bytes.fill(0xa5);
    spare.give(left);
    expect(spare.take(8 * PAGE_SIZE)).toBeNull();
    const arrived = spare.take(4 * PAGE_SIZE)!;
    expect(arrived.bytes.buffer).toBe(left.bytes.buffer);
    expect(arrived.bytes.every((b) => b === 0)).toBe(true);
    expect(arrived.dirty.every((d) => d === 0) && arrived.missing.every((m) => m === 0)).toBe(true);
    expect(spare.take(4 * PAGE_SIZE)).toBeNull();
  });

  it("keeps one buffer, the last given, and none once dropped", () => {
    const spare = new SpareMemory();
    spare.give(new Memory(PAGE_SIZE));
    spare.give(new Memory(2 * PAGE_SIZE));
    expect(spare.take(PAGE_SIZE)).toBeNull();
    spare.drop();
    expect(spare.take(2 * PAGE_SIZE)).toBeNull();
  });

  it("a buffer of another size is not a memory", () => {
    expect(() => new Memory(2 * PAGE_SIZE, new ArrayBuffer(PAGE_SIZE))).toThrow(RangeError);
  });
});
