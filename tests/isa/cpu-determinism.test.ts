/**
 * Determinism: a run cut into any slices of budget equals one uninterrupted run, and a CPU
 * saved mid-run and restored elsewhere (with a copy of memory) continues identically.
 * The program takes timer interrupts, reads time and ipend, and idles in wfi; the random
 * guests of pte-guest.ts also edit live page tables without flushing, so what they compute
 * depends on every TLB fill and eviction.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CSR, IRQ_TIMER, STATUS_IE, STATUS_KERNEL } from "../../isa/arch.js";
import { Cpu, EXIT_BUDGET, EXIT_HALT, type CpuState } from "../../isa/cpu/cpu.js";
import { loadImage } from "../../isa/loader.js";
import { Memory } from "../../isa/memory.js";
import { hashBytes, machine, storeWords, w } from "../helpers/machine.js";
import { MEM, pteGuest } from "./pte-guest.js";

const HANDLER = 0x400;
const COUNTER = 0x3000;

/**
 * Main loop with interrupts on; the handler counts in memory and re-arms the timer `period`
 * ticks after it reads time (4 ticks before it returns, so period > 4 lets main progress).
 */
function program(period: number, iterations: number) {
  const main = [
    w("addi", 5, 0, IRQ_TIMER),
    w("csrw", 5, CSR.imask),
    w("addi", 6, 0, period),
    w("csrw", 6, CSR.timecmp),
    w("addi", 5, 0, STATUS_KERNEL | STATUS_IE),
    w("csrw", 5, CSR.status),
    w("addi", 10, 0, 0x2000),
    w("addi", 11, 0, iterations),
    // loop:
    w("csrr", 7, CSR.time),
    w("add", 3, 3, 7),
    w("csrr", 8, CSR.ipend),
    w("add", 3, 3, 8),
    w("sw", 3, 10, 0),
    w("lw", 9, 0, COUNTER),
    w("xor", 3, 3, 9),
    w("addi", 10, 10, 8),
    w("andi", 9, 11, 7),
    w("bne", 9, 0, 2),
    w("wfi"),
    w("addi", 11, 11, -1),
    w("bne", 11, 0, -12),
    w("add", 1, 3, 0),
    w("halt"),
  ];
  const handler = [
    w("lw", 12, 0, COUNTER),
    w("addi", 12, 12, 1),
    w("sw", 12, 0, COUNTER),
    w("csrr", 13, CSR.time),
    w("addi", 13, 13, period),
    w("csrw", 13, CSR.timecmp),
    w("sret"),
  ];
  const m = machine(main);
  storeWords(m.memory, HANDLER, handler);
  m.cpu.csr[CSR.tvec] = HANDLER;
  return m;
}

function snapshot(cpu: Cpu, memory: Memory) {
  // Hashes: deep equality of 64 KiB arrays is slow, and any differing byte changes the hash.
  return { ...cpu.save(), memory: hashBytes(memory.bytes), dirty: Array.from(memory.dirty) };
}

