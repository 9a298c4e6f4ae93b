/**
 * The block compiler must not change anything the guest or the monitor can see. Random
 * programs (ALU, loads and stores through paging on and off, loops, jumps, faults, stores into
 * their own code, host writes between runs, missing pages, timer interrupts, traps in user and
 * kernel mode, bare and hosted) run twice, interpreter only and with the JIT compiling blocks
 * after 1..24 entries, cut into the same random slices. After every slice the exit reason and
 * the whole CPU state must agree; at the end also every byte of memory and every dirty bit.
 * The guests of pte-guest.ts add page tables edited under running code without a flush, so
 * a compiled block must see exactly the TLB entries the interpreter would; those of
 * call-programs.ts are branchy and call-heavy (functions over several pages, returns through
 * a stack in memory, recursion, loops with branches inside), what compiled regions are for.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CSR, IRQ_TIMER, PAGE_SIZE, PTE_U, PTE_W, STATUS_IE, STATUS_KERNEL, STATUS_PG } from "../../isa/arch.js";
import {
  Cpu,
  EXIT_BUDGET,
  EXIT_HALT,
  EXIT_IDLE,
  EXIT_PAGE_MISSING,
  EXIT_TRAP,
  type ExitReason,
} from "../../isa/cpu/cpu.js";
import { IMM_RANGE, LAYOUT, encode, operandsOf, type Operands } from "../../isa/encoding.js";
import { loadImage } from "../../isa/loader.js";
import { Memory } from "../../isa/memory.js";
import { BY_MNEMONIC, INSTRUCTIONS } from "../../isa/table.js";
import { identityMap, setCsr, w } from "../helpers/machine.js";
import { prng } from "../helpers/prng.js";
import { callProgram } from "./call-programs.js";
import { MEM as PTE_MEM, pteGuest } from "./pte-guest.js";

const MEM = 64 * 1024;
const CODE_BYTES = 0x4000; // pages 0..3: the random program
const HANDLER = 0x4000;
const DATA = 0x5000; // 0x5000..0xdfff: data
const PAGE_DIR = 0xe000; // and its table at 0xf000, mapping 0..0xdfff
const MAPPED = 0xe000;

const ALU = INSTRUCTIONS.filter((d) => d.cls === "alu");
const LOADS = INSTRUCTIONS.filter((d) => d.format === "LOAD");
const STORES = INSTRUCTIONS.filter((d) => d.format === "STORE");
const BRANCHES = INSTRUCTIONS.filter((d) => d.format === "BR");
const SYSTEM = INSTRUCTIONS.filter((d) => d.cls === "system");
const def = (m: string) => BY_MNEMONIC.get(m)!;

// Registers: r1, r2 point into data, r3 into code (stores there modify the program), r14 and
// r15 hold instruction words to store into code; r4..r13 are the ALU's.
const work = (rand: () => number) => 4 + (rand() % 10);

function randomWord(rand: () => number): number {
  const roll = rand() % 100;
  const ops: Operands = {};
  if (roll < 40) {
    const d = ALU[rand() % ALU.length]!;
    for (const name of operandsOf(d.format)) {
      if (name === "imm") {
        const [lo, hi] = IMM_RANGE[LAYOUT[d.format].imm!];
        ops.imm = rand() % 2 ? lo + (rand() % (hi - lo + 1)) : Math.max(lo, Math.min(hi, (rand() % 16) - 4));
      } else ops[name] = rand() % 8 === 0 ? rand() % 16 : work(rand);
    }
    if (ops.rd !== undefined && ops.rd < 4 && rand() % 4 !== 0) ops.rd = work(rand);
    return encode(d, ops);
  }
  if (roll < 62) {
    const store = roll >= 52;
    const d = store ? STORES[rand() % STORES.length]! : LOADS[rand() % LOADS.length]!;
    const base = rand() % 10 === 0 ? work(rand) : 1 + (rand() % 3);
    const imm = rand() % 8 === 0 ? (rand() % 64) - 32 : ((rand() % 16) - 8) * 4;
    const value = store && base === 3 && rand() % 2 ? 14 + (rand() % 2) : work(rand);
    return encode(d, store ? { rs1: base, rs2: value, imm } : { rd: work(rand), rs1: base, imm });
  }
  if (roll < 66) return encode(def("addi"), { rd: 1 + (rand() % 3), rs1: 1 + (rand() % 3), imm: ((rand() % 9) - 4) * 4 });
  if (roll < 80) {
    const d = BRANCHES[rand() % BRANCHES.length]!;
    return encode(d, { rs1: rand() % 4 === 0 ? 0 : work(rand), rs2: rand() % 3 === 0 ? 0 : work(rand), imm: (rand() % 14) - 10 });
  }
  if (roll < 84) return encode(def("jal"), { rd: rand() % 2 ? 0 : 13, imm: (rand() % 12) - 8 });
  if (roll < 86) return encode(def("jalr"), { rd: rand() % 2 ? 0 : 13, rs1: 3, imm: ((rand() % 5) - 2) * (rand() % 4 ? 4 : 1) });
  if (roll < 92) {
    // A counted loop's tail: decrement, branch back while non-zero.
    return encode(def("addi"), { rd: 12, rs1: 12, imm: -1 });
  }
  if (roll < 97) {
    const d = SYSTEM[rand() % SYSTEM.length]!;
    if (d.mnemonic === "halt" && rand() % 4 !== 0) return encode(def("csrr"), { rd: work(rand), imm: CSR.time });
    for (const name of operandsOf(d.format)) {
      if (name === "imm") ops.imm = d.mnemonic === "csrw" ? CSR.scratch : rand() % 12;
      else ops[name] = work(rand);
    }
    return encode(d, ops);
  }
  return rand(); // usually illegal
}

/** Trap handler: exceptions return past the instruction; the timer re-arms and returns. */
const HANDLER_CODE = [
  w("csrr", 13, CSR.cause),
  w("blt", 13, 0, 5),
  w("csrr", 13, CSR.epc),
  w("addi", 13, 13, 4),
  w("csrw", 13, CSR.epc),
  w("sret"),
  w("csrr", 13, CSR.time),
  w("addi", 13, 13, 97),
  w("csrw", 13, CSR.timecmp),
  w("sret"),
];

