/**
 * The block compiler, case by case: self-modifying loops (also after a TLB refill), host
 * writes and arriving pages replace compiled code, calls and returns inside one region, a
 * store into another block of a running region, exact slices inside a compiled loop, faults
 * and missing pages in the middle of a block, the table coverage of its semantics, and the
 * bounds on what it keeps when a guest writes code without end.
 */
import { describe, expect, it } from "vitest";
import { CAUSE_MISALIGNED, PAGE_SIZE, PTE_P, PTE_W, STATUS_KERNEL, STATUS_PG } from "../../isa/arch.js";
import { Cpu, EXIT_BUDGET, EXIT_HALT, EXIT_PAGE_MISSING, EXIT_TRAP } from "../../isa/cpu/cpu.js";
import { CPU_CODE_MAX, HOT_THRESHOLD, SHARED_CODE_MAX, sharedCodeChars } from "../../isa/cpu/jit/jit.js";
import { SEMANTICS } from "../../isa/cpu/jit/semantics.js";
import { Memory } from "../../isa/memory.js";
import { INSTRUCTIONS } from "../../isa/table.js";
import { mapPages, setCsr, storeWords, w } from "../helpers/machine.js";

function cpuWith(words: readonly number[], jit: boolean, hosted = false, jitThreshold = 1, jitPageBackoff = false): Cpu {
  const memory = new Memory(64 * 1024);
  storeWords(memory, 0, words);
  const cpu = new Cpu(memory, { jit, jitThreshold, jitPageBackoff, hosted });
  cpu.reset(0, 0, memory.size);
  return cpu;
}

function runToHalt(cpu: Cpu): void {
  for (let i = 0; i < 1000; i++) if (cpu.run(100_000) === EXIT_HALT) return;
  throw new Error("no halt");
}

// A counted loop at word 1 that a store at word 5 rewrites (addi r5, +1 becomes +10), run twice.
const SELF_MODIFYING = [
  w("addi", 12, 0, 100),
  w("addi", 5, 5, 1), // 1: loop
  w("addi", 12, 12, -1),
  w("bne", 12, 0, -2),
  w("tlbflush"), // the next fetch refills the TLB for the code page
  w("sw", 14, 0, 4), // 5: rewrite word 1
  w("addi", 12, 0, 100),
  w("addi", 13, 13, 1),
  w("addi", 11, 0, 2),
  w("bne", 13, 11, -8), // back to word 1 on the first pass
  w("halt"),
];

