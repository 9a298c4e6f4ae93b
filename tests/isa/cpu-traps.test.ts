/**
 * One test per exception and interrupt of the bare CPU (trap entry through tvec with
 * epc/cause/fault/status), then the hosted mode (EXIT_TRAP with pc at the instruction) and
 * post-copy missing pages (EXIT_PAGE_MISSING, restart after fillPage).
 */
import { describe, expect, it } from "vitest";
import {
  CAUSE_ACCESS_FAULT,
  CAUSE_BREAKPOINT,
  CAUSE_CONSOLE,
  CAUSE_DIVIDE_BY_ZERO,
  CAUSE_ILLEGAL,
  CAUSE_MISALIGNED,
  CAUSE_PRIVILEGED,
  CAUSE_SYSCALL,
  CAUSE_TIMER,
  CSR,
  IRQ_CONSOLE,
  IRQ_TIMER,
  PAGE_SIZE,
  STATUS_IE,
  STATUS_KERNEL,
  STATUS_PIE,
  STATUS_PKERNEL,
} from "../../isa/arch.js";
import { EXIT_BUDGET, EXIT_HALT, EXIT_IDLE, EXIT_PAGE_MISSING, EXIT_TRAP } from "../../isa/cpu/cpu.js";
import { Console } from "../../isa/devices/console.js";
import { UNUSED_BITS } from "../../isa/encoding.js";
import { INSTRUCTIONS } from "../../isa/table.js";
import { li, machine, setCsr, storeWords, w, type MachineOptions } from "../helpers/machine.js";

const HANDLER = 0x400;
const HALT = w("halt");

/** A bare machine with `code` at 0 and a handler at HANDLER that halts (so csr can be read). */
function bare(code: number[], options: MachineOptions = {}) {
  const m = machine(code, options);
  storeWords(m.memory, HANDLER, [HALT]);
  setCsr(m.cpu, { tvec: HANDLER });
  return m;
}

/** Runs until halt and returns the trap CSRs. */
function trapOf(code: number[], regs: Record<number, number> = {}, status = STATUS_KERNEL) {
  const m = bare(code);
  for (const [r, v] of Object.entries(regs)) m.cpu.regs[Number(r)] = v;
  setCsr(m.cpu, { status });
  const exit = m.cpu.run(1000);
  const c = m.cpu.csr;
  return { exit, pc: m.cpu.pc, cause: c[CSR.cause]!, epc: c[CSR.epc]!, fault: c[CSR.fault]!, status: c[CSR.status]!, m };
}

