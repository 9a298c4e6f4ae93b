/**
 * The TLB as the architecture defines it (docs/ISA.md, "TLB"): entries are filled by walks and
 * serve until evicted by a fill of the same slot or flushed, whatever the host does in between
 * — slice boundaries, the block compiler, a save and restore.
 */
import { describe, expect, it } from "vitest";
import { CSR, PAGE_SIZE, PTE_A, PTE_D, PTE_P, PTE_W, STATUS_KERNEL, STATUS_PG } from "../../isa/arch.js";
import { Cpu, EXIT_HALT, EXIT_PAGE_MISSING, type CpuState } from "../../isa/cpu/cpu.js";
import { TLB_SIZE } from "../../isa/cpu/mmu.js";
import { cpuStateSchema } from "../../isa/cpu/state.js";
import { UserError } from "../../isa/errors.js";
import { Memory } from "../../isa/memory.js";
import { parseAs, problemOf } from "../../isa/schema.js";
import { mapPages, setCsr, storeWords, w } from "../helpers/machine.js";

const MEM = 256 * 1024;
const DIR = 0x20000;
const TABLE0 = DIR + PAGE_SIZE; // va 0..4 MiB
const TABLE1 = DIR + 2 * PAGE_SIZE; // va 4..8 MiB
const FAR = 0x400000; // FAR + x takes the TLB slot of x
const CODE = 0x10000;
const ALT = 0x11000; // a second copy of the code, with other constants
const pteOf = (va: number) => (va < FAR ? TABLE0 : TABLE1) + ((va >>> 12) & 0x3ff) * 4;
const HALT = w("halt");

/** Ways to drive a CPU: one run, or cut into slices, with and without the block compiler. */
const DRIVERS: [string, boolean, number][] = [
  ["one run", false, 1e6],
  ["one run, jit", true, 1e6],
  ["slices of 1", false, 1],
  ["slices of 1, jit", true, 1],
  ["slices of 5", false, 5],
  ["slices of 7, jit", true, 7],
];

/**
 * Kernel, paging on: `code` at va CODE (frame CODE), `alt` in frame ALT; low memory and the
 * page tables identity mapped and writable, FAR + 0x2000 on frame 0x2000.
 */
function paged(code: number[], alt: number[], jit: boolean): Cpu {
  const memory = new Memory(MEM);
  storeWords(memory, CODE, code);
  storeWords(memory, ALT, alt);
  const maps: [number, number, number][] = [];
  for (let a = 0; a < 0x10000; a += PAGE_SIZE) maps.push([a, a, PTE_W]);
  maps.push([CODE, CODE, 0], [DIR, DIR, PTE_W], [TABLE0, TABLE0, PTE_W], [TABLE1, TABLE1, PTE_W]);
  maps.push([FAR + 0x2000, 0x2000, PTE_W], [FAR + (CODE & 0x3fffff), 0x3000, PTE_W]);
  mapPages(memory, DIR, maps);
  const cpu = new Cpu(memory, { jit, jitThreshold: 1, jitPageBackoff: false });
  cpu.reset(CODE, 0, MEM);
  setCsr(cpu, { status: STATUS_KERNEL | STATUS_PG, ptbr: DIR });
  return cpu;
}

function drive(cpu: Cpu, slice: number): Cpu {
  for (let i = 0; i < 100_000; i++) if (cpu.run(slice) === EXIT_HALT) return cpu;
  throw new Error("no halt");
}

/** Registers: r3 = CODE's PTE address, r4 = FAR + CODE (CODE's slot), r6 = a new PTE for CODE. */
function codeRemap(cpu: Cpu, pte: number): Cpu {
  Object.assign(cpu.regs, { 3: pteOf(CODE), 4: FAR + CODE, 6: pte });
  return cpu;
}

