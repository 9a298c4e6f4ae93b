/**
 * CPU fuzzing: random words and random legal instructions, random registers and control
 * state, bare and hosted, paging on or off, pages missing or not. The CPU must only ever
 * report EXIT_* values, never throw, never touch memory that is not its own, and never run
 * past its budget.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CSR, CSR_COUNT, PAGE_SIZE, PTE_U, PTE_W } from "../../isa/arch.js";
import { Cpu, EXIT_BUDGET, EXIT_HALT, EXIT_IDLE, EXIT_PAGE_MISSING, EXIT_TRAP } from "../../isa/cpu/cpu.js";
import { Console } from "../../isa/devices/console.js";
import { IMM_RANGE, LAYOUT, encode, operandsOf, type Operands } from "../../isa/encoding.js";
import { Memory } from "../../isa/memory.js";
import { INSTRUCTIONS } from "../../isa/table.js";
import { prng } from "../helpers/prng.js";
import { hashBytes, identityMap, setCsr } from "../helpers/machine.js";

const MEM = 64 * 1024;
const EXITS = new Set([EXIT_HALT, EXIT_BUDGET, EXIT_TRAP, EXIT_IDLE, EXIT_PAGE_MISSING]);

function randomInstruction(rand: () => number): number {
  const def = INSTRUCTIONS[rand() % INSTRUCTIONS.length]!;
  const ops: Operands = {};
  for (const name of operandsOf(def.format)) {
    if (name === "imm") {
      const [lo, hi] = IMM_RANGE[LAYOUT[def.format].imm!];
      // Small immediates keep branches and addresses near the code now and then.
      ops.imm = rand() % 2 ? lo + (rand() % (hi - lo + 1)) : Math.max(lo, Math.min(hi, (rand() % 64) - 32));
    } else ops[name] = rand() % 16;
  }
  return encode(def, ops);
}

interface Case {
  seed: number;
  hosted: boolean;
  paging: boolean;
  missing: boolean;
  validRatio: number;
}

function fuzzOne({ seed, hosted, paging, missing, validRatio }: Case): void {
  const rand = prng(seed);
  const memory = new Memory(MEM);
  const other = new Memory(MEM);
  for (let i = 0; i < other.words.length; i++) other.words[i] = rand();
  const otherHash = hashBytes(other.bytes);

  // Code and data: random words, a share of them legal instructions.
  for (let i = 0; i < memory.words.length; i++) {
    memory.words[i] = rand() % 100 < validRatio ? randomInstruction(rand) : rand();
  }
  const console = new Console(() => {});
  if (rand() % 2) console.feed("input");
  const cpu = new Cpu(memory, { hosted, ports: console });
  cpu.reset((rand() % (MEM / 4)) * 4, 0, MEM);
  for (let r = 1; r < 16; r++) cpu.regs[r] = rand() % 3 === 0 ? rand() % MEM : rand();
  const csr: Record<string, number> = { tvec: (rand() % (MEM / 4)) * 4, timecmp: rand() % 5000, imask: rand() % 4, status: rand() & 0xf };
  if (paging) {
    // A page table in the top 8 pages mapping the low 48 KiB, or random garbage as ptbr.
    identityMap(memory, MEM - 8 * PAGE_SIZE, 48 * 1024, rand() % 2 ? PTE_W | PTE_U : PTE_U);
    csr.ptbr = rand() % 4 ? MEM - 8 * PAGE_SIZE : rand();
    csr.status = csr.status! | 0x10;
  }
  setCsr(cpu, csr);
  if (hosted) cpu.setTranslation(paging, csr.ptbr ?? 0, (rand() & 1) === 1);
  if (missing) {
    for (let p = 0; p < memory.pageCount; p++) if (rand() % 3 === 0) memory.missing[p] = 1;
    memory.missingCount = memory.missing.reduce((a, b) => a + b, 0);
  }

  for (let call = 0; call < 40; call++) {
    const budget = rand() % 3000;
    const before = cpu.ticks;
    const exit = cpu.run(budget);
    expect(EXITS.has(exit)).toBe(true);
    const spent = cpu.ticks - before;
    expect(spent).toBeGreaterThanOrEqual(0);
    expect(spent).toBeLessThanOrEqual(budget);
    if (exit === EXIT_BUDGET) expect(spent).toBe(budget);
    expect(Number.isInteger(cpu.pc) && cpu.pc === (cpu.pc | 0)).toBe(true);
    expect(cpu.regs[0]).toBe(0);
    expect(cpu.csr.length).toBe(CSR_COUNT);
    if (exit === EXIT_HALT) break;
    if (exit === EXIT_IDLE) {
      if (!hosted && rand() % 2) console.feed("x");
      else break;
    }
    if (exit === EXIT_TRAP) cpu.pc = (cpu.pc + 4) | 0; // the monitor skips what it emulated
    if (exit === EXIT_PAGE_MISSING) {
      expect(cpu.missingPage).toBeGreaterThanOrEqual(0);
      expect(memory.missing[cpu.missingPage]).toBe(1);
      memory.fillPage(cpu.missingPage, null);
    }
  }
  expect(hashBytes(other.bytes)).toBe(otherHash);
  expect(Number.isSafeInteger(cpu.ticks)).toBe(true);
  expect(cpu.csr[CSR.status]! & ~0x1f).toBe(0);
}

describe("CPU fuzz", () => {
  const cases = fc.record({
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
    hosted: fc.boolean(),
    paging: fc.boolean(),
    missing: fc.boolean(),
    validRatio: fc.constantFrom(0, 50, 90, 100),
  });

  it("random code only stops with EXIT_* values, within budget, touching only its memory", () => {
    fc.assert(fc.property(cases, (c) => fuzzOne(c)), { numRuns: 250 });
  });

  it("fixed seeds stay covered (bare, hosted, paging, missing pages)", () => {
    for (let seed = 1; seed <= 16; seed++) {
      fuzzOne({ seed, hosted: (seed & 1) === 1, paging: (seed & 2) === 2, missing: (seed & 4) === 4, validRatio: 90 });
    }
  });
});