describe("block compiler", () => {
  it("has semantics for every row of the instruction table", () => {
    for (const def of INSTRUCTIONS)
      expect([def.mnemonic, SEMANTICS[def.mnemonic] !== undefined]).toEqual([def.mnemonic, true]);
  });

  it("compiles a hot loop and gives the interpreter's result", () => {
    const results = [false, true].map((jit) => {
      const cpu = cpuWith(SELF_MODIFYING, jit);
      cpu.regs[14] = w("addi", 5, 5, 10);
      runToHalt(cpu);
      return { r5: cpu.regs[5], ticks: cpu.ticks, compiled: cpu.jit?.compiled ?? 0 };
    });
    expect(results[0]).toEqual({ r5: 100 + 100 * 10, ticks: results[1]!.ticks, compiled: 0 });
    expect(results[1]!.r5).toBe(1100);
    expect(results[1]!.compiled).toBeGreaterThan(1);
  });

  it("a store into a running compiled block ends it after the store", () => {
    // The loop rewrites its own next instruction on every pass: addi r5, +1 becomes +100.
    const loop = [
      w("addi", 12, 0, 10),
      w("sw", 14, 0, 8), // 1: loop head, rewrites word 2
      w("addi", 5, 5, 1), // 2
      w("addi", 12, 12, -1),
      w("bne", 12, 0, -3),
      w("halt"),
    ];
    for (const jit of [false, true]) {
      const cpu = cpuWith(loop, jit);
      cpu.regs[14] = w("addi", 5, 5, 100);
      runToHalt(cpu);
      expect([jit, cpu.regs[5], cpu.ticks]).toEqual([jit, 1000, 1 + 10 * 4 + 1]);
    }
  });

  it("host writes and arriving pages replace compiled code", () => {
    const cpu = cpuWith([w("addi", 5, 5, 1), w("jal", 0, -1)], true);
    cpu.run(100);
    expect(cpu.regs[5]).toBe(50);
    cpu.memory.write(0, new Uint8Array(new Int32Array([w("addi", 5, 5, 3)]).buffer));
    cpu.run(100);
    expect(cpu.regs[5]).toBe(50 + 150);
    const page = new Uint8Array(PAGE_SIZE);
    page.set(new Uint8Array(new Int32Array([w("addi", 5, 5, -1), w("jal", 0, -1)]).buffer));
    cpu.memory.fillPage(0, page);
    cpu.run(100);
    expect(cpu.regs[5]).toBe(200 - 50);
  });

  it("slices end at exactly the budget inside a compiled loop", () => {
    const loop = [
      w("addi", 12, 0, 500),
      w("add", 5, 5, 12),
      w("xor", 6, 6, 5),
      w("addi", 12, 12, -1),
      w("bne", 12, 0, -3),
      w("halt"),
    ];
    const trace = (jit: boolean) => {
      const cpu = cpuWith(loop, jit);
      const seen: number[][] = [];
      for (let budget = 1; cpu.run(budget % 13) !== EXIT_HALT; budget++)
        seen.push([cpu.pc, cpu.ticks, cpu.regs[5]!, cpu.regs[6]!]);
      return seen;
    };
    const plain = trace(false);
    expect(trace(true)).toEqual(plain);
    expect(plain.length).toBeGreaterThan(200);
  });

  it("a fault inside a block retires what came before it, not the faulting instruction", () => {
    const words = [w("addi", 5, 0, 7), w("addi", 6, 0, 2), w("lw", 8, 6, 0), w("addi", 5, 0, 9), w("halt")];
    const cpu = cpuWith(words, true, true);
    expect(cpu.run(10)).toBe(EXIT_TRAP);
    expect([cpu.pc, cpu.ticks, cpu.regs[5], cpu.trapCause, cpu.trapValue]).toEqual([8, 2, 7, CAUSE_MISALIGNED, 2]);
    expect(cpu.jit!.compiled).toBeGreaterThan(0);
  });

  it("a missing data page stops a block at the access and it restarts there", () => {
    const words = [w("addi", 7, 0, 4096), w("addi", 5, 0, 7), w("lw", 8, 7, 0), w("addi", 5, 5, 1), w("halt")];
    const cpu = cpuWith(words, true);
    cpu.memory.missing[1] = 1;
    cpu.memory.missingCount = 1;
    expect(cpu.run(10)).toBe(EXIT_PAGE_MISSING);
    expect([cpu.pc, cpu.ticks, cpu.missingPage]).toEqual([8, 2, 1]);
    const page = new Uint8Array(PAGE_SIZE);
    page[0] = 42;
    cpu.memory.fillPage(1, page);
    expect(cpu.run(10)).toBe(EXIT_HALT);
    expect([cpu.regs[8], cpu.regs[5], cpu.ticks]).toEqual([42, 8, 5]);
  });

  // A call-heavy loop in one page: main calls `f` 200 times; f branches inside and returns
  // through jalr. Compiled, calls and returns stay inside one region.
  const CALLS = [
    w("addi", 12, 0, 200), // 0
    w("jal", 15, 5), // 1: call f (word 6)
    w("addi", 12, 12, -1),
    w("bne", 12, 0, -2),
    w("halt"), // 4
    w("halt"), // 5
    w("andi", 6, 12, 1), // 6: f: odd counts add 3, even ones 1
    w("beq", 6, 0, 3),
    w("addi", 5, 5, 3),
    w("jalr", 0, 15, 0),
    w("addi", 5, 5, 1), // 10
    w("jalr", 0, 15, 0),
  ];

  it("calls and returns inside a page stay in one compiled region", () => {
    const cpu = cpuWith(CALLS, true, false, 2);
    runToHalt(cpu);
    expect([cpu.regs[5], cpu.ticks]).toEqual([100 * 3 + 100 * 1, 1 + 200 * 7 + 1]);
    // f gets hot first and a region of its own; the loop's region, next, calls f, which has
    // run, so it covers f and both returns too.
    expect(cpu.jit!.compiled).toBe(2);
  });

  it("a region leaves out a callee that has not run yet", () => {
    // At threshold 1 the first region, at 0, is compiled before f ever ran: its call leaves for
    // the interpreter, f gets a region of its own, and the loop (entered at the return point)
    // one more that takes f in.
    const cpu = cpuWith(CALLS, true);
    runToHalt(cpu);
    expect([cpu.regs[5], cpu.ticks]).toEqual([100 * 3 + 100 * 1, 1 + 200 * 7 + 1]);
    expect(cpu.jit!.compiled).toBe(3);
  });

  it("a timer slice ends inside a region at the same tick as the interpreter's", () => {
    const trace = (jit: boolean) => {
      const cpu = cpuWith(CALLS, jit);
      const seen: number[][] = [];
      for (let budget = 1; cpu.run(budget % 7) !== EXIT_HALT; budget++) seen.push([cpu.pc, cpu.ticks, cpu.regs[5]!]);
      return seen;
    };
    const plain = trace(false);
    expect(trace(true)).toEqual(plain);
    expect(plain.length).toBeGreaterThan(300);
  });

  // fib(r1) by recursion through a stack at r14 (ra r15, saved r10 and r11): two return points,
  // so a compiled return tries both before the region's table. A second copy, from word 22,
  // returns one word past its call now and then (ra + 4 when r1 is 3), which no prediction
  // holds: the return leaves the predicted path for the table.
  const FIB = (skip: boolean) => [
    w("addi", 1, 0, 15), // 0
    w("jal", 15, 3), // 1: call fib
    w("halt"),
    w("halt"),
    w("addi", 5, 0, 2), // 4: fib
    w("blt", 1, 5, 16),
    w("addi", 14, 14, -12),
    w("sw", 15, 14, 0),
    w("sw", 10, 14, 4),
    w("sw", 11, 14, 8),
    w("addi", 10, 1, 0),
    w("addi", 1, 10, -1),
    w("jal", 15, -8), // 12
    w("addi", 11, 1, 0),
    w("addi", 1, 10, -2),
    w("jal", 15, -11), // 15
    w("add", 1, 1, 11),
    w("lw", 15, 14, 0),
    w("lw", 10, 14, 4),
    w("lw", 11, 14, 8),
    w("addi", 14, 14, 12),
    skip ? w("addi", 5, 0, 3) : w("jalr", 0, 15, 0), // 21: base case and return
    ...(skip ? [w("bne", 1, 5, 2), w("addi", 15, 15, 4), w("jalr", 0, 15, 0)] : []),
  ];

  it("recursion returns through predicted return points at the interpreter's ticks, in any slices", () => {
    for (const skip of [false, true]) {
      const trace = (jit: boolean) => {
        const cpu = cpuWith(FIB(skip), jit);
        cpu.regs[14] = 0x8000;
        const seen: number[][] = [];
        for (let budget = 1; cpu.run(1 + (budget % 97)) !== EXIT_HALT; budget++) seen.push([cpu.pc, cpu.ticks, ...cpu.regs]);
        seen.push([cpu.pc, cpu.ticks, ...cpu.regs]);
        return { seen, compiled: cpu.jit?.compiled ?? 0 };
      };
      const plain = trace(false);
      const compiled = trace(true);
      expect(compiled.seen).toEqual(plain.seen);
      expect(compiled.compiled).toBeGreaterThan(0);
      if (!skip) expect(plain.seen.at(-1)![2 + 1]).toBe(610);
    }
  });

  it("a store into another block of a running region drops the region after the store", () => {
    // Odd counts rewrite f's other block (word 10: +1 becomes +100) instead of adding 3; the
    // first call (200, even) still adds 1, the 99 even ones after it 100.
    const words = [...CALLS];
    words[8] = w("sw", 14, 0, 40);
    for (const jit of [false, true]) {
      const cpu = cpuWith(words, jit);
      cpu.regs[14] = w("addi", 5, 5, 100);
      runToHalt(cpu);
      expect([jit, cpu.regs[5], cpu.ticks]).toEqual([jit, 1 + 99 * 100, 1 + 200 * 7 + 1]);
    }
  });

  it("stays out of the way when the budget is smaller than a block", () => {
    const cpu = cpuWith([w("addi", 5, 5, 1), w("addi", 5, 5, 1), w("addi", 5, 5, 1), w("jal", 0, -3)], true);
    for (let i = 0; i < 40; i++) expect(cpu.run(1)).toBe(EXIT_BUDGET);
    expect([cpu.ticks, cpu.regs[5]]).toEqual([40, 30]);
  });

  it("a loop's remembered page follows the TLB: an entry evicted by a slow path is walked again", () => {
    // Paging on. Page X (va 0x5000) maps to a frame holding 1; the loop's store points its PTE
    // at a frame holding 2 without a tlbflush, so the stale entry serves until something evicts
    // it: the load from Y (va 0x405000, the same TLB slot) on every other pass.
    const DIR = 0x8000;
    const X = 0x5000;
    const Y = 0x405000;
    const Z = 0x7000;
    const PTE_X = DIR + PAGE_SIZE + (X >>> 12) * 4; // the first table follows the directory
    const loop = [
      w("lw", 5, 1, 0), // 0: X
      w("add", 11, 11, 5),
      w("lw", 7, 3, 0), // Z, then Y, then Z...
      w("xor", 3, 3, 4),
      w("sw", 6, 2, 0), // X's PTE now names the other frame
      w("addi", 12, 12, -1),
      w("bne", 12, 0, -6),
      w("halt"),
    ];
    const results = [false, true].map((jit) => {
      const cpu = cpuWith(loop, jit);
      const maps: [number, number, number][] = [];
      for (let a = 0; a < 0xc000; a += PAGE_SIZE) maps.push([a, a, PTE_W]);
      maps.push([Y, Z, PTE_W]);
      mapPages(cpu.memory, DIR, maps);
      cpu.memory.words[X >>> 2] = 1;
      cpu.memory.words[(X + PAGE_SIZE) >>> 2] = 2;
      Object.assign(cpu.regs, { 1: X, 2: PTE_X, 3: Z, 4: Z ^ Y, 6: (X + PAGE_SIZE) | PTE_P | PTE_W, 12: 10 });
      setCsr(cpu, { status: STATUS_KERNEL | STATUS_PG, ptbr: DIR });
      runToHalt(cpu);
      return { sum: cpu.regs[11], ticks: cpu.ticks, compiled: (cpu.jit?.compiled ?? 0) > 0 };
    });
    // Passes 1 and 2 read the old frame (a walk, then the stale entry); later ones the new.
    expect(results[0]).toEqual({ sum: 1 + 1 + 8 * 2, ticks: 10 * 7 + 1, compiled: false });
    expect(results[1]).toEqual({ ...results[0], compiled: true });
  });

  it("a guest that writes code into page after page keeps the caches bounded, with the same result", () => {
    // Fills each of pages 1..15 with 512 distinct two-instruction blocks (addi r5 by a counter,
    // then return), then calls each: 7680 blocks, more source than either cache may hold.
    const generator = [
      w("addi", 2, 1, PAGE_SIZE), // 0: a page: r2 = its end
      w("addi", 7, 1, 0),
      w("shli", 6, 3, 16), // 2: write its blocks
      w("or", 4, 14, 6),
      w("sw", 4, 1, 0),
      w("sw", 15, 1, 4),
      w("addi", 3, 3, 1),
      w("andi", 3, 3, 0x7fff),
      w("addi", 1, 1, 8),
      w("bne", 1, 2, -7),
      w("jalr", 13, 7, 0), // 10: call each
      w("addi", 7, 7, 8),
      w("bne", 7, 2, -2),
      w("bne", 1, 8, -13),
      w("halt"),
    ];
    let shared = sharedCodeChars();
    const run = (jit: boolean) => {
      const cpu = cpuWith(generator, jit);
      Object.assign(cpu.regs, { 1: PAGE_SIZE, 8: 16 * PAGE_SIZE, 14: w("addi", 5, 5, 0), 15: w("jalr", 0, 13, 0) });
      let held = 0;
      let forgot = false;
      let sharedStartedOver = false;
      while (cpu.run(20_000) !== EXIT_HALT) {
        const chars = cpu.jit?.heldChars ?? 0;
        const sharedNow = sharedCodeChars();
        expect(chars).toBeLessThanOrEqual(CPU_CODE_MAX);
        expect(sharedNow).toBeLessThanOrEqual(SHARED_CODE_MAX);
        forgot ||= chars < held;
        sharedStartedOver ||= sharedNow < shared;
        held = chars;
        shared = sharedNow;
      }
      return { r5: cpu.regs[5], ticks: cpu.ticks, compiled: cpu.jit?.compiled ?? 0, forgot, sharedStartedOver };
    };
    const plain = run(false);
    expect(plain.r5).toBe((7680 * 7679) / 2);
    const jit = run(true);
    expect(jit).toEqual({ ...plain, compiled: jit.compiled, forgot: true, sharedStartedOver: true });
    expect(jit.compiled).toBeGreaterThan(7680);
  });
  it("a page with data beside its code and many little-run entries compiles a few regions, not one per store", () => {
    // A loop calls 64 stubs 30 times each and counts in a variable on its own page, while the
    // host writes a buffer on that page too (a NIC's DMA). Stores to the variable and the
    // buffer once dropped the page's regions (235 compiles here), and every stub, entered
    // more than the threshold, got a region of its own.
    const STUBS = 16;
    const COUNTER = 0x400;
    const program = [
      w("addi", 12, 0, 30),
      w("addi", 11, 0, 0), // 1: outer
      w("addi", 10, 11, STUBS * 4), // 2: inner
      w("jalr", 1, 10, 0),
      w("lw", 6, 0, COUNTER),
      w("addi", 6, 6, 1),
      w("sw", 6, 0, COUNTER),
      w("addi", 11, 11, 8),
      w("addi", 9, 0, 64 * 8),
      w("bne", 11, 9, -7),
      w("addi", 12, 12, -1),
      w("bne", 12, 0, -10),
      w("halt"),
    ];
    while (program.length < STUBS) program.push(w("halt"));
    for (let k = 0; k < 64; k++) program.push(w("addi", 5, 5, 1), w("jalr", 0, 1, 0));
    const results = [false, true].map((jit) => {
      const cpu = cpuWith(program, jit, false, HOT_THRESHOLD, true);
      let slices = 0;
      while (cpu.run(500) !== EXIT_HALT) {
        cpu.memory.write(0x800, new Uint8Array([slices++, 1, 2, 3]));
        if (slices > 1000) throw new Error("no halt");
      }
      return { r5: cpu.regs[5], counter: cpu.memory.words[COUNTER >>> 2], ticks: cpu.ticks, slices };
    });
    expect(results[0]).toEqual({ ...results[1], r5: 30 * 64, counter: 30 * 64 });
    const cpu = cpuWith(program, true, false, HOT_THRESHOLD, true);
    for (let i = 0; cpu.run(500) !== EXIT_HALT; i++) cpu.memory.write(0x800, new Uint8Array([i, 1, 2, 3]));
    expect(cpu.jit!.compiled).toBeGreaterThan(0);
    expect(cpu.jit!.compiled).toBeLessThanOrEqual(6);
  });
});