describe("TLB entries serve until evicted or flushed, however the run is sliced", () => {
  for (const [name, jit, slice] of DRIVERS) {
    it(`${name}: a cleared A bit stays clear while the entry serves`, () => {
      const code = [
        w("sw", 6, 3, 0), // CODE's PTE without A (no tlbflush)
        w("addi", 12, 0, 20),
        w("addi", 12, 12, -1),
        w("bne", 12, 0, -1),
        w("lw", 8, 3, 0),
        HALT,
      ];
      const cpu = drive(codeRemap(paged(code, [], jit), CODE | PTE_P), slice);
      expect(cpu.regs[8]).toBe(CODE | PTE_P);
    });

    it(`${name}: a remapped code page runs on from the old frame until tlbflush`, () => {
      const program = (step: number) => [
        w("sw", 6, 3, 0), // CODE now names ALT
        w("addi", 5, 5, step),
        w("addi", 5, 5, step),
        w("addi", 5, 5, step),
        w("tlbflush"),
        w("addi", 5, 5, step),
        HALT,
      ];
      const cpu = drive(codeRemap(paged(program(1), program(100), jit), ALT | PTE_P), slice);
      expect(cpu.regs[5]).toBe(3 + 100);
    });

    it(`${name}: a data access that takes the fetch page's slot makes the next fetch walk`, () => {
      const program = (step: number) => [
        w("sw", 6, 3, 0), // CODE now names ALT
        w("addi", 5, 5, step),
        w("lw", 7, 4, 0), // FAR + CODE: CODE's slot
        w("addi", 5, 5, step),
        HALT,
      ];
      const cpu = drive(codeRemap(paged(program(1), program(100), jit), ALT | PTE_P), slice);
      expect(cpu.regs[5]).toBe(1 + 100);
    });
  }

  it("a store through a write entry of a page that holds compiled code uses the entry", () => {
    // V (va 0x401000) aliases the code's frame 0; after its PTE names frame 0x3000 (no flush),
    // the loop on frame 0 is compiled, and a store through V must still reach frame 0.
    const V = FAR + 0x1000;
    const code = [
      w("sw", 5, 1, 0x800), // walks: V's PTE gets D, the entry may write
      w("sw", 6, 3, 0), // V now names frame 0x3000
      w("addi", 12, 0, 30),
      w("addi", 12, 12, -1),
      w("bne", 12, 0, -1),
      w("sw", 7, 1, 0x804),
      w("lw", 8, 0, 0x804),
      w("lw", 9, 0, 0x3804),
      HALT,
    ];
    for (const [name, jit, slice] of DRIVERS) {
      const memory = new Memory(MEM);
      storeWords(memory, 0, code);
      const maps: [number, number, number][] = [
        [V, 0, PTE_W],
        [TABLE1, TABLE1, PTE_W],
      ];
      for (let a = 0; a < 0x10000; a += PAGE_SIZE) maps.push([a, a, PTE_W]);
      mapPages(memory, DIR, maps.reverse());
      const cpu = new Cpu(memory, { jit, jitThreshold: 1, jitPageBackoff: false });
      cpu.reset(0, 0, MEM);
      Object.assign(cpu.regs, { 1: V, 3: pteOf(V), 6: 0x3000 | PTE_P | PTE_W | PTE_A | PTE_D, 7: 77 });
      setCsr(cpu, { status: STATUS_KERNEL | STATUS_PG, ptbr: DIR });
      drive(cpu, slice);
      expect([name, cpu.regs[8], cpu.regs[9]]).toEqual([name, 77, 0]);
    }
  });
});

