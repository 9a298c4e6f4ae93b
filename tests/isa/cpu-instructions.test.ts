/**
 * Golden tests, one per row of the instruction table: each instruction runs once in a bare
 * machine with edge-value operands and its effect is checked. A new row without a case here
 * fails the coverage test.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { INSTRUCTIONS } from "../../isa/table.js";
import { CSR, PORT, STATUS_KERNEL, STATUS_PKERNEL, STATUS_PIE, STATUS_IE, IRQ_TIMER } from "../../isa/arch.js";
import { EXIT_BUDGET, EXIT_HALT, type Cpu } from "../../isa/cpu/cpu.js";
import { Console } from "../../isa/devices/console.js";
import { machine, w, type Machine } from "../helpers/machine.js";

const INT_MIN = -0x80000000;
const INT_MAX = 0x7fffffff;

/** Runs `words` (at 0) for `budget` ticks after setting registers; returns the machine. */
function run(words: number[], regs: Record<number, number> = {}, budget = 1, setup?: (m: Machine) => void) {
  const m = machine([...words, w("halt")]);
  for (const [r, v] of Object.entries(regs)) m.cpu.regs[Number(r)] = v;
  setup?.(m);
  const exit = m.cpu.run(budget);
  return { ...m, exit };
}

/** rd (t0 = r5) after one register-register instruction on a1 (r2) and a2 (r3). */
function rr(mnemonic: string, a: number, b: number): number {
  const { cpu, exit } = run([w(mnemonic, 5, 2, 3)], { 2: a, 3: b });
  expect(exit).toBe(EXIT_BUDGET);
  expect(cpu.pc).toBe(4);
  return cpu.regs[5]!;
}

/** rd (t0) after one register-immediate instruction on a1. */
function ri(mnemonic: string, a: number, imm: number): number {
  const { cpu } = run([w(mnemonic, 5, 2, imm)], { 2: a });
  expect(cpu.pc).toBe(4);
  return cpu.regs[5]!;
}

function cases(fn: (a: number, b: number) => number, table: [number, number, number][]): void {
  for (const [a, b, expected] of table) expect([a, b, fn(a, b)]).toEqual([a, b, expected | 0]);
}

/** pc after one branch at 0x100 (word offset `off`) comparing a1 and a2. */
function branch(mnemonic: string, a: number, b: number, off: number): number {
  const words = new Array(0x100 / 4).fill(w("halt"));
  words.push(w(mnemonic, 2, 3, off));
  const m = machine(words);
  m.cpu.pc = 0x100;
  m.cpu.regs[2] = a;
  m.cpu.regs[3] = b;
  expect(m.cpu.run(1)).toBe(EXIT_BUDGET);
  return m.cpu.pc;
}

function branchCases(mnemonic: string, taken: [number, number][], notTaken: [number, number][]): void {
  for (const [a, b] of taken) {
    expect(branch(mnemonic, a, b, 3), `${mnemonic} ${a},${b} forward`).toBe(0x100 + 12);
    expect(branch(mnemonic, a, b, -2), `${mnemonic} ${a},${b} backward`).toBe(0x100 - 8);
    expect(branch(mnemonic, a, b, 0), `${mnemonic} ${a},${b} to itself`).toBe(0x100);
  }
  for (const [a, b] of notTaken) expect(branch(mnemonic, a, b, 3), `${mnemonic} ${a},${b} not taken`).toBe(0x104);
}

const mulhRef = (a: number, b: number) => Number(BigInt.asIntN(32, (BigInt(a) * BigInt(b)) >> 32n));
const EDGES = [0, 1, -1, 2, -2, INT_MIN, INT_MAX, INT_MIN + 1, 0x10000, -0x10000, 0xffff, 0x12345678, -0x12345678];

/** Loads: memory at 0x800 holds bytes 0x81 0x80 0x7f 0xff, 0x01 0x80 0x00 0x00 (words 0xff7f8081, 0x8001). */
function load(mnemonic: string, offset: number): { cpu: Cpu; exit: number } {
  return run([w(mnemonic, 5, 2, offset)], { 2: 0x804 }, 1, (m) => {
    m.memory.bytes.set([0x81, 0x80, 0x7f, 0xff, 0x01, 0x80, 0x00, 0x00], 0x800);
  });
}

