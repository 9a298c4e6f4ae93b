/**
 * Paging: two-level walk, permissions (P, W, U), page faults by access kind, A and D bits, the
 * dirty bitmap (data pages and page-table pages updated by the walker) and tlbflush.
 */
import { describe, expect, it } from "vitest";
import {
  CAUSE_ACCESS_FAULT,
  CAUSE_PAGE_FAULT_FETCH,
  CAUSE_PAGE_FAULT_READ,
  CAUSE_PAGE_FAULT_WRITE,
  CSR,
  PTE_A,
  PTE_D,
  PTE_P,
  PTE_U,
  PTE_W,
  STATUS_KERNEL,
  STATUS_PG,
} from "../../isa/arch.js";
import { EXIT_HALT } from "../../isa/cpu/cpu.js";
import { identityMap, machine, mapPages, setCsr, storeWords, w } from "../helpers/machine.js";

const DIR = 0x20000;
const TABLE = 0x21000; // the first (only) page table mapPages allocates for va < 4 MiB
const pteAddr = (va: number) => TABLE + ((va >>> 12) << 2);
const HANDLER = 0x1000;
const HALT = w("halt");

/**
 * va 0 -> pa 0 user code; 0x1000 kernel handler (halt); 0x4000 -> 0x8000 U|W;
 * 0x5000 -> 0x9000 U read-only; 0x6000 -> 0xa000 kernel-only W; 0x7000 not present.
 */
function paged(code: number[], kernel = false, regs: Record<number, number> = {}) {
  const m = machine(code, { memSize: 256 * 1024 });
  storeWords(m.memory, HANDLER, [w("csrr", 13, CSR.cause), HALT]);
  mapPages(m.memory, DIR, [
    [0, 0, PTE_U],
    [HANDLER, HANDLER, 0],
    [0x4000, 0x8000, PTE_U | PTE_W],
    [0x5000, 0x9000, PTE_U],
    [0x6000, 0xa000, PTE_W],
  ]);
  m.memory.dirty.fill(0);
  for (const [r, v] of Object.entries(regs)) m.cpu.regs[Number(r)] = v;
  setCsr(m.cpu, { tvec: HANDLER, ptbr: DIR, status: STATUS_PG | (kernel ? STATUS_KERNEL : 0) });
  return m;
}

const pte = (m: ReturnType<typeof paged>, va: number) => m.memory.words[pteAddr(va) >>> 2]!;

function fault(code: number[], kernel: boolean, regs: Record<number, number> = {}) {
  const m = paged(code, kernel, regs);
  expect(m.cpu.run(1000)).toBe(EXIT_HALT);
  const c = m.cpu.csr;
  return { cause: c[CSR.cause], epc: c[CSR.epc], fault: c[CSR.fault], m };
}

