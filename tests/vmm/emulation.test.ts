/**
 * Every privileged instruction, with each kind of operand, emulated in the guest kernel and
 * reflected from guest user mode: the monitor must give exactly what the bare CPU gives.
 * Every exception cause: reflected to the guest with the right cause, fault value and epc.
 */
import { describe, expect, it } from "vitest";
import {
  CAUSE_ACCESS_FAULT,
  CAUSE_BREAKPOINT,
  CAUSE_DIVIDE_BY_ZERO,
  CAUSE_ILLEGAL,
  CAUSE_MISALIGNED,
  CAUSE_PAGE_FAULT_FETCH,
  CAUSE_PAGE_FAULT_READ,
  CAUSE_PAGE_FAULT_WRITE,
  CAUSE_PRIVILEGED,
  CAUSE_SYSCALL,
  CSR_COUNT,
  PTE_P,
  PTE_W,
  STATUS_IE,
  STATUS_KERNEL,
  STATUS_PG,
  causeName,
} from "../../isa/arch.js";
import { LAYOUT } from "../../isa/encoding.js";
import { INSTRUCTIONS, type InstructionDef } from "../../isa/table.js";
import { Asm, imageOf, R } from "./builder.js";
import { expectSameAsBare } from "./harness.js";

const { zero, a0, a1, a2, a3, t0, t1 } = R;
const PRIVILEGED = INSTRUCTIONS.filter((d) => d.privileged);

/** Operand variants of a privileged instruction: every CSR (and one past), several ports. */
function variants(def: InstructionDef): { rd?: number; rs1?: number; imm?: number }[] {
  const { imm } = LAYOUT[def.format];
  if (!imm) return [{}];
  if (def.format === "CSRR") return Array.from({ length: CSR_COUNT + 2 }, (_, i) => ({ rd: a3, imm: i }));
  if (def.format === "CSRW") return Array.from({ length: CSR_COUNT + 2 }, (_, i) => ({ rs1: a2, imm: i }));
  if (def.format === "IN") return [0, 1, 2, 0xffff].map((port) => ({ rd: a3, imm: port }));
  return [0, 1, 7].map((port) => ({ rs1: a2, imm: port }));
}

/** Kernel: handler records cause/fault/epc and halts; sets state, then runs `body`. */
function kernel(body: (k: Asm) => void, user = false): Asm {
  const k = new Asm(0x1000);
  k.la(t0, "handler").csrw("tvec", t0);
  k.li(a2, 0x12345678 | STATUS_IE).li(t1, 0x2000).csrw("scratch", t1).li(t1, 0xffff).csrw("timecmp", t1);
  if (user) {
    // Kernel mode with PKERNEL clear: sret drops to user mode.
    k.la(t1, "user").csrw("epc", t1).li(t1, STATUS_KERNEL).csrw("status", t1).op("sret");
    k.label("user");
  }
  body(k);
  k.rri("addi", a0, zero, 0x55).op("halt");
  k.label("handler").csrr(a0, "cause").csrr(a1, "fault").csrr(a2, "epc").op("halt");
  return k;
}

describe("emulation of privileged instructions", () => {
  for (const def of PRIVILEGED) {
    it(`${def.mnemonic}: kernel mode emulated like bare, user mode traps privileged`, () => {
      for (const ops of variants(def)) {
        const image = imageOf([kernel((k) => k.op(def.mnemonic, ops))]);
        expectSameAsBare(image, { input: "Z" });
        const user = kernel((k) => k.op(def.mnemonic, ops).label("after"), true);
        const { vm } = expectSameAsBare(imageOf([user]), { input: "Z" });
        expect(vm.machine.cpu.regs[a0]).toBe(CAUSE_PRIVILEGED);
        expect(vm.machine.cpu.regs[a2]).toBe(user.address("after") - 4);
        expect(vm.machine.stats.snapshot().reflected[causeName(CAUSE_PRIVILEGED)]).toBe(1);
      }
    });
  }

  it("counts emulated instructions by mnemonic", () => {
    const image = imageOf([kernel((k) => k.csrr(a3, "time").op("tlbflush").out(a2).op("in", { rd: a3, imm: 1 }))]);
    const { vm } = expectSameAsBare(image);
    const s = vm.machine.stats.snapshot();
    expect(s.emulatedByMnemonic).toMatchObject({ csrr: 1, tlbflush: 1, out: 1, in: 1, halt: 1 });
  });

  it("csrr time reads the instructions retired before it, as on bare", () => {
    const k = new Asm(0x1000).op("addi", { rd: t0, rs1: 0, imm: 1 }).csrr(a0, "time").csrr(a1, "time").op("halt");
    const { vm } = expectSameAsBare(imageOf([k]));
    expect([vm.machine.cpu.regs[a0], vm.machine.cpu.regs[a1]]).toEqual([1, 2]);
  });
});