describe("what flushes the TLB", () => {
  /**
   * Reads data va 0x2000 (frame 0x2000), remaps it to frame 0x3000, runs `between`, reads again.
   * Traps go to 0x40, which returns past the trapping instruction.
   */
  function remapData(between: number[]): Cpu {
    const code = [w("lw", 5, 2, 0), w("sw", 6, 3, 0), ...between, w("lw", 7, 2, 0), HALT];
    const cpu = paged(code, [], false);
    storeWords(cpu.memory, 0x40, [w("csrr", 11, CSR.epc), w("addi", 11, 11, 4), w("csrw", 11, CSR.epc), w("sret")]);
    cpu.memory.words[0x2000 >>> 2] = 1;
    cpu.memory.words[0x3000 >>> 2] = 2;
    Object.assign(cpu.regs, { 2: 0x2000, 3: pteOf(0x2000), 6: 0x3000 | PTE_P | PTE_W, 8: DIR, 9: STATUS_PG });
    return drive(cpu, 1e6);
  }

  it("tlbflush and any ptbr write do; a status write that keeps paging on does not", () => {
    expect(remapData([]).regs[7]).toBe(1);
    expect(remapData([w("tlbflush")]).regs[7]).toBe(2);
    expect(remapData([w("csrw", 8, CSR.ptbr)]).regs[7]).toBe(2);
    expect(remapData([w("csrr", 10, CSR.status), w("csrw", 10, CSR.status)]).regs[7]).toBe(1);
  });

  it("trap entry and sret do not", () => {
    const cpu = remapData([w("addi", 10, 0, 0x40), w("csrw", 10, CSR.tvec), w("sys")]);
    expect([cpu.regs[7], cpu.csr[CSR.epc]]).toEqual([1, CODE + 20]); // past the sys
  });
});