describe("translation and permissions", () => {
  it("user load and store go through the page table to the physical frame", () => {
    const m = paged([w("lw", 5, 2, 4), w("sw", 5, 2, 8), w("sys")], false, { 2: 0x4000 });
    m.memory.words[(0x8004 >>> 2)] = 0x600d;
    m.cpu.run(1000);
    expect(m.memory.words[0x8008 >>> 2]).toBe(0x600d);
    expect(m.memory.words[0x4008 >>> 2]).toBe(0); // the virtual address is not physical
    expect(m.cpu.regs[13]).toBe(9); // the sys reached the handler
  });

  it("not present: read, write and fetch faults carry the address", () => {
    // The fetch fault is taken at the target itself (epc = the address jumped to).
    for (const [word, cause, epc] of [
      [w("lw", 5, 2, 0), CAUSE_PAGE_FAULT_READ, 0],
      [w("sb", 5, 2, 0), CAUSE_PAGE_FAULT_WRITE, 0],
      [w("jalr", 15, 2, 0), CAUSE_PAGE_FAULT_FETCH, 0x7010],
    ] as const) {
      const t = fault([word], false, { 2: 0x7010 });
      expect([t.cause, t.epc, t.fault]).toEqual([cause, epc, 0x7010]);
    }
  });

  it("a directory entry that is not present faults too", () => {
    const t = fault([w("lw", 5, 2, 0)], true, { 2: 0x400000 });
    expect([t.cause, t.fault]).toEqual([CAUSE_PAGE_FAULT_READ, 0x400000]);
  });

  it("user mode may not touch a page without U; the kernel may", () => {
    const u = fault([w("lw", 5, 2, 0)], false, { 2: 0x6000 });
    expect([u.cause, u.fault]).toEqual([CAUSE_PAGE_FAULT_READ, 0x6000]);
    const f = fault([w("jalr", 0, 2, 0)], false, { 2: HANDLER + 4 });
    expect([f.cause, f.fault, f.epc]).toEqual([CAUSE_PAGE_FAULT_FETCH, HANDLER + 4, HANDLER + 4]);
    const k = paged([w("sw", 3, 2, 0), w("lw", 5, 2, 0), HALT], true, { 2: 0x6000, 3: 77 });
    expect(k.cpu.run(100)).toBe(EXIT_HALT);
    expect(k.cpu.regs[5]).toBe(77);
  });

  it("a kernel-mode TLB entry does not serve user mode", () => {
    // Kernel reads 0x6000 (fills the TLB), then drops to user mode and reads it again.
    const code = [w("lw", 5, 2, 0), w("addi", 3, 0, 0x40), w("csrw", 3, CSR.epc), w("sret")];
    const m = paged(code, true, { 2: 0x6000 });
    storeWords(m.memory, 0x40, [w("lw", 6, 2, 0), HALT]);
    setCsr(m.cpu, { status: STATUS_PG | STATUS_KERNEL }); // PKERNEL clear: sret goes to user
    m.cpu.run(100);
    expect([m.cpu.csr[CSR.cause], m.cpu.csr[CSR.epc]]).toEqual([CAUSE_PAGE_FAULT_READ, 0x40]);
  });

  it("writes to a page without W fault in both modes", () => {
    for (const kernel of [false, true]) {
      const t = fault([w("sh", 5, 2, 2)], kernel, { 2: 0x5000 });
      expect([t.cause, t.fault]).toEqual([CAUSE_PAGE_FAULT_WRITE, 0x5002]);
      expect(t.m.memory.dirty[0x9]).toBe(0);
    }
    // Reading it is fine.
    const r = paged([w("lw", 5, 2, 0), HALT], false, { 2: 0x5000 });
    r.memory.words[0x9000 >>> 2] = 5;
    r.cpu.run(10);
    expect(r.cpu.regs[5]).toBe(5);
  });

  it("a page table outside memory is an access fault", () => {
    const m = paged([w("lw", 5, 2, 0), HALT], true, { 2: 0x800000 });
    m.memory.words[(DIR >>> 2) + 2] = 0x7fff000 | PTE_P; // directory entry for 8 MiB -> far frame
    m.cpu.run(100);
    expect([m.cpu.csr[CSR.cause], m.cpu.csr[CSR.fault]]).toEqual([CAUSE_ACCESS_FAULT, 0x800000]);
    // A PTE pointing past the end too.
    const n = paged([w("lw", 5, 2, 0), HALT], true, { 2: 0x3000 });
    n.memory.words[pteAddr(0x3000) >>> 2] = 0x7fff000 | PTE_P;
    n.cpu.run(100);
    expect([n.cpu.csr[CSR.cause], n.cpu.csr[CSR.fault]]).toEqual([CAUSE_ACCESS_FAULT, 0x3000]);
  });
});