/** Maps pages 0..15 (kernel only); page 10 absent, page 11 read-only; paging on. */
function pagingOn(k: Asm): void {
  const PD = 0x8000;
  const PT = 0x9000;
  for (let page = 0; page < 16; page++) {
    if (page === 10) continue;
    k.li(t0, (page << 12) | PTE_P | (page === 11 ? 0 : PTE_W)).li(t1, PT + page * 4).sw(t0, 0, t1);
  }
  k.li(t0, PT | PTE_P).li(t1, PD).sw(t0, 0, t1).csrw("ptbr", t1);
  k.li(t0, STATUS_KERNEL | STATUS_PG).csrw("status", t0);
}

const EXCEPTIONS: { cause: number; fault: (epc: number) => number; body: (k: Asm) => void; user?: boolean }[] = [
  { cause: CAUSE_ILLEGAL, fault: () => 0xff, body: (k) => k.word(0xff) },
  { cause: CAUSE_ILLEGAL, fault: () => 0xf000 | 0x53, body: (k) => k.word(0xf053) }, // csrr with unused bits
  { cause: CAUSE_ILLEGAL, fault: () => (99 << 16) | 0x53 | (a3 << 8), body: (k) => k.csrr(a3, "time").word((99 << 16) | 0x53 | (a3 << 8)) },
  { cause: CAUSE_PRIVILEGED, fault: () => 0x50, body: (k) => k.op("halt"), user: true },
  { cause: CAUSE_MISALIGNED, fault: () => 0x1002, body: (k) => k.li(t0, 0x1002).lw(a3, 0, t0) },
  { cause: CAUSE_MISALIGNED, fault: () => 0x1006, body: (k) => k.li(t0, 0x1006).op("jalr", { rd: 0, rs1: t0, imm: 0 }) },
  { cause: CAUSE_ACCESS_FAULT, fault: () => 0x10000, body: (k) => k.li(t0, 0x10000).sw(t0, 0, t0) },
  { cause: CAUSE_ACCESS_FAULT, fault: () => 0x7ffffffc, body: (k) => k.li(t0, 0x7ffffffc).lw(t1, 0, t0) },
  { cause: CAUSE_DIVIDE_BY_ZERO, fault: () => 0, body: (k) => k.rrr("div", a3, a2, zero) },
  { cause: CAUSE_SYSCALL, fault: () => 0, body: (k) => k.op("sys"), user: true },
  { cause: CAUSE_BREAKPOINT, fault: () => 0, body: (k) => k.op("brk") },
  { cause: CAUSE_PAGE_FAULT_READ, fault: () => 0xa010, body: (k) => (pagingOn(k), k.li(t0, 0xa010).lw(t1, 0, t0)) },
  { cause: CAUSE_PAGE_FAULT_WRITE, fault: () => 0xb004, body: (k) => (pagingOn(k), k.li(t0, 0xb004).sw(t1, 0, t0)) },
  { cause: CAUSE_PAGE_FAULT_FETCH, fault: () => 0xa000, body: (k) => (pagingOn(k), k.li(t0, 0xa000).op("jalr", { rd: 0, rs1: t0, imm: 0 })) },
];

describe("reflection of exceptions to the guest kernel", () => {
  for (const e of EXCEPTIONS) {
    it(`${causeName(e.cause)}${e.user ? " from user mode" : ""}: cause, fault and epc as on bare`, () => {
      const k = kernel((k) => {
        e.body(k);
        k.label("after");
      }, e.user);
      const { vm } = expectSameAsBare(imageOf([k]));
      const regs = vm.machine.cpu.regs;
      expect(regs[a0]! >>> 0).toBe(e.cause);
      const epc = regs[a2]!;
      if (e.cause === CAUSE_PAGE_FAULT_FETCH) expect(epc).toBe(0xa000);
      else expect(epc).toBe(k.address("after") - 4);
      expect(regs[a1]! >>> 0).toBe(e.fault(epc));
      expect(vm.machine.stats.snapshot().reflected[causeName(e.cause)]).toBe(1);
    });
  }
});