describe("save and restore carry the TLB", () => {
  const program = (step: number) => [
    w("sw", 6, 3, 0),
    w("addi", 5, 5, step),
    w("lw", 7, 0, 0x2000),
    w("addi", 5, 5, step),
    w("tlbflush"),
    w("addi", 5, 5, step),
    HALT,
  ];

  it("a restore after every instruction leaves the result of an unsaved run", () => {
    const cpu = codeRemap(paged(program(1), program(100), false), ALT | PTE_P);
    for (let i = 0; i < 100 && cpu.run(1) !== EXIT_HALT; i++) {
      const state = JSON.parse(JSON.stringify(cpu.save())) as CpuState;
      cpu.reset(0, 0, 0);
      cpu.restore(state);
    }
    expect(cpu.regs[5]).toBe(2 + 100);
  });

  it("restored where no page has arrived (post-copy), an entry waits for its frame, then serves without a walk", () => {
    const cpu = codeRemap(paged(program(1), program(100), false), ALT | PTE_P);
    cpu.run(2); // CODE's PTE names ALT now, but the entry still names CODE
    const source = new Memory(MEM);
    source.bytes.set(cpu.memory.bytes);
    const memory = new Memory(MEM);
    memory.markAllMissing();
    const copy = new Cpu(memory);
    copy.restore(JSON.parse(JSON.stringify(cpu.save())) as CpuState);
    const waited: number[] = [];
    for (let exit = copy.run(1e6); exit === EXIT_PAGE_MISSING; exit = copy.run(1e6)) {
      waited.push(copy.missingPage);
      memory.fillPage(copy.missingPage, source.page(copy.missingPage));
    }
    expect(waited[0]).toBe(CODE >>> 12);
    expect(copy.regs[5]).toBe(2 + 100);
  });

  it("only valid entries are saved, and they round-trip", () => {
    const cpu = codeRemap(paged(program(1), program(100), true), ALT | PTE_P);
    cpu.run(4);
    const state = cpu.save();
    expect(state.version).toBe(2);
    // CODE (fetch), its PTE's page (a store: may write), 0x2000 (a read of a clean page).
    expect(state.tlb).toEqual([
      [0x2, 0x2, 1],
      [0x10, 0x10, 1],
      [0x21, 0x21, 3],
    ]);
    const memory = new Memory(MEM);
    memory.bytes.set(cpu.memory.bytes);
    const copy = new Cpu(memory);
    copy.restore(JSON.parse(JSON.stringify(state)) as CpuState);
    expect(copy.save()).toEqual(state);
    copy.run(1e6);
    cpu.run(1e6);
    expect(copy.save()).toEqual(cpu.save());
    expect(memory.bytes).toEqual(cpu.memory.bytes);
  });

  it("refuses other versions and entries the TLB cannot hold, in one line", () => {
    const cpu = paged([HALT], [], false);
    cpu.run(1);
    const state = cpu.save();
    const bad: [Partial<CpuState> | Record<string, unknown>, RegExp][] = [
      [{ version: 1 as 2 }, /CPU state version 1 is not supported \(expected 2\)/],
      [{ tlb: [[0x10, MEM >>> 12, 1]] }, /TLB entry 0: frame 64 is outside memory/],
      [{ tlb: [[0x10, 0x10, 4]] }, /TLB entry 0: flags 4/],
      [
        {
          tlb: [
            [0x10, 0x10, 1],
            [0x10 + TLB_SIZE, 0x11, 1],
          ],
        },
        /TLB entry 1: slot 16 is taken/,
      ],
      [{ tlb: [[1 << 20, 0, 0]] }, /TLB entry 0: page/],
      [{ tlb: [[0.5, 0, 0]] }, /TLB entry 0: page/],
      [{ tlb: "x" }, /TLB/],
    ];
    for (const [change, message] of bad) {
      const copy = new Cpu(cpu.memory);
      const attempt = () => copy.restore({ ...state, ...change } as CpuState);
      expect(attempt).toThrow(UserError);
      expect(attempt).toThrow(message);
    }
  });

  it("the state schema takes the saved TLB and refuses two entries for one slot", () => {
    const cpu = codeRemap(paged(program(1), program(100), false), ALT | PTE_P);
    cpu.run(4);
    const state = JSON.parse(JSON.stringify(cpu.save())) as CpuState;
    expect(parseAs(cpuStateSchema, state, "cpu")).toEqual(state);
    const twice = { ...state, tlb: [...state.tlb, [0x10 + TLB_SIZE, 0, 0]] };
    expect(() => parseAs(cpuStateSchema, twice, "cpu")).toThrow("cpu: tlb[3]: expected one entry per TLB slot");
    expect(() => parseAs(cpuStateSchema, { ...state, version: 1 }, "cpu")).toThrow(
      /1 is not supported \(this toyvmm reads 2\)/,
    );
  });

  it("the state schema names the first malformed TLB entry and its item, and checks a full TLB", () => {
    const state = JSON.parse(JSON.stringify(paged([HALT], [], false).save())) as CpuState;
    const problem = (tlb: unknown) => problemOf(cpuStateSchema, { ...state, tlb }, "cpu");
    const full = Array.from({ length: TLB_SIZE }, (_, i) => [i, 0, 3]);
    expect(problem(full)).toBeNull();
    expect(problem([...full, [TLB_SIZE, 0, 0]])).toBe(`cpu.tlb: expected a list of at most ${TLB_SIZE} TLB entries`);
    expect(problem("x")).toBe(`cpu.tlb: expected a list of at most ${TLB_SIZE} TLB entries`);
    for (const entry of [[1, 2], [1, 2, 3, 4], 7, null, {}]) expect(problem([[0, 0, 0], entry])).toBe("cpu.tlb[1]: expected [page, frame, flags]");
    expect(problem([[0, 0, 0], [1.5, 0, 0]])).toBe("cpu.tlb[1][0]: expected a whole number from 0 to 1048575");
    expect(problem([[0, -1, 0]])).toBe("cpu.tlb[0][1]: expected a whole number from 0 to 1048575");
    expect(problem([[0, 0, "1"], [1, 0, 9]])).toBe("cpu.tlb[0][2]: expected a whole number from 0 to 3");
    // A malformed entry is named before any problem of the whole state (two entries for one slot, here).
    expect(problem([[1, 0, 0], [1, 0, 0], [2, 0, 9]])).toBe("cpu.tlb[2][2]: expected a whole number from 0 to 3");
  });
});