function store(mnemonic: string, value: number, offset: number) {
  const r = run([w(mnemonic, 3, 2, offset)], { 2: 0x1004, 3: value }, 1, (m) => {
    m.memory.bytes.fill(0xee, 0x1000, 0x1010);
  });
  expect(r.cpu.pc).toBe(4);
  return { bytes: Array.from(r.memory.bytes.subarray(0x1000, 0x1010)), dirty: r.memory.takeDirty() };
}

const GOLDEN: Record<string, () => void> = {
  add: () =>
    cases((a, b) => rr("add", a, b), [
      [INT_MAX, 1, INT_MIN],
      [-1, 1, 0],
      [INT_MIN, INT_MIN, 0],
      [0x12345678, 0x11111111, 0x23456789],
    ]),
  sub: () =>
    cases((a, b) => rr("sub", a, b), [
      [INT_MIN, 1, INT_MAX],
      [0, 1, -1],
      [5, 7, -2],
    ]),
  and: () => cases((a, b) => rr("and", a, b), [[0xff00ff00, 0x0ff00ff0, 0x0f000f00], [-1, INT_MIN, INT_MIN]]),
  or: () => cases((a, b) => rr("or", a, b), [[0xff00ff00, 0x0ff00ff0, 0xfff0fff0], [0, 0, 0]]),
  xor: () => cases((a, b) => rr("xor", a, b), [[0xff00ff00, 0x0ff00ff0, 0xf0f0f0f0], [-1, -1, 0]]),
  shl: () =>
    cases((a, b) => rr("shl", a, b), [
      [1, 31, INT_MIN],
      [3, 31, INT_MIN],
      [1, 32, 1], // only the low 5 bits of rs2 count
      [1, 33, 2],
      [0x12345678, -1, 0], // -1 & 31 = 31
    ]),
  shr: () =>
    cases((a, b) => rr("shr", a, b), [
      [-1, 31, 1],
      [INT_MIN, 4, 0x08000000],
      [-1, 32, -1],
      [-1, 0, -1],
    ]),
  sar: () =>
    cases((a, b) => rr("sar", a, b), [
      [INT_MIN, 31, -1],
      [INT_MIN, 4, 0xf8000000],
      [INT_MAX, 31, 0],
      [-16, 32, -16],
    ]),
  slt: () =>
    cases((a, b) => rr("slt", a, b), [
      [-1, 1, 1],
      [1, -1, 0],
      [5, 5, 0],
      [INT_MIN, INT_MAX, 1],
    ]),
  sltu: () =>
    cases((a, b) => rr("sltu", a, b), [
      [-1, 1, 0],
      [1, -1, 1],
      [5, 5, 0],
      [INT_MAX, INT_MIN, 1],
    ]),
  mul: () => {
    cases((a, b) => rr("mul", a, b), [
      [0x10000, 0x10000, 0],
      [-1, -1, 1],
      [INT_MAX, 2, -2],
      [INT_MIN, -1, INT_MIN],
      [0x12345678, 0x9abcdef, Number(BigInt.asIntN(32, 0x12345678n * 0x9abcdefn))],
    ]);
  },
  mulh: () => {
    for (const a of EDGES) for (const b of EDGES) expect([a, b, rr("mulh", a, b)]).toEqual([a, b, mulhRef(a, b)]);
  },
  div: () =>
    cases((a, b) => rr("div", a, b), [
      [7, 2, 3],
      [-7, 2, -3], // toward zero
      [7, -2, -3],
      [-7, -2, 3],
      [INT_MIN, -1, INT_MIN], // overflow wraps
      [INT_MIN, 1, INT_MIN],
      [0, -5, 0],
    ]),
  divu: () =>
    cases((a, b) => rr("divu", a, b), [
      [-1, 2, INT_MAX],
      [-1, 1, -1],
      [INT_MIN, -1, 0],
      [-2, -1, 0],
      [7, 2, 3],
    ]),
  rem: () =>
    cases((a, b) => rr("rem", a, b), [
      [-7, 2, -1], // sign of rs1
      [7, -2, 1],
      [-7, -2, -1],
      [INT_MIN, -1, 0],
      [5, 5, 0],
    ]),
  remu: () =>
    cases((a, b) => rr("remu", a, b), [
      [-1, 10, 5], // 4294967295 % 10
      [7, -1, 7],
      [INT_MIN, 3, 2], // 2147483648 % 3
    ]),
  addi: () =>
    cases((a, imm) => ri("addi", a, imm), [
      [INT_MAX, 1, INT_MIN],
      [5, -1, 4],
      [0, -0x8000, -0x8000],
      [0, 0x7fff, 0x7fff],
    ]),
  andi: () =>
    cases((a, imm) => ri("andi", a, imm), [
      [-1, 0xffff, 0xffff], // zero-extended
      [-1, 0x8000, 0x8000],
      [0x12345678, 0xff, 0x78],
    ]),
  ori: () =>
    cases((a, imm) => ri("ori", a, imm), [
      [0, 0x8000, 0x8000],
      [0x12340000, 0xffff, 0x1234ffff],
    ]),
  xori: () =>
    cases((a, imm) => ri("xori", a, imm), [
      [-1, 0xffff, 0xffff0000],
      [0, 0x8000, 0x8000],
    ]),
  shli: () => cases((a, s) => ri("shli", a, s), [[1, 31, INT_MIN], [0x12345678, 4, 0x23456780], [7, 0, 7]]),
  shri: () => cases((a, s) => ri("shri", a, s), [[INT_MIN, 31, 1], [-1, 4, 0x0fffffff], [-1, 0, -1]]),
  sari: () => cases((a, s) => ri("sari", a, s), [[INT_MIN, 31, -1], [-256, 4, -16], [INT_MAX, 31, 0]]),
  slti: () =>
    cases((a, imm) => ri("slti", a, imm), [
      [-5, -4, 1],
      [0, -1, 0],
      [-0x8001, -0x8000, 1],
      [3, 3, 0],
    ]),
  sltiu: () =>
    cases((a, imm) => ri("sltiu", a, imm), [
      [5, -1, 1], // imm sign-extended to 0xffffffff, compared unsigned
      [-1, 5, 0],
      [-2, -1, 1],
      [0, 0, 0],
    ]),
  lui: () => {
    for (const [imm, expected] of [
      [0xffff, 0xffff0000 | 0],
      [0x8000, INT_MIN],
      [0x1234, 0x12340000],
      [0, 0],
    ] as const) {
      const { cpu } = run([w("lui", 5, imm)], { 5: 0x5555 });
      expect(cpu.regs[5]).toBe(expected);
    }
  },
  lw: () => {
    expect(load("lw", -4).cpu.regs[5]).toBe(0xff7f8081 | 0);
    expect(load("lw", 0).cpu.regs[5]).toBe(0x8001);
  },
  lh: () => {
    expect(load("lh", -4).cpu.regs[5]).toBe(-0x7f7f); // 0x8081 sign-extended
    expect(load("lh", -2).cpu.regs[5]).toBe(-129); // 0xff7f
    expect(load("lh", 0).cpu.regs[5]).toBe(-0x7fff); // 0x8001
  },
  lhu: () => {
    expect(load("lhu", -4).cpu.regs[5]).toBe(0x8081);
    expect(load("lhu", -2).cpu.regs[5]).toBe(0xff7f);
  },
  lb: () => {
    expect(load("lb", -4).cpu.regs[5]).toBe(-127);
    expect(load("lb", -3).cpu.regs[5]).toBe(-128);
    expect(load("lb", -2).cpu.regs[5]).toBe(0x7f);
    expect(load("lb", -1).cpu.regs[5]).toBe(-1);
  },
  lbu: () => {
    expect(load("lbu", -3).cpu.regs[5]).toBe(0x80);
    expect(load("lbu", -1).cpu.regs[5]).toBe(0xff);
  },
  sw: () => {
    const { bytes, dirty } = store("sw", 0x11223344, 4);
    expect(bytes.slice(4, 12)).toEqual([0xee, 0xee, 0xee, 0xee, 0x44, 0x33, 0x22, 0x11]);
    expect(dirty).toEqual([1]);
    expect(store("sw", -1, -4).bytes.slice(0, 4)).toEqual([0xff, 0xff, 0xff, 0xff]);
  },
  sh: () => {
    const { bytes, dirty } = store("sh", 0x11223344, 2);
    expect(bytes.slice(4, 10)).toEqual([0xee, 0xee, 0x44, 0x33, 0xee, 0xee]);
    expect(dirty).toEqual([1]);
  },
  sb: () => {
    const { bytes, dirty } = store("sb", 0x112233f4, -1);
    expect(bytes.slice(2, 6)).toEqual([0xee, 0xf4, 0xee, 0xee]);
    expect(dirty).toEqual([1]);
  },
  beq: () => branchCases("beq", [[5, 5], [-1, -1]], [[5, 6], [0, INT_MIN]]),
  bne: () => branchCases("bne", [[5, 6], [0, INT_MIN]], [[5, 5], [-1, -1]]),
  blt: () => branchCases("blt", [[-1, 1], [INT_MIN, INT_MAX]], [[1, -1], [5, 5]]),
  bge: () => branchCases("bge", [[1, -1], [5, 5], [INT_MAX, INT_MIN]], [[-1, 1]]),
  bltu: () => branchCases("bltu", [[1, -1], [INT_MAX, INT_MIN]], [[-1, 1], [5, 5]]),
  bgeu: () => branchCases("bgeu", [[-1, 1], [5, 5], [INT_MIN, INT_MAX]], [[1, -1]]),
  jal: () => {
    const words = new Array(0x40).fill(w("halt"));
    words[0x10] = w("jal", 15, 5);
    let m = machine(words);
    m.cpu.pc = 0x40;
    m.cpu.run(1);
    expect([m.cpu.pc, m.cpu.regs[15]]).toEqual([0x40 + 20, 0x44]);
    words[0x10] = w("jal", 15, -0x10);
    m = machine(words);
    m.cpu.pc = 0x40;
    m.cpu.run(1);
    expect([m.cpu.pc, m.cpu.regs[15]]).toEqual([0, 0x44]);
    words[0x10] = w("jal", 0, 1); // no link
    m = machine(words);
    m.cpu.pc = 0x40;
    m.cpu.run(1);
    expect([m.cpu.pc, m.cpu.regs[0]]).toEqual([0x44, 0]);
  },
  jalr: () => {
    let r = run([w("add", 0, 0, 0), w("jalr", 15, 2, -8)], { 2: 0x108 }, 2);
    expect([r.cpu.pc, r.cpu.regs[15]]).toEqual([0x100, 8]);
    // rd == rs1: the target uses the old value.
    r = run([w("jalr", 2, 2, 4)], { 2: 0x200 });
    expect([r.cpu.pc, r.cpu.regs[2]]).toEqual([0x204, 4]);
  },
  sys: () => {
    // tvec points at the halt after it; sys itself does not retire.
    const r = run([w("sys")], {}, 5, (m) => (m.cpu.csr[CSR.tvec] = 4));
    expect([r.exit, r.cpu.csr[CSR.cause], r.cpu.csr[CSR.epc], r.cpu.ticks]).toEqual([EXIT_HALT, 9, 0, 1]);
  },
  brk: () => {
    const r = run([w("addi", 1, 0, 1), w("brk")], {}, 5, (m) => (m.cpu.csr[CSR.tvec] = 8));
    expect([r.exit, r.cpu.csr[CSR.cause], r.cpu.csr[CSR.epc], r.cpu.ticks]).toEqual([EXIT_HALT, 10, 4, 2]);
  },
  halt: () => {
    const r = run([w("addi", 1, 0, -3), w("halt")], {}, 100);
    expect([r.exit, r.cpu.halted, r.cpu.exitStatus, r.cpu.pc, r.cpu.ticks]).toEqual([EXIT_HALT, true, -3, 8, 2]);
    expect(r.cpu.run(100)).toBe(EXIT_HALT); // stays halted
    expect(r.cpu.ticks).toBe(2);
  },
  wfi: () => {
    // Timer already pending and enabled in imask (IE off): wfi completes at once.
    const r = run([w("wfi")], {}, 1, (m) => {
      m.cpu.csr[CSR.imask] = IRQ_TIMER;
      m.cpu.csr[CSR.timecmp] = 0;
    });
    expect([r.exit, r.cpu.pc, r.cpu.ticks, r.cpu.idleTicks]).toEqual([EXIT_BUDGET, 4, 1, 0]);
  },
  sret: () => {
    const r = run([w("sret")], {}, 1, (m) => {
      m.cpu.csr[CSR.epc] = 0x400;
      m.cpu.csr[CSR.status] = STATUS_KERNEL | STATUS_PKERNEL | STATUS_PIE;
    });
    expect([r.cpu.pc, r.cpu.csr[CSR.status], r.cpu.ticks]).toEqual([0x400, STATUS_KERNEL | STATUS_PKERNEL | STATUS_PIE | STATUS_IE, 1]);
    const u = run([w("sret")], {}, 1, (m) => {
      m.cpu.csr[CSR.epc] = 0x400;
      m.cpu.csr[CSR.status] = STATUS_KERNEL;
    });
    expect([u.cpu.pc, u.cpu.csr[CSR.status]]).toEqual([0x400, 0]); // to user mode, IE off
  },
  csrr: () => {
    const r = run([w("addi", 1, 0, 1), w("addi", 1, 0, 1), w("csrr", 5, CSR.time), w("csrr", 6, CSR.scratch)], {}, 4, (m) => {
      m.cpu.csr[CSR.scratch] = -77;
    });
    expect([r.cpu.regs[5], r.cpu.regs[6]]).toEqual([2, -77]); // time = instructions retired before it
  },
  csrw: () => {
    const r = run([w("csrw", 2, CSR.scratch), w("csrw", 3, CSR.status)], { 2: 0x1234, 3: -1 }, 2);
    expect([r.cpu.csr[CSR.scratch], r.cpu.csr[CSR.status], r.cpu.pc]).toEqual([0x1234, 0x1f, 8]);
  },
  in: () => {
    const console = new Console(() => {});
    console.feed("A");
    const m = machine([w("in", 5, PORT.consoleStatus), w("in", 6, PORT.consoleData), w("in", 7, PORT.consoleData), w("in", 8, 99)], { ports: console });
    m.cpu.run(4);
    expect([m.cpu.regs[5], m.cpu.regs[6], m.cpu.regs[7], m.cpu.regs[8]]).toEqual([1, 65, -1, -1]);
  },
  out: () => {
    const out: number[] = [];
    const m = machine([w("out", 2, PORT.consoleData), w("out", 2, 77)], { ports: new Console((b) => out.push(b)) });
    m.cpu.regs[2] = 0x1234_5648;
    m.cpu.run(2);
    expect([out, m.cpu.pc]).toEqual([[0x48], 8]);
  },
  tlbflush: () => {
    const r = run([w("tlbflush"), w("addi", 5, 0, 9)], {}, 2);
    expect([r.cpu.pc, r.cpu.regs[5], r.cpu.ticks]).toEqual([8, 9, 2]);
  },
};