interface Case {
  seed: number;
  hosted: boolean;
  paging: boolean;
  user: boolean;
  timer: boolean;
  missing: boolean;
  threshold: number;
  /** A call-heavy program (call-programs.ts) instead of random words. */
  calls?: boolean;
}

interface Snapshot {
  exit: ExitReason;
  pc: number;
  ticks: number;
  idleTicks: number;
  regs: number[];
  csr: number[];
  halted: boolean;
  trap: [number, number];
  missingPage: number;
}

function snapshot(cpu: Cpu, exit: ExitReason): Snapshot {
  return {
    exit,
    pc: cpu.pc,
    ticks: cpu.ticks,
    idleTicks: cpu.idleTicks,
    regs: Array.from(cpu.regs),
    csr: Array.from(cpu.csr),
    halted: cpu.halted,
    trap: exit === EXIT_TRAP ? [cpu.trapCause, cpu.trapValue] : [0, 0],
    missingPage: exit === EXIT_PAGE_MISSING ? cpu.missingPage : -1,
  };
}

/** Builds the machine for `c` and drives it the same way whatever the CPU does. */
function runCase(c: Case, jit: boolean): { trace: Snapshot[]; memory: Memory; compiled: number } {
  const rand = prng(c.seed);
  const memory = new Memory(MEM);
  const words = memory.words;
  if (c.calls) callProgram(words.subarray(0, CODE_BYTES >>> 2), rand, () => randomWord(rand));
  else {
    for (let i = 0; i < CODE_BYTES >>> 2; i++) words[i] = randomWord(rand);
    // Counted loops: now and then set r12 to a small count right before a stretch of code.
    for (let i = 0; i < 24; i++) words[rand() % (CODE_BYTES >>> 2)] = encode(def("addi"), { rd: 12, rs1: 0, imm: 1 + (rand() % 40) });
  }
  words.set(HANDLER_CODE, HANDLER >>> 2);
  for (let i = DATA >>> 2; i < MAPPED >>> 2; i++) words[i] = rand() % 4 === 0 ? randomWord(rand) : rand();
  if (c.paging) identityMap(memory, PAGE_DIR, MAPPED, PTE_W | PTE_U);

  const cpu = new Cpu(memory, { hosted: c.hosted, jit, jitThreshold: c.threshold, jitPageBackoff: false });
  const entry = c.calls ? 0 : (rand() % (CODE_BYTES >>> 2)) * 4;
  cpu.reset(entry, 0, MEM);
  for (let r = 4; r < 14; r++) cpu.regs[r] = rand() % 3 === 0 ? rand() % 64 : rand();
  cpu.regs[1] = DATA + (rand() % 0x800) * 4;
  cpu.regs[2] = DATA + 0x4000 + (rand() % 0x400) * 4;
  cpu.regs[3] = (rand() % (CODE_BYTES >>> 2)) * 4;
  cpu.regs[14] = encode(def("addi"), { rd: 5, rs1: 5, imm: 1 });
  cpu.regs[15] = randomWord(rand);
  if (c.calls) {
    cpu.regs[14] = DATA + 0x7000; // the stack grows down from here
    cpu.regs[15] = 0;
  }
  const status = (c.user ? 0 : STATUS_KERNEL) | (c.timer ? STATUS_IE : 0) | (c.paging ? STATUS_PG : 0);
  setCsr(cpu, { tvec: HANDLER, status, ptbr: PAGE_DIR, imask: c.timer ? IRQ_TIMER : 0, timecmp: 50 + (rand() % 500) });
  if (c.hosted) cpu.setTranslation(c.paging, PAGE_DIR, !c.user);
  memory.dirty.fill(0);

  const saved = new Map<number, Uint8Array>();
  if (c.missing) {
    for (let p = 0; p < memory.pageCount; p++) {
      if (rand() % 3 === 0) {
        saved.set(p, memory.page(p).slice());
        memory.missing[p] = 1;
        memory.missingCount++;
      }
    }
  }

  const trace: Snapshot[] = [];
  for (let call = 0; call < 30; call++) {
    const budget = rand() % 5 === 0 ? rand() % 20000 : rand() % 400;
    const exit = cpu.run(budget);
    trace.push(snapshot(cpu, exit));
    if (exit === EXIT_HALT) break;
    if (exit === EXIT_IDLE) break;
    if (exit === EXIT_TRAP) cpu.pc = (cpu.pc + 4) | 0; // the monitor emulated it
    if (exit === EXIT_PAGE_MISSING) memory.fillPage(cpu.missingPage, saved.get(cpu.missingPage) ?? null);
    // A monitor switching translation context flushes the TLB; fetches then refill it.
    if (rand() % 4 === 0) cpu.mmu.flush();
    if (rand() % 6 === 0) {
      // The host (a loader, a device, a migration) rewrites part of the program.
      const at = (rand() % (CODE_BYTES >>> 2)) * 4;
      const patch = new Int32Array([randomWord(rand), randomWord(rand)]);
      if (at + 8 <= CODE_BYTES) memory.write(at, new Uint8Array(patch.buffer));
    }
  }
  return { trace, memory, compiled: cpu.jit?.compiled ?? 0 };
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

let compiledTotal = 0;
/** Hundreds of random machines, each run twice: minutes on a loaded two-core machine. */
const SLOW = 300_000;

function differential(c: Case): void {
  const plain = runCase(c, false);
  const jit = runCase(c, true);
  compiledTotal += jit.compiled;
  expect(jit.trace).toEqual(plain.trace);
  expect(firstDifference(jit.memory.bytes, plain.memory.bytes)).toBe(-1);
  expect(firstDifference(jit.memory.dirty, plain.memory.dirty)).toBe(-1);
}

const cases = fc.record({
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  hosted: fc.boolean(),
  paging: fc.boolean(),
  user: fc.boolean(),
  timer: fc.boolean(),
  missing: fc.boolean(),
  threshold: fc.constantFrom(1, 2, 3, 24),
});

describe("JIT against the interpreter", () => {
  it("random programs leave identical state after every slice", () => {
    fc.assert(fc.property(cases, differential), { numRuns: 300 });
    // The comparison means something only if blocks were compiled and run.
    expect(compiledTotal).toBeGreaterThan(1000);
  }, SLOW);

  it("fixed seeds cover every combination", () => {
    for (let seed = 0; seed < 64; seed++) {
      differential({
        seed: seed * 7919,
        hosted: (seed & 1) !== 0,
        paging: (seed & 2) !== 0,
        user: (seed & 4) !== 0,
        timer: (seed & 8) !== 0,
        missing: (seed & 16) !== 0,
        threshold: seed & 32 ? 1 : 3,
      });
    }
  });
});

describe("JIT against the interpreter, branchy and call-heavy programs", () => {
  it("random call-heavy programs leave identical state after every slice", () => {
    const before = compiledTotal;
    fc.assert(fc.property(cases, (c) => differential({ ...c, calls: true })), { numRuns: 200 });
    expect(compiledTotal - before).toBeGreaterThan(1000);
  }, SLOW);
});

describe("JIT against the interpreter, page tables edited live", () => {
  /** The guest for `c` on a bare CPU, cut into slices drawn from the seed; a snapshot after each. */
  function runPteCase(c: { seed: number; user: boolean; timer: boolean; threshold: number }, jit: boolean) {
    const rand = prng(c.seed ^ 0x5bd1e995);
    const memory = new Memory(PTE_MEM);
    const reset = loadImage(pteGuest(c.seed, c), memory);
    const cpu = new Cpu(memory, { jit, jitThreshold: c.threshold, jitPageBackoff: false });
    cpu.reset(reset.entry, reset.a0, reset.a1);
    const trace: unknown[] = [];
    for (let call = 0; call < 400; call++) {
      const exit = cpu.run(rand() % 4 === 0 ? rand() % 3000 : rand() % 40);
      trace.push({ ...snapshot(cpu, exit), tlb: cpu.save().tlb });
      if (exit !== EXIT_BUDGET) break;
    }
    return { trace, memory, compiled: cpu.jit?.compiled ?? 0 };
  }

  it("random page-table-editing guests leave identical state and TLB after every slice", () => {
    let compiled = 0;
    const pteCases = fc.record({
      seed: fc.nat(),
      user: fc.boolean(),
      timer: fc.boolean(),
      threshold: fc.constantFrom(1, 2, 3, 24),
    });
    fc.assert(
      fc.property(pteCases, (c) => {
        const plain = runPteCase(c, false);
        const jit = runPteCase(c, true);
        compiled += jit.compiled;
        expect(jit.trace).toEqual(plain.trace);
        expect(firstDifference(jit.memory.bytes, plain.memory.bytes)).toBe(-1);
        expect(firstDifference(jit.memory.dirty, plain.memory.dirty)).toBe(-1);
      }),
      { numRuns: 200 },
    );
    expect(compiled).toBeGreaterThan(1000);
  });
});

// Used by the layout comment above; keeps PAGE_SIZE honest if it ever changes.
expect(PAGE_DIR + PAGE_SIZE * 2).toBe(MEM);
