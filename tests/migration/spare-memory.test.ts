/**
 * The memory a VM that left leaves behind is handed, as it was, to the next VM of its size to
 * arrive, once; the destination fills or clears every page of it before the VM is built, so
 * nothing of the last VM reaches the new one, even from a source that leaves pages out.
 */
import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../../isa/arch.js";
import { Memory } from "../../isa/memory.js";
import { migrate } from "../../vmm/migration/engine.js";
import { ANY_HOST } from "../../vmm/migration/index.js";
import { Destination } from "../../vmm/migration/protocol/destination.js";
import { MAIN } from "../../vmm/migration/protocol/events.js";
import { SpareMemory } from "../../vmm/migration/real/spare-memory.js";
import { emptyStats } from "../../vmm/migration/stats.js";
import { FRAME_CODE } from "../../vmm/migration/stream/frames.js";
import { boot, guest } from "./helpers.js";

describe("SpareMemory", () => {
  it("gives a kept buffer once, as the VM left it, to memory of its size only", () => {
    const spare = new SpareMemory();
    const left = new Memory(4 * PAGE_SIZE);
    left.bytes.fill(0xa5);
    spare.give(left);
    expect(spare.take(8 * PAGE_SIZE)).toBeNull();
    const arrived = spare.take(4 * PAGE_SIZE)!;
    expect(arrived.bytes.buffer).toBe(left.bytes.buffer);
    expect(arrived.bytes.every((b) => b === 0xa5)).toBe(true);
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

  it("a buffer of another size is not a memory; one reused is cleared unless told not to", () => {
    expect(() => new Memory(2 * PAGE_SIZE, new ArrayBuffer(PAGE_SIZE))).toThrow(RangeError);
    const buffer = new Uint8Array(PAGE_SIZE).fill(7).buffer;
    expect(new Memory(PAGE_SIZE, buffer.slice(0)).bytes.every((b) => b === 0)).toBe(true);
    expect(new Memory(PAGE_SIZE, buffer, false).bytes.every((b) => b === 7)).toBe(true);
  });
});

describe("a destination on reused memory", () => {
  it("builds the VM with zeros in the pages no frame filled, not the last VM's bytes", () => {
    const source = boot(guest("memwriter"));
    source.run(30_000);
    const frames: Uint8Array[] = [];
    migrate(source, { strategy: "stop-copy", host: ANY_HOST, faults: { rewrite: (_, bytes) => (frames.push(bytes.slice()), bytes) } });
    // A source that says nothing of its zero pages: the memory's CRC still matches, they are zeros there.
    const told = frames.filter((bytes, n) => n === 0 || bytes[0] !== FRAME_CODE.zero);
    expect(told.length).toBeLessThan(frames.length);
    const spare = new SpareMemory();
    const last = new Memory(source.memory.size);
    last.bytes.fill(0xa5);
    spare.give(last);
    const machine = new Destination({ host: ANY_HOST, acks: "frames", urgentLane: true, stallTimeoutNs: 1e9, memory: (size) => spare.take(size) }, emptyStats("stop-copy"));
    for (const bytes of told) machine.handle(0, { kind: "received", lane: MAIN, bytes });
    expect(machine.error).toBeNull();
    expect(machine.vm!.memory.bytes.buffer).toBe(last.bytes.buffer);
    expect(Buffer.from(machine.vm!.memory.bytes).equals(Buffer.from(source.memory.bytes))).toBe(true);
  });
});