describe("instruction golden tests", () => {
  it("cover every row of the instruction table", () => {
    expect(Object.keys(GOLDEN).sort()).toEqual(INSTRUCTIONS.map((d) => d.mnemonic).sort());
  });
  for (const def of INSTRUCTIONS) {
    it(`${def.mnemonic}`, () => {
      const test = GOLDEN[def.mnemonic];
      expect(test, `no golden test for ${def.mnemonic}`).toBeDefined();
      test!();
    });
  }
  it("writes to r0 are discarded, even by the last instruction of a run", () => {
    const r = run([w("addi", 0, 0, 5)], {}, 1);
    expect(r.cpu.regs[0]).toBe(0);
    const l = run([w("addi", 0, 0, 5), w("add", 5, 0, 0)], {}, 2);
    expect([l.cpu.regs[0], l.cpu.regs[5]]).toEqual([0, 0]);
  });
});

describe("arithmetic against a BigInt reference", () => {
  const i32 = fc.oneof(fc.integer({ min: INT_MIN, max: INT_MAX }), fc.constantFrom(...EDGES));
  it("mul, mulh, div, divu, rem, remu", () => {
    fc.assert(
      fc.property(i32, i32, (a, b) => {
        const A = BigInt(a);
        const B = BigInt(b);
        const ua = BigInt(a >>> 0);
        const ub = BigInt(b >>> 0);
        expect(rr("mul", a, b)).toBe(Number(BigInt.asIntN(32, A * B)));
        expect(rr("mulh", a, b)).toBe(mulhRef(a, b));
        if (b !== 0) {
          expect(rr("div", a, b)).toBe(Number(BigInt.asIntN(32, A / B)));
          expect(rr("rem", a, b)).toBe(Number(BigInt.asIntN(32, A % B)));
          expect(rr("divu", a, b)).toBe(Number(BigInt.asIntN(32, ua / ub)));
          expect(rr("remu", a, b)).toBe(Number(BigInt.asIntN(32, ua % ub)));
        }
      }),
      { numRuns: 300 },
    );
  });
});
