/**
 * Guest time past 2^32 ticks: CSR time wraps, the tick count does not, and timer interrupts
 * still come at exact ticks. A kernel idles in wfi between interrupts whose periods reach
 * nearly 2^31, so one run spans more than 2^33 ticks in a few thousand instructions; it is
 * also started from restored states with ticks just below 2^32 and far beyond.
 */
import { describe, expect, it } from "vitest";
import { CSR, IRQ_TIMER, STATUS_IE, STATUS_KERNEL } from "../../isa/arch.js";
import { Memory } from "../../isa/memory.js";
import { createBareMachine } from "../../vmm/monitor/bare.js";
import { restoreMachine } from "../../vmm/monitor/restore.js";
import { isFinal, type BootOptions, type Machine, type VmState } from "../../vmm/monitor/machine.js";
import { createVm } from "../../vmm/monitor/vm.js";
import { Asm, imageOf, R } from "./builder.js";

const { zero, a0, t0, t1, t2, s0, s1, s2, s3 } = R;
const HUGE = 0x7fff0000;
const PERIODS = [700, HUGE, 701, 702, HUGE, HUGE, 1234, HUGE, 703];
const TABLE = 0x3000;
const LOG = 0x3800;

/**
 * Main spins and waits in wfi; the handler logs each interrupt's time since the start (low 32
 * bits), takes the next period from the table, sets timecmp = timecmp + period, and halts with
 * the count after the last.
 */
function kernel() {
  const k = new Asm(0x1000);
  k.la(t0, "trap").csrw("tvec", t0).li(t0, IRQ_TIMER).csrw("imask", t0);
  k.li(s2, LOG).li(s3, TABLE).lw(t2, 0, s3).rri("addi", s3, s3, 4);
  k.csrr(s1, "time").rrr("add", t0, s1, t2).csrw("timecmp", t0);
  k.li(t0, STATUS_KERNEL | STATUS_IE).csrw("status", t0);
  k.label("spin").rri("addi", s0, s0, 1).rri("andi", t1, s0, 63).br("bne", t1, zero, "spin");
  k.op("wfi").j("spin");
  k.label("trap").csrr(t1, "time").rrr("sub", t1, t1, s1).sw(t1, 0, s2).rri("addi", s2, s2, 4);
  k.rri("addi", a0, a0, 1).rri("addi", t1, zero, PERIODS.length).br("beq", a0, t1, "done");
  k.lw(t2, 0, s3).rri("addi", s3, s3, 4).csrr(t0, "timecmp").rrr("add", t0, t0, t2).csrw("timecmp", t0).op("sret");
  k.label("done").op("halt");
  const table = new Asm(TABLE);
  for (const p of PERIODS) table.word(p);
  return imageOf([k, table]);
}

/** Boots, moves guest time to `start` through a save and restore, runs to the end in `slice`s. */
function runFrom(make: (o: BootOptions) => Machine, start: number, slice: number): Machine {
  const booted = make({ name: "t", image: kernel() });
  const state = JSON.parse(JSON.stringify(booted.save())) as VmState;
  state.cpu.ticks = start;
  const memory = new Memory(booted.memory.size);
  memory.bytes.set(booted.memory.bytes);
  const machine = restoreMachine(state, memory);
  for (let i = 0; i < 100_000 && !isFinal(machine.run(slice)); i++);
  return machine;
}

describe("guest time beyond 2^32 ticks", () => {
  const span = PERIODS.reduce((a, b) => a + b, 0);
  let elapsed = -1;

  for (const [kind, make] of [
    ["bare", createBareMachine],
    ["monitor", createVm],
  ] as const) {
    for (const start of [0, 2 ** 32 - 3000, 3 * 2 ** 32 - 1, 2 ** 50 + 2 ** 32 - 5000]) {
      for (const slice of [2 ** 40, 999_983]) {
        it(`${kind}, from tick ${start}, slices of ${slice}: interrupts at the exact ticks`, () => {
          const m = runFrom(make, start, slice);
          expect(m.ended).toEqual({ kind: "halted", status: PERIODS.length });
          const log = Array.from(m.memory.words.subarray(LOG >>> 2, (LOG >>> 2) + PERIODS.length), (v) => v >>> 0);
          let at = 0;
          expect(log).toEqual(PERIODS.map((p) => (at += p) % 2 ** 32));
          // Every start and slicing takes the same number of ticks, well over 2^32.
          const ticks = m.cpu.ticks - start;
          expect(ticks).toBeGreaterThan(span);
          expect(ticks).toBeLessThan(span + 1000);
          if (elapsed < 0) elapsed = ticks;
          expect(ticks).toBe(elapsed);
          expect(m.readCsr(CSR.time) >>> 0).toBe(m.cpu.ticks % 2 ** 32);
        });
      }
    }
  }
});
