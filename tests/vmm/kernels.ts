/**
 * Hand-written test kernels for the monitor: small, but each exercises a part of the
 * privileged architecture (paging, user mode, timer preemption, wfi, console interrupts).
 */
import {
  CAUSE_SYSCALL,
  IRQ_CONSOLE,
  IRQ_TIMER,
  PTE_P,
  PTE_U,
  PTE_W,
  STATUS_IE,
  STATUS_KERNEL,
  STATUS_PG,
  STATUS_PIE,
} from "../../isa/arch.js";
import type { GuestImage } from "../../isa/image/model.js";
import { Asm, imageOf, R } from "./builder.js";

const { zero, a0, a1, t0, t1, t2, t3, t4, s0, sp } = R;

/** Prints `text`, then halts with `status`. */
export function helloKernel(text = "hello\n", status = 0): GuestImage {
  const k = new Asm().print(text).rri("addi", a0, zero, status).op("halt");
  return imageOf([k]);
}

// Data of the preemptive kernel, all in kernel-only page 2.
const CUR = 0x2000; // current context
const DONE = 0x2004; // processes that exited
const TOTAL = 0x2008; // sum of exit statuses
const CTX_A = 0x2100;
const CTX_B = 0x2200;
const CTX_PC = 64;
const CTX_DEAD = 68;
const PD = 0xe000;
const PT = 0xf000;

/**
 * Paging on, two user processes (code at 0x4000 and 0x5000, U pages 4..7, kernel pages not U),
 * preempted by the timer every `quantum` ticks; system calls write a byte and exit. The
 * kernel halts with the sum of the exit statuses when both have exited.
 */
export function preemptiveKernel(options: { quantum?: number; iterations?: number; work?: number } = {}): GuestImage {
  const quantum = options.quantum ?? 150;
  const k = new Asm(0x1000);
  // Identity map the 16 pages; pages 4..7 are user pages.
  k.li(t0, PT).li(t1, 0).rri("addi", t2, zero, 16);
  k.label("pt").rri("shli", t3, t1, 12).rri("ori", t3, t3, PTE_P | PTE_W);
  k.rri("slti", t4, t1, 4).br("bne", t4, zero, "notuser");
  k.rri("slti", t4, t1, 8).br("beq", t4, zero, "notuser");
  k.rri("ori", t3, t3, PTE_U);
  k.label("notuser").rri("shli", t4, t1, 2).rrr("add", t4, t4, t0).sw(t3, 0, t4);
  k.rri("addi", t1, t1, 1).br("bne", t1, t2, "pt");
  k.li(t0, PD).li(t1, PT | PTE_P).sw(t1, 0, t0).csrw("ptbr", t0);
  k.li(t0, STATUS_KERNEL | STATUS_PG).csrw("status", t0);
  k.la(t0, "trap").csrw("tvec", t0);
  k.li(t0, CTX_A).li(t1, 0x4000).sw(t1, CTX_PC, t0).li(t1, 0x7000).sw(t1, sp * 4, t0);
  k.li(t0, CTX_B).li(t1, 0x5000).sw(t1, CTX_PC, t0).li(t1, 0x8000).sw(t1, sp * 4, t0);
  k.li(t0, CTX_A).sw(t0, CUR);
  k.li(t0, IRQ_TIMER).csrw("imask", t0);
  k.csrr(t0, "time").rri("addi", t0, t0, quantum).csrw("timecmp", t0);
  k.li(t0, STATUS_KERNEL | STATUS_PG | STATUS_PIE).csrw("status", t0);
  k.j("restore");

  k.label("trap").csrw("scratch", t0).lw(t0, CUR);
  for (let r = 1; r < 16; r++) if (r !== t0) k.sw(r, r * 4, t0);
  k.csrr(t1, "scratch").sw(t1, t0 * 4, t0);
  k.csrr(t1, "epc").sw(t1, CTX_PC, t0);
  k.csrr(t1, "cause").br("blt", t1, zero, "timer");
  k.rri("addi", t2, zero, CAUSE_SYSCALL).br("bne", t1, t2, "fatal");
  k.lw(t2, CTX_PC, t0).rri("addi", t2, t2, 4).sw(t2, CTX_PC, t0);
  k.lw(t2, a0 * 4, t0).br("beq", t2, zero, "exit");
  k.lw(t3, a1 * 4, t0).out(t3).j("restore");
  k.label("exit").lw(t3, a1 * 4, t0).lw(t4, TOTAL).rrr("add", t4, t4, t3).sw(t4, TOTAL);
  k.lw(t4, DONE).rri("addi", t4, t4, 1).sw(t4, DONE);
  k.rri("addi", t3, zero, 2).br("beq", t4, t3, "alldone");
  k.rri("addi", t3, zero, 1).sw(t3, CTX_DEAD, t0).j("switch");
  k.label("timer").csrr(t2, "time").rri("addi", t2, t2, quantum).csrw("timecmp", t2);
  k.label("switch").li(t1, CTX_A).br("bne", t0, t1, "chk").li(t1, CTX_B);
  k.label("chk").lw(t2, CTX_DEAD, t1).br("bne", t2, zero, "restore").sw(t1, CUR);
  k.label("restore").lw(t0, CUR).lw(t1, CTX_PC, t0).csrw("epc", t1);
  for (let r = 1; r < 16; r++) if (r !== t0) k.lw(r, r * 4, t0);
  k.lw(t0, t0 * 4, t0).op("sret");
  k.label("alldone").lw(a0, TOTAL).op("halt");
  k.label("fatal").print("!").rri("addi", a0, t1, 100).op("halt");

  return imageOf([k, userProgram(0x4000, "a", 3, options), userProgram(0x5000, "b", 4, options)]);
}