describe("determinism", () => {
  it("the program does what it should (interrupts happen, it halts)", () => {
    const { cpu, memory } = program(7, 100);
    expect(cpu.run(1_000_000)).toBe(EXIT_HALT);
    expect(memory.words[COUNTER >>> 2]).toBeGreaterThan(20);
    expect(cpu.idleTicks).toBeGreaterThan(0);
  });

  it("one run equals the same run cut into random slices", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 60 }),
        fc.integer({ min: 1, max: 4000 }),
        // Zero budgets are allowed, but not only zeros: the slicing must make progress.
        fc.array(fc.integer({ min: 0, max: 97 }), { minLength: 1, maxLength: 30 }).map((s) => (s.some((b) => b > 0) ? s : [...s, 1])),
        (period, total, slices) => {
          const one = program(period, 150);
          const exitOne = one.cpu.run(total);
          const cut = program(period, 150);
          let spent = 0;
          let exitCut: number = EXIT_BUDGET;
          for (let i = 0; spent < total && exitCut === EXIT_BUDGET; i++) {
            const budget = Math.min(slices[i % slices.length]!, total - spent);
            const before = cut.cpu.ticks;
            exitCut = cut.cpu.run(budget);
            expect(cut.cpu.ticks - before).toBeLessThanOrEqual(budget);
            spent += budget;
          }
          if (exitCut === EXIT_BUDGET) exitCut = cut.cpu.run(0);
          expect(exitCut).toBe(exitOne);
          expect(snapshot(cut.cpu, cut.memory)).toEqual(snapshot(one.cpu, one.memory));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("save mid-run, restore into a fresh CPU and memory copy, continue: identical result", () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 60 }), fc.integer({ min: 0, max: 3000 }), (period, at) => {
        const straight = program(period, 150);
        straight.cpu.run(1_000_000);

        const first = program(period, 150);
        first.cpu.run(at);
        const state = JSON.parse(JSON.stringify(first.cpu.save()));
        const memory = new Memory(first.memory.size);
        memory.bytes.set(first.memory.bytes);
        memory.dirty.set(first.memory.dirty);
        const second = new Cpu(memory);
        second.restore(state);
        second.run(1_000_000);
        expect(snapshot(second, memory)).toEqual(snapshot(straight.cpu, straight.memory));
      }),
      { numRuns: 60 },
    );
  });
});

/** A random page-table-editing guest on a bare CPU. */
function pteMachine(seed: number, user: boolean, timer: boolean, jit: boolean) {
  const memory = new Memory(MEM);
  const reset = loadImage(pteGuest(seed, { user, timer }), memory);
  const cpu = new Cpu(memory, { jit, jitThreshold: 2, jitPageBackoff: false });
  cpu.reset(reset.entry, reset.a0, reset.a1);
  return { cpu, memory };
}

const LIMIT = 200_000;
const pteCase = fc.record({ seed: fc.nat(), user: fc.boolean(), timer: fc.boolean(), jit: fc.boolean() });

describe("determinism with page tables edited live", () => {
  it("one run equals the same run cut into random slices", () => {
    fc.assert(
      fc.property(pteCase, fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }), (c, slices) => {
        const one = pteMachine(c.seed, c.user, c.timer, c.jit);
        one.cpu.run(LIMIT);
        const cut = pteMachine(c.seed, c.user, c.timer, c.jit);
        let exit: number = EXIT_BUDGET;
        for (let i = 0; cut.cpu.ticks < LIMIT && exit === EXIT_BUDGET; i++) {
          exit = cut.cpu.run(Math.min(slices[i % slices.length]!, LIMIT - cut.cpu.ticks));
        }
        expect(snapshot(cut.cpu, cut.memory)).toEqual(snapshot(one.cpu, one.memory));
      }),
      { numRuns: 150 },
    );
  });

  it("saved and restored into a fresh CPU every few ticks, it ends as one run", () => {
    fc.assert(
      fc.property(pteCase, fc.integer({ min: 1, max: 30 }), (c, every) => {
        const one = pteMachine(c.seed, c.user, c.timer, c.jit);
        one.cpu.run(LIMIT);
        let { cpu, memory } = pteMachine(c.seed, c.user, c.timer, c.jit);
        while (cpu.ticks < LIMIT && cpu.run(Math.min(every, LIMIT - cpu.ticks)) === EXIT_BUDGET) {
          const state = JSON.parse(JSON.stringify(cpu.save())) as CpuState;
          const copy = new Memory(MEM);
          copy.bytes.set(memory.bytes);
          copy.dirty.set(memory.dirty);
          memory = copy;
          cpu = new Cpu(memory, { jit: c.jit, jitThreshold: 2, jitPageBackoff: false });
          cpu.restore(state);
        }
        expect(snapshot(cpu, memory)).toEqual(snapshot(one.cpu, one.memory));
      }),
      { numRuns: 60 },
    );
  });
});
