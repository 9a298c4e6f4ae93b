/**
 * Hostile and random guests next to a well-behaved one: the bad ones end in guest faults or
 * are preempted, the neighbour's output and memory are exactly what they are when it runs
 * alone, and nothing ever throws.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IRQ_CONSOLE, IRQ_TIMER, STATUS_IE, STATUS_KERNEL } from "../../isa/arch.js";
import { UserError } from "../../isa/errors.js";
import { SECTION_EXEC, type GuestImage } from "../../isa/image/model.js";
import type { Machine } from "../../vmm/monitor/machine.js";
import { Scheduler } from "../../vmm/monitor/scheduler.js";
import { createVm } from "../../vmm/monitor/vm.js";
import { Asm, imageOf, R } from "./builder.js";
import { boot, memoryHash, runToEnd } from "./harness.js";
import { preemptiveKernel } from "./kernels.js";

const { zero, a0, t0, t1, t2 } = R;

function reference() {
  const c = boot(createVm, preemptiveKernel());
  runToEnd(c.machine);
  return { output: c.output(), memory: memoryHash(c.machine), ticks: c.machine.cpu.ticks };
}
const REFERENCE = reference();

/** Runs `hostile` between two good VMs; returns the hostile machine after the run. */
function besideGoodOnes(hostile: GuestImage, maxTicks = 1_000_000, quantum = 500): Machine {
  const good = [boot(createVm, preemptiveKernel()), boot(createVm, preemptiveKernel())];
  const bad = boot(createVm, hostile);
  const s = new Scheduler({ quantum, maxTicks });
  s.add(good[0]!.machine);
  s.add(bad.machine);
  s.add(good[1]!.machine);
  s.run();
  for (const g of good) {
    expect(g.output()).toBe(REFERENCE.output);
    expect(memoryHash(g.machine)).toBe(REFERENCE.memory);
    expect(g.machine.cpu.ticks).toBe(REFERENCE.ticks);
  }
  return bad.machine;
}

const hostile: Record<string, () => { image: GuestImage; expect: (m: Machine) => void }> = {
  "writes everywhere, past the end of its memory": () => {
    const k = new Asm(0x1000).li(t0, 0x2000).li(t1, 0xdeadbeef);
    k.label("loop").sw(t1, 0, t0).rri("addi", t0, t0, 4).j("loop");
    return { image: imageOf([k]), expect: (m) => expect(m.ended?.kind).toBe("fault") }; // no tvec: trap loop
  },
  "jumps to garbage": () => {
    const k = new Asm(0x1000).li(t0, 0x7654320).op("jalr", { rd: 0, rs1: t0, imm: 0 });
    return { image: imageOf([k]), expect: (m) => expect(m.ended?.kind).toBe("fault") };
  },
  "tvec outside memory": () => {
    const k = new Asm(0x1000).li(t0, 0x40000000).csrw("tvec", t0).op("brk");
    return {
      image: imageOf([k]),
      expect: (m) => expect(m.ended).toMatchObject({ kind: "fault", reason: expect.stringMatching(/trap loop/) }),
    };
  },
  "privileged instructions from guest user mode": () => {
    const k = new Asm(0x1000).la(t0, "h").csrw("tvec", t0).la(t0, "u").csrw("epc", t0).op("sret");
    k.label("u").op("halt").op("out", { rs1: t0, imm: 0 }).j("u");
    k.label("h").csrr(t1, "epc").rri("addi", t1, t1, 4).csrw("epc", t1).rri("addi", t2, t2, 1).op("sret");
    return { image: imageOf([k]), expect: (m) => expect(m.ended).toBeNull() }; // preempted for ever
  },
  "kernel-mode fault loop": () => {
    const k = new Asm(0x1000).la(t0, "h").csrw("tvec", t0);
    k.label("h").rri("addi", t1, t1, 1).lw(t2, 0x7ff0, zero).lw(t2, -4, zero).j("h");
    return {
      image: imageOf([k]),
      expect: (m) => expect(m.ended).toMatchObject({ kind: "fault", reason: expect.stringMatching(/kernel fault loop/) }),
    };
  },
  "infinite loop": () => ({
    image: imageOf([new Asm(0x1000).label("x").j("x")]),
    expect: (m) => expect(m.ended).toBeNull(),
  }),
  "interrupt storm": () => {
    const k = new Asm(0x1000).la(t0, "h").csrw("tvec", t0).li(t0, IRQ_TIMER | IRQ_CONSOLE).csrw("imask", t0);
    k.csrw("timecmp", zero).li(t0, STATUS_KERNEL | STATUS_IE).csrw("status", t0);
    k.label("x").j("x");
    k.label("h").rri("addi", a0, a0, 1).op("sret"); // timer stays pending: interrupt after every sret
    return {
      image: imageOf([k]),
      expect: (m) => expect(m.stats.snapshot().interrupts["timer-interrupt"]).toBeGreaterThan(50_000),
    };
  },
};

describe("isolation", () => {
  for (const [name, make] of Object.entries(hostile)) {
    it(`${name}: ends or is preempted; neighbours unchanged`, () => {
      const { image, expect: check } = make();
      check(besideGoodOnes(image));
    });
  }

  it("fuzz: random kernels never throw and never disturb a neighbour", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 64 }),
        fc.array(fc.constantFrom(0x53, 0x54, 0x55, 0x56, 0x52, 0x51, 0x57, 0x40, 0x41), { maxLength: 64 }),
        fc.integer({ min: 1, max: 2000 }),
        (words, privilegedOps, quantum) => {
          // Mix random words with well-formed-looking privileged instructions in random registers.
          const mixed = words.map((w, i) => (i < privilegedOps.length ? ((w & 0xffff0f00) | privilegedOps[i]!) >>> 0 : w));
          const k = new Asm(0x1000);
          for (const w of mixed) k.word(w);
          besideGoodOnes(imageOf([k], { entry: 0x1000 }), 60_000, quantum);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("fuzz: random images (sections anywhere, random entry) never throw", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 15 }),
        fc.uint8Array({ minLength: 4, maxLength: 512 }),
        fc.oneof(fc.integer({ min: -1, max: 0x10000 }), fc.integer({ min: 0, max: 0x4000 }).map((x) => x * 4)),
        (page, data, entry) => {
          const bytes = data.subarray(0, data.length & ~3);
          const image: GuestImage = {
            entry,
            memorySize: 64 * 1024,
            flags: 0,
            bootArgs: { address: 0, size: 0 },
            sections: [{ name: "x", address: page * 4096, flags: SECTION_EXEC, data: bytes, size: bytes.length }],
            symbols: [],
          };
          // An image the loader rejects is the user's error, reported as such; any other boots.
          try {
            createVm({ name: "probe", image });
          } catch (error) {
            expect(error).toBeInstanceOf(UserError);
            return;
          }
          besideGoodOnes(image, 40_000, 333);
        },
      ),
      { numRuns: 25 },
    );
  });
});