/** Prints `ch` `iterations` times with busy work between, touches its stack, exits. */
function userProgram(origin: number, ch: string, status: number, options: { iterations?: number; work?: number }): Asm {
  const u = new Asm(origin);
  u.rri("addi", s0, zero, options.iterations ?? 12);
  u.label("loop").rri("addi", t0, zero, options.work ?? 100);
  u.label("inner").rri("addi", t0, t0, -1).sw(t0, -4, sp).br("bne", t0, zero, "inner");
  u.rri("addi", a0, zero, 1).rri("addi", a1, zero, ch.charCodeAt(0)).op("sys");
  u.rri("addi", s0, s0, -1).br("bne", s0, zero, "loop");
  u.rri("addi", a0, zero, 0).rri("addi", a1, zero, status).op("sys");
  u.label("stuck").j("stuck");
  return u;
}

/** Sleeps in wfi between timer interrupts `period` ticks apart; prints a digit at each; halts after `count`. */
export function timerWfiKernel(period = 1000, count = 5): GuestImage {
  const k = new Asm(0x1000);
  k.la(t0, "trap").csrw("tvec", t0).li(t0, IRQ_TIMER).csrw("imask", t0);
  k.csrr(t0, "time").rri("addi", t0, t0, period).csrw("timecmp", t0);
  k.rri("addi", s0, zero, 0);
  k.li(t0, STATUS_KERNEL | STATUS_IE).csrw("status", t0);
  k.label("idle").op("wfi").j("idle");
  k.label("trap").rri("addi", s0, s0, 1).rri("addi", t1, s0, 48).out(t1);
  k.csrr(t1, "time").out(t1); // the low byte of the time at the interrupt, to pin it
  k.rri("addi", t2, zero, count).br("beq", s0, t2, "done");
  k.csrr(t0, "timecmp").rri("addi", t0, t0, period).csrw("timecmp", t0).op("sret");
  k.label("done").rrr("add", a0, s0, zero).op("halt");
  return imageOf([k]);
}

/** Echoes console input in upper case from its console interrupt handler; sleeps in wfi. */
export function echoKernel(): GuestImage {
  const k = new Asm(0x1000);
  k.la(t0, "trap").csrw("tvec", t0).li(t0, IRQ_CONSOLE).csrw("imask", t0);
  k.li(t0, STATUS_KERNEL | STATUS_IE).csrw("status", t0);
  k.label("idle").op("wfi").j("idle");
  k.label("trap").op("in", { rd: t1, imm: 0 }).br("blt", t1, zero, "back");
  k.rri("slti", t2, t1, 97).br("bne", t2, zero, "put").rri("addi", t1, t1, -32);
  k.label("put").out(t1).j("trap");
  k.label("back").op("sret");
  return imageOf([k]);
}