describe("exceptions (bare: enter the kernel through tvec)", () => {
  it("illegal opcode: cause, fault = the word, epc = the instruction, status saved", () => {
    for (const word of [0, 0xff, 0x1b, 0x3f, 0x58]) {
      const t = trapOf([w("addi", 1, 0, 1), word], {}, STATUS_KERNEL | STATUS_IE);
      expect(t).toMatchObject({ exit: EXIT_HALT, pc: HANDLER + 4, cause: CAUSE_ILLEGAL, epc: 4, fault: word });
      expect(t.status).toBe(STATUS_KERNEL | STATUS_PKERNEL | STATUS_PIE); // IE off, previous saved
      expect(t.m.cpu.ticks).toBe(2); // addi and the handler's halt; the illegal word did not retire
    }
  });

  it("a word with any unused bit set is illegal, for every format that has unused bits", () => {
    let checked = 0;
    for (const def of INSTRUCTIONS) {
      const unused = UNUSED_BITS[def.format];
      for (let bit = 0; bit < 32; bit++) {
        if (((unused >>> bit) & 1) === 0) continue;
        const word = (def.opcode | (1 << bit)) >>> 0;
        const t = trapOf([word]);
        expect([def.mnemonic, bit, t.cause, t.fault >>> 0, t.epc]).toEqual([def.mnemonic, bit, CAUSE_ILLEGAL, word, 0]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("privileged instruction in user mode: cause privileged, fault = word, PKERNEL clear", () => {
    const word = w("csrr", 1, CSR.scratch);
    const t = trapOf([word], {}, STATUS_IE); // user mode, interrupts on
    expect(t).toMatchObject({ cause: CAUSE_PRIVILEGED, epc: 0, fault: word, status: STATUS_KERNEL | STATUS_PIE });
    expect(t.m.cpu.regs[1]).toBe(0);
  });

  it("misaligned lw, lh, sh, sw and jalr target trap at the instruction with fault = address", () => {
    for (const [word, addr] of [
      [w("lw", 5, 2, 1), 0x801],
      [w("lw", 5, 2, 2), 0x802],
      [w("lh", 5, 2, 1), 0x801],
      [w("lhu", 5, 2, 3), 0x803],
      [w("sh", 5, 2, 1), 0x801],
      [w("sw", 5, 2, 3), 0x803],
      [w("jalr", 15, 2, 2), 0x802],
    ] as const) {
      const t = trapOf([w("addi", 3, 0, 1), word], { 2: 0x800, 5: 0x77 });
      expect([t.cause, t.epc, t.fault]).toEqual([CAUSE_MISALIGNED, 4, addr]);
      expect(t.m.cpu.regs[15]).toBe(0); // jalr did not link
      expect(t.m.memory.dirtyCount()).toBe(0); // no store happened
    }
  });

  it("misaligned pc (sret to an odd epc) faults on fetch with fault = pc", () => {
    const m = bare([w("sret")]);
    setCsr(m.cpu, { epc: 0x102 });
    m.cpu.run(100);
    expect([m.cpu.csr[CSR.cause], m.cpu.csr[CSR.epc], m.cpu.csr[CSR.fault]]).toEqual([CAUSE_MISALIGNED, 0x102, 0x102]);
  });

  it("access fault past the end of memory: load, store and fetch", () => {
    const size = 64 * 1024;
    for (const word of [w("lw", 5, 2, 0), w("sb", 5, 2, 0), w("lhu", 5, 2, 0)]) {
      const t = trapOf([word], { 2: size });
      expect([t.cause, t.epc, t.fault]).toEqual([CAUSE_ACCESS_FAULT, 0, size]);
    }
    // The last byte is fine; one past it is not.
    expect(trapOf([w("lbu", 5, 2, -1), HALT], { 2: size }).m.cpu.csr[CSR.cause]).toBe(0);
    expect(trapOf([w("lbu", 5, 2, 0)], { 2: size }).cause).toBe(CAUSE_ACCESS_FAULT);
    // Negative addresses are huge unsigned ones.
    expect(trapOf([w("lw", 5, 0, -4)]).fault).toBe(-4);
    const f = trapOf([w("jalr", 0, 2, 0)], { 2: size });
    expect([f.cause, f.epc, f.fault]).toEqual([CAUSE_ACCESS_FAULT, size, size]);
  });

  it("divide by zero: div, divu, rem, remu leave rd alone", () => {
    for (const m of ["div", "divu", "rem", "remu"]) {
      const t = trapOf([w(m, 5, 2, 3)], { 2: 7, 3: 0, 5: 42 });
      expect([m, t.cause, t.epc, t.fault, t.m.cpu.regs[5]]).toEqual([m, CAUSE_DIVIDE_BY_ZERO, 0, 0, 42]);
    }
  });

  it("sys and brk: epc = the instruction; the handler skips it and sret returns to user mode", () => {
    // Handler: epc += 4, count in s0, sret.
    const handler = [w("csrr", 5, CSR.epc), w("addi", 5, 5, 4), w("csrw", 5, CSR.epc), w("addi", 10, 10, 1), w("sret")];
    for (const [word, cause] of [
      [w("sys"), CAUSE_SYSCALL],
      [w("brk"), CAUSE_BREAKPOINT],
    ] as const) {
      const m = machine([w("addi", 1, 0, 7), word, w("addi", 2, 0, 9), w("sys")]);
      storeWords(m.memory, HANDLER, handler);
      setCsr(m.cpu, { tvec: HANDLER, status: STATUS_IE });
      m.cpu.run(2 + handler.length); // addi, handler, addi; then the second sys
      expect([m.cpu.pc, m.cpu.regs[2], m.cpu.regs[10]]).toEqual([12, 9, 1]);
      expect([m.cpu.csr[CSR.cause], m.cpu.csr[CSR.epc], m.cpu.csr[CSR.status]]).toEqual([cause, 8, STATUS_IE | STATUS_PIE]); // user mode, IE restored
    }
  });
});

describe("interrupts", () => {
  /** A run of `n` counting instructions (s0 += 1) followed by halt. */
  const counting = (n: number) => [...new Array(n).fill(w("addi", 10, 10, 1)), HALT];
  /** Handler: t0 = epc, t1 = cause, t2 = time, halt. */
  const probe = [w("csrr", 5, CSR.epc), w("csrr", 6, CSR.cause), w("csrr", 7, CSR.time), HALT];

  function timerRun(timecmp: number, status: number, imask: number, budget = 1000) {
    const m = machine(counting(50));
    storeWords(m.memory, HANDLER, probe);
    setCsr(m.cpu, { tvec: HANDLER, status, imask, timecmp });
    const exit = m.cpu.run(budget);
    return { exit, cpu: m.cpu };
  }

  it("timer: taken at the exact tick time - timecmp >= 0, epc = the next instruction", () => {
    for (const timecmp of [1, 10, 37]) {
      const { cpu } = timerRun(timecmp, STATUS_KERNEL | STATUS_IE, IRQ_TIMER);
      expect([cpu.regs[10], cpu.regs[5], cpu.regs[6], cpu.regs[7]]).toEqual([timecmp, timecmp * 4, CAUSE_TIMER, timecmp + 2]);
      expect(cpu.csr[CSR.status]).toBe(STATUS_KERNEL | STATUS_PKERNEL | STATUS_PIE);
    }
  });

  it("timer: already pending at start is taken before the first instruction", () => {
    const { cpu } = timerRun(0, STATUS_KERNEL | STATUS_IE, IRQ_TIMER);
    expect([cpu.regs[10], cpu.regs[5]]).toEqual([0, 0]);
  });

  it("timer: not taken with IE off or the source masked", () => {
    expect(timerRun(10, STATUS_KERNEL, IRQ_TIMER).cpu.regs[10]).toBe(50);
    expect(timerRun(10, STATUS_KERNEL | STATUS_IE, 0).cpu.regs[10]).toBe(50);
    expect(timerRun(10, STATUS_KERNEL | STATUS_IE, IRQ_CONSOLE).cpu.regs[10]).toBe(50);
  });

  it("timer: enabling IE while pending takes it right after the csrw", () => {
    const m = machine([w("addi", 10, 10, 1), w("addi", 2, 0, STATUS_KERNEL | STATUS_IE), w("csrw", 2, CSR.status), ...counting(5)]);
    storeWords(m.memory, HANDLER, probe);
    setCsr(m.cpu, { tvec: HANDLER, imask: IRQ_TIMER, timecmp: 1 });
    m.cpu.run(100);
    expect([m.cpu.regs[5], m.cpu.regs[6], m.cpu.regs[10]]).toEqual([12, CAUSE_TIMER, 1]);
  });

  it("ipend shows the timer bit at the instruction's own time, IE or not", () => {
    const m = machine([...new Array(8).fill(w("csrr", 0, CSR.time)), w("csrr", 5, CSR.ipend), w("csrr", 6, CSR.ipend), HALT]);
    setCsr(m.cpu, { timecmp: 9 });
    m.cpu.run(100);
    expect([m.cpu.regs[5], m.cpu.regs[6]]).toEqual([0, IRQ_TIMER]);
  });

  it("console: pending input with the source enabled interrupts", () => {
    const console = new Console(() => {});
    const m = machine(counting(20), { ports: console });
    storeWords(m.memory, HANDLER, [w("in", 8, 0), ...probe]);
    setCsr(m.cpu, { tvec: HANDLER, status: STATUS_IE, imask: IRQ_CONSOLE });
    expect(m.cpu.run(5)).toBe(EXIT_BUDGET);
    expect(m.cpu.regs[10]).toBe(5);
    console.feed("x");
    expect(m.cpu.run(100)).toBe(EXIT_HALT);
    expect([m.cpu.regs[5], m.cpu.regs[6], m.cpu.regs[8], m.cpu.regs[10]]).toEqual([20, CAUSE_CONSOLE, 0x78, 5]);
    expect(m.cpu.csr[CSR.status]).toBe(STATUS_KERNEL | STATUS_PIE); // came from user mode
  });

  it("timer and console pending together: the timer goes first", () => {
    const console = new Console(() => {});
    console.feed("x");
    const m = machine(counting(5), { ports: console });
    storeWords(m.memory, HANDLER, probe);
    setCsr(m.cpu, { tvec: HANDLER, status: STATUS_KERNEL | STATUS_IE, imask: IRQ_CONSOLE | IRQ_TIMER, timecmp: 0 });
    m.cpu.run(100);
    expect(m.cpu.regs[6]).toBe(CAUSE_TIMER);
  });
});

describe("wfi", () => {
  it("idles until the timer (IE off): idleTicks count, then completes", () => {
    const m = machine([...li(2, 100), w("csrw", 2, CSR.timecmp), w("addi", 3, 0, IRQ_TIMER), w("csrw", 3, CSR.imask), w("wfi"), w("csrr", 5, CSR.time), HALT]);
    expect(m.cpu.run(10_000)).toBe(EXIT_HALT);
    // 5 instructions, idle to 99, wfi retires on the deadline's tick, csrr reads 100.
    expect([m.cpu.idleTicks, m.cpu.regs[5], m.cpu.ticks, m.cpu.pc]).toEqual([94, 100, 102, 8 * 4]);
  });

  it("with IE on, the timer interrupt is taken at timecmp with epc after the wfi", () => {
    const m = machine([w("addi", 3, 0, IRQ_TIMER), w("csrw", 3, CSR.imask), w("wfi"), HALT]);
    storeWords(m.memory, HANDLER, [w("csrr", 5, CSR.epc), w("csrr", 7, CSR.time), HALT]);
    setCsr(m.cpu, { tvec: HANDLER, timecmp: 50, status: STATUS_KERNEL | STATUS_IE });
    m.cpu.run(1000);
    expect([m.cpu.regs[5], m.cpu.regs[7], m.cpu.idleTicks]).toEqual([12, 51, 47]);
  });

  it("idling stops at the budget and resumes exactly", () => {
    const m = machine([w("addi", 3, 0, IRQ_TIMER), w("csrw", 3, CSR.imask), w("wfi"), HALT]);
    setCsr(m.cpu, { timecmp: 1000 });
    expect(m.cpu.run(300)).toBe(EXIT_BUDGET);
    expect([m.cpu.ticks, m.cpu.pc]).toEqual([300, 8]);
    expect(m.cpu.run(10_000)).toBe(EXIT_HALT);
    expect([m.cpu.ticks, m.cpu.idleTicks]).toEqual([1001, 997]);
  });

  it("the farthest deadline (timecmp = time + 2^31) still idles, never spins", () => {
    const m = machine([w("addi", 3, 0, IRQ_TIMER), w("csrw", 3, CSR.imask), w("wfi"), HALT]);
    setCsr(m.cpu, { timecmp: 2 + 0x80000000 });
    expect(m.cpu.run(5000)).toBe(EXIT_BUDGET);
    expect([m.cpu.ticks, m.cpu.idleTicks, m.cpu.pc]).toEqual([5000, 4998, 8]);
  });

  it("with nothing that could wake it: EXIT_IDLE, no time passes", () => {
    for (const imask of [0, IRQ_CONSOLE]) {
      const m = machine([w("addi", 3, 0, imask), w("csrw", 3, CSR.imask), w("wfi"), HALT]);
      expect(m.cpu.run(1000)).toBe(EXIT_IDLE);
      expect([m.cpu.pc, m.cpu.ticks, m.cpu.idleTicks]).toEqual([8, 2, 0]);
    }
  });

  it("console input wakes a wfi that reported idle", () => {
    const console = new Console(() => {});
    const m = machine([w("addi", 3, 0, IRQ_CONSOLE), w("csrw", 3, CSR.imask), w("wfi"), w("in", 5, 0), HALT], { ports: console });
    expect(m.cpu.run(1000)).toBe(EXIT_IDLE);
    console.feed("z");
    expect(m.cpu.run(1000)).toBe(EXIT_HALT);
    expect(m.cpu.regs[5]).toBe(0x7a);
  });
});

describe("trap loops and budgets", () => {
  it("a handler whose first instruction faults is reported as EXIT_IDLE and is a fixed point", () => {
    for (const tvec of [0x10000, 0x402, HANDLER]) {
      const m = machine([w("sys")]);
      storeWords(m.memory, HANDLER, [0]); // illegal word at the handler
      setCsr(m.cpu, { tvec });
      expect(m.cpu.run(1000)).toBe(EXIT_IDLE);
      const first = m.cpu.save();
      expect(m.cpu.run(1000)).toBe(EXIT_IDLE);
      expect(m.cpu.save()).toEqual(first);
      expect(first.ticks).toBe(0);
    }
  });

  it("a handler that retires one instruction before faulting keeps running to the budget", () => {
    const m = machine([w("sys")]);
    storeWords(m.memory, HANDLER, [w("addi", 5, 5, 1), w("sys")]);
    setCsr(m.cpu, { tvec: HANDLER });
    expect(m.cpu.run(1000)).toBe(EXIT_BUDGET);
    expect([m.cpu.ticks, m.cpu.regs[5]]).toEqual([1000, 1000]);
  });

  it("bad budgets do not corrupt time", () => {
    const m = machine([w("addi", 5, 5, 1), w("jal", 0, -1)]);
    for (const budget of [NaN, -5, 0, 0.5]) {
      expect(m.cpu.run(budget)).toBe(EXIT_BUDGET);
      expect(m.cpu.ticks).toBe(0);
    }
    expect(m.cpu.run(10.9)).toBe(EXIT_BUDGET);
    expect(m.cpu.ticks).toBe(10);
    const h = machine([w("addi", 5, 5, 1), HALT]);
    expect(h.cpu.run(Infinity)).toBe(EXIT_HALT);
    expect(h.cpu.ticks).toBe(2);
  });
});

describe("hosted mode: every exception and privileged instruction exits to the monitor", () => {
  function hosted(code: number[], regs: Record<number, number> = {}) {
    const m = machine([w("addi", 9, 0, 1), ...code], { hosted: true });
    for (const [r, v] of Object.entries(regs)) m.cpu.regs[Number(r)] = v;
    const exit = m.cpu.run(1000);
    return { exit, cpu: m.cpu, m };
  }

  it("each privileged row of the table: EXIT_TRAP, cause privileged, trapValue = word, pc at it", () => {
    for (const def of INSTRUCTIONS.filter((d) => d.privileged)) {
      const word = def.opcode; // all operands zero: a legal spelling
      const { exit, cpu } = hosted([word]);
      expect([def.mnemonic, exit, cpu.trapCause, cpu.trapValue, cpu.pc, cpu.ticks]).toEqual([
        def.mnemonic,
        EXIT_TRAP,
        CAUSE_PRIVILEGED,
        word,
        4,
        1,
      ]);
      expect(cpu.halted).toBe(false);
      expect(cpu.csr[CSR.cause]).toBe(0); // nothing entered the (absent) kernel
    }
  });

  it("exceptions: illegal, misaligned, access, divide, sys, brk", () => {
    const size = 64 * 1024;
    for (const [code, regs, cause, value] of [
      [[0x000000ff], {}, CAUSE_ILLEGAL, 0xff],
      [[w("add", 1, 2, 3) | (1 << 24)], {}, CAUSE_ILLEGAL, w("add", 1, 2, 3) | (1 << 24)],
      [[w("lw", 5, 2, 2)], { 2: 0x800 }, CAUSE_MISALIGNED, 0x802],
      [[w("sw", 5, 2, 0)], { 2: size }, CAUSE_ACCESS_FAULT, size],
      [[w("div", 5, 2, 0)], { 2: 1 }, CAUSE_DIVIDE_BY_ZERO, 0],
      [[w("sys")], {}, CAUSE_SYSCALL, 0],
      [[w("brk")], {}, CAUSE_BREAKPOINT, 0],
    ] as [number[], Record<number, number>, number, number][]) {
      const { exit, cpu } = hosted(code, regs);
      expect([exit, cpu.trapCause, cpu.trapValue, cpu.pc, cpu.ticks]).toEqual([EXIT_TRAP, cause, value, 4, 1]);
    }
  });

  it("interrupts are the monitor's: a pending timer does not trap", () => {
    const m = machine([w("addi", 5, 5, 1), w("jal", 0, -1)], { hosted: true });
    setCsr(m.cpu, { status: STATUS_KERNEL | STATUS_IE, imask: IRQ_TIMER, timecmp: 3 });
    expect(m.cpu.run(100)).toBe(EXIT_BUDGET);
    expect(m.cpu.ticks).toBe(100);
  });

  it("the monitor can emulate and continue: pc += 4 after a sys", () => {
    const { cpu } = hosted([w("sys"), w("addi", 5, 0, 3), HALT]);
    cpu.pc += 4;
    expect(cpu.run(100)).toBe(EXIT_TRAP); // halt is privileged too
    expect([cpu.regs[5], cpu.pc, cpu.trapCause, cpu.halted]).toEqual([3, 12, CAUSE_PRIVILEGED, false]);
  });

  it("user-mode translation set by the monitor: touching a kernel page traps to it", async () => {
    const { mapPages } = await import("../helpers/machine.js");
    const m = machine([w("lw", 5, 2, 0), HALT], { hosted: true, memSize: 128 * 1024 });
    mapPages(m.memory, 0x10000, [
      [0, 0, 4 /* U */],
      [0x5000, 0x5000, 0],
    ]);
    m.cpu.setTranslation(true, 0x10000, false);
    m.cpu.regs[2] = 0x5000;
    expect(m.cpu.run(100)).toBe(EXIT_TRAP);
    expect([m.cpu.trapCause, m.cpu.trapValue, m.cpu.pc]).toEqual([3, 0x5000, 0]);
    m.cpu.setTranslation(true, 0x10000, true);
    expect(m.cpu.run(100)).toBe(EXIT_TRAP); // the load passes, then halt traps
    expect([m.cpu.trapCause, m.cpu.pc]).toEqual([CAUSE_PRIVILEGED, 4]);
  });
});

describe("post-copy: EXIT_PAGE_MISSING", () => {
  for (const hostedMode of [false, true]) {
    it(`${hostedMode ? "hosted" : "bare"}: fetch, load and store of missing pages stop and restart`, () => {
      const code = [w("lw", 5, 2, 0), w("sw", 5, 3, 0), w("addi", 6, 0, 1), HALT];
      const source = machine(code, { hosted: hostedMode });
      source.memory.words[(3 * PAGE_SIZE) >>> 2] = 0x1234;
      const m = machine([], { hosted: hostedMode });
      m.memory.markAllMissing();
      m.cpu.regs[2] = 3 * PAGE_SIZE;
      m.cpu.regs[3] = 5 * PAGE_SIZE + 8;
      const seen: number[] = [];
      let exit = m.cpu.run(100);
      while (exit === EXIT_PAGE_MISSING) {
        seen.push(m.cpu.missingPage);
        m.memory.fillPage(m.cpu.missingPage, source.memory.page(m.cpu.missingPage));
        exit = m.cpu.run(100);
      }
      expect(exit).toBe(hostedMode ? EXIT_TRAP : EXIT_HALT);
      expect(seen).toEqual([0, 3, 5]);
      expect([m.cpu.regs[5], m.cpu.regs[6], m.cpu.ticks, m.memory.words[(5 * PAGE_SIZE + 8) >>> 2]]).toEqual([0x1234, 1, hostedMode ? 3 : 4, 0x1234]);
      expect(m.memory.missingCount).toBe(m.memory.pageCount - 3);
    });
  }

  it("pc stays at the instruction and nothing retires while the page is missing", () => {
    const m = machine([w("addi", 5, 0, 1), w("lw", 6, 2, 0), HALT]);
    m.cpu.regs[2] = 2 * PAGE_SIZE;
    m.memory.missing[2] = 1;
    m.memory.missingCount = 1;
    expect(m.cpu.run(100)).toBe(EXIT_PAGE_MISSING);
    expect([m.cpu.pc, m.cpu.ticks, m.cpu.missingPage]).toEqual([4, 1, 2]);
    expect(m.cpu.run(100)).toBe(EXIT_PAGE_MISSING);
    expect(m.cpu.ticks).toBe(1);
  });
});
