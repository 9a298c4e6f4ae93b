/**
 * The guest's TLB under the monitor is the bare machine's: a guest that edits live page tables
 * without flushing sees the same translations bare and monitored, however its time is sliced
 * (monitor exits included), with the block compiler on or off, and across save and restore.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PTE_P, PTE_W, STATUS_KERNEL, STATUS_PG } from "../../isa/arch.js";
import type { GuestImage } from "../../isa/image/model.js";
import { Memory } from "../../isa/memory.js";
import { createBareMachine } from "../../vmm/monitor/bare.js";
import { restoreMachine } from "../../vmm/monitor/restore.js";
import { isFinal, type BootOptions, type Machine, type VmState } from "../../vmm/monitor/machine.js";
import { createVm } from "../../vmm/monitor/vm.js";
import { pteGuest } from "../isa/pte-guest.js";
import { Asm, imageOf, R } from "./builder.js";
import { boot, observable, runToEnd } from "./harness.js";

const LIMIT = 200_000;
const KINDS: [string, (o: BootOptions) => Machine][] = [
  ["bare", createBareMachine],
  ["monitor", createVm],
];

/** Runs `body` with new CPUs compiling blocks or not (TOYVMM_JIT). */
function withJit<T>(jit: boolean, body: () => T): T {
  const before = process.env.TOYVMM_JIT;
  process.env.TOYVMM_JIT = jit ? "1" : "0";
  try {
    return body();
  } finally {
    if (before === undefined) delete process.env.TOYVMM_JIT;
    else process.env.TOYVMM_JIT = before;
  }
}

/** Runs in slices cycling through `slices`; after each, optionally saves and restores into a copy. */
function sliced(make: (o: BootOptions) => Machine, image: GuestImage, slices: readonly number[], restore: boolean) {
  const bytes: number[] = [];
  const sink = (b: number) => bytes.push(b);
  let m = make({ name: "t", image, sink });
  for (let i = 0; m.cpu.ticks < LIMIT; i++) {
    const exit = m.run(Math.min(slices[i % slices.length]!, LIMIT - m.cpu.ticks));
    if (isFinal(exit)) break;
    if (!restore) continue;
    const state = JSON.parse(JSON.stringify(m.save())) as VmState;
    const memory = new Memory(m.memory.size);
    memory.bytes.set(m.memory.bytes);
    m = restoreMachine(state, memory, { sink });
  }
  return observable(m, Buffer.from(bytes).toString("latin1"));
}

function reference(image: GuestImage) {
  const { machine, output } = boot(createBareMachine, image);
  runToEnd(machine, LIMIT, LIMIT);
  return observable(machine, output());
}

describe("the TLB bare and under the monitor", () => {
  it("a guest clears its code page's A bit, runs privileged instructions, reads it back clear", () => {
    // Paging on, code identity mapped; csrr exits to the monitor at every pass.
    const PD = 0xe000;
    const PT = 0xf000;
    const k = new Asm(0x1000);
    k.li(R.t0, PT + 1 * 4)
      .li(R.t1, 0x1000 | PTE_P | PTE_W)
      .sw(R.t1, 0, R.t0); // code page 1
    k.li(R.t0, PT + 15 * 4)
      .li(R.t1, PT | PTE_P | PTE_W)
      .sw(R.t1, 0, R.t0); // the table itself
    k.li(R.t0, PD)
      .li(R.t1, PT | PTE_P)
      .sw(R.t1, 0, R.t0)
      .csrw("ptbr", R.t0);
    k.li(R.t0, STATUS_KERNEL | STATUS_PG).csrw("status", R.t0);
    k.li(R.t2, PT + 1 * 4)
      .li(R.t1, 0x1000 | PTE_P | PTE_W)
      .sw(R.t1, 0, R.t2); // A cleared, no flush
    k.rri("addi", R.s0, R.zero, 10);
    k.label("loop").csrr(R.t3, "time").rri("addi", R.s0, R.s0, -1).br("bne", R.s0, R.zero, "loop");
    k.lw(R.a0, 0, R.t2).op("halt");
    const image = imageOf([k]);
    for (const [kind, make] of KINDS) {
      for (const slice of [1, 3, 1e9]) {
        const { machine } = boot(make, image);
        runToEnd(machine, slice);
        expect([kind, slice, machine.ended]).toEqual([kind, slice, { kind: "halted", status: 0x1000 | PTE_P | PTE_W }]);
      }
    }
  });

  it("random page-table-editing guests: monitored, sliced, saved and restored all end as one bare run", () => {
    const cases = fc.record({
      seed: fc.nat(),
      user: fc.boolean(),
      timer: fc.boolean(),
      jit: fc.boolean(),
      slices: fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 12 }),
      // Restores are few here (each costs milliseconds); the CPU-level property restores every few ticks.
      every: fc.integer({ min: 10, max: 200 }),
    });
    fc.assert(
      fc.property(cases, (c) =>
        withJit(c.jit, () => {
          const image = pteGuest(c.seed, c);
          const expected = reference(image);
          for (const [kind, make] of KINDS) {
            expect({ kind, ...sliced(make, image, [LIMIT], false) }).toEqual({ kind, ...expected });
            expect({ kind, ...sliced(make, image, c.slices, false) }).toEqual({ kind, ...expected });
            expect({ kind, ...sliced(make, image, [c.every], true) }).toEqual({ kind, ...expected });
          }
        }),
      ),
      { numRuns: 50 },
    );
  });
});