describe("accessed and dirty bits", () => {
  it("a fetch and a read set A; a write sets A and D; the page-table page becomes dirty", () => {
    const m = paged([w("lw", 5, 2, 0), w("lw", 5, 2, 0x1000), HALT], true, { 2: 0x4000 });
    m.cpu.run(100);
    expect(pte(m, 0) & (PTE_A | PTE_D)).toBe(PTE_A); // code page fetched
    expect(pte(m, 0x4000) & (PTE_A | PTE_D)).toBe(PTE_A);
    expect(pte(m, 0x5000) & (PTE_A | PTE_D)).toBe(PTE_A);
    expect(pte(m, 0x6000) & (PTE_A | PTE_D)).toBe(0);
    expect(m.memory.takeDirty()).toEqual([TABLE >>> 12]); // only the walker wrote
    const s = paged([w("sw", 5, 2, 0), HALT], true, { 2: 0x4000 });
    s.cpu.run(100);
    expect(pte(s, 0x4000) & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
    expect(s.memory.takeDirty()).toEqual([0x8, TABLE >>> 12]); // physical frame, not virtual page
  });

  it("a write after a read of the same page still sets D", () => {
    const m = paged([w("lw", 5, 2, 0), w("lw", 5, 2, 4), w("sw", 5, 2, 8), HALT], true, { 2: 0x4000 });
    m.cpu.run(100);
    expect(pte(m, 0x4000) & PTE_D).toBe(PTE_D);
  });

  it("clearing D plus tlbflush makes the next store set D again (dirty tracking by PTE)", () => {
    const cleared = 0x8000 | PTE_P | PTE_W | PTE_U | PTE_A;
    const code = [
      w("sw", 5, 2, 0), // sets D
      w("sw", 6, 3, 0), // the kernel clears D through its mapping of the table page
      w("lw", 8, 3, 0),
      w("tlbflush"),
      w("sw", 5, 2, 4), // must set D again
      HALT,
    ];
    const m = paged(code, true, { 2: 0x4000, 3: pteAddr(0x4000), 6: cleared });
    mapPages(m.memory, DIR, [[TABLE, TABLE, PTE_W]]);
    m.cpu.run(100);
    expect(m.cpu.regs[8]).toBe(cleared);
    expect(pte(m, 0x4000)).toBe(cleared | PTE_D);
  });
});

describe("tlbflush and ptbr", () => {
  it("after a PTE changes, tlbflush makes the new mapping take effect", () => {
    const code = [w("lw", 5, 2, 0), w("sw", 6, 3, 0), w("tlbflush"), w("lw", 7, 2, 0), HALT];
    const newPte = 0xb000 | PTE_P | PTE_W | PTE_U;
    const m = paged(code, true, { 2: 0x4000, 3: pteAddr(0x4000), 6: newPte });
    mapPages(m.memory, DIR, [[TABLE, TABLE, PTE_W]]);
    m.memory.words[0x8000 >>> 2] = 111;
    m.memory.words[0xb000 >>> 2] = 222;
    m.cpu.run(100);
    expect([m.cpu.regs[5], m.cpu.regs[7]]).toEqual([111, 222]);
  });

  it("writing ptbr switches address spaces", () => {
    const m = paged([w("lw", 5, 2, 0), w("csrw", 3, CSR.ptbr), w("lw", 6, 2, 0), HALT], true, { 2: 0x4000, 3: 0x30000 });
    mapPages(m.memory, 0x30000, [
      [0, 0, 0],
      [0x4000, 0xc000, 0],
    ]);
    m.memory.words[0x8000 >>> 2] = 1;
    m.memory.words[0xc000 >>> 2] = 2;
    m.cpu.run(100);
    expect([m.cpu.regs[5], m.cpu.regs[6]]).toEqual([1, 2]);
  });
});

describe("identity paging is transparent", () => {
  it("the same program gives the same result with paging off and on", () => {
    const program = [
      w("addi", 2, 0, 0x2000),
      w("addi", 3, 0, 100),
      w("sw", 3, 2, 0), // loop: mem[a1] = a2
      w("lw", 4, 2, 0),
      w("add", 5, 5, 4),
      w("addi", 2, 2, 0x404),
      w("addi", 3, 3, -1),
      w("bne", 3, 0, -5),
      HALT,
    ];
    const off = machine(program, { memSize: 256 * 1024 });
    off.cpu.run(10_000);
    const on = machine(program, { memSize: 256 * 1024 });
    identityMap(on.memory, 0x30000, 0x30000, PTE_W);
    setCsr(on.cpu, { ptbr: 0x30000, status: STATUS_KERNEL | STATUS_PG });
    on.cpu.run(10_000);
    expect(on.cpu.exitStatus).toBe(off.cpu.exitStatus);
    expect(Array.from(on.cpu.regs)).toEqual(Array.from(off.cpu.regs));
    expect(on.cpu.ticks).toBe(off.cpu.ticks);
    expect(on.memory.bytes.subarray(0, 0x30000)).toEqual(off.memory.bytes.subarray(0, 0x30000));
    expect(on.cpu.run(1)).toBe(EXIT_HALT);
  });
});
