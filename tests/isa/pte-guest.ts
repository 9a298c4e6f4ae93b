/**
 * Random guests that edit live page tables without flushing, for the TLB's property tests:
 * what they compute depends on exactly which translations the TLB still holds, so any
 * difference in when entries are filled, evicted or flushed shows in their result.
 *
 *   pa 0x0000 boot     sets ptbr, tvec, the timer, then sret into main (kernel or user mode)
 *      0x1000 handler  skips faulting instructions (flushing on a privileged one), halts on
 *                      sys with a0 = r5; the timer counts, may remap main's code page or
 *                      flush, and re-arms
 *      0x2000 DIR, 0x3000 TABLE0 (va 0..4M), 0x4000 TABLE1 (va 4M..8M), mapped at their pa
 *      0x5000 kernel data (the interrupt count)
 *      0x6000 CODE_A, 0x7000 CODE_B: main, two copies that differ only in the constants the
 *                      `addi r5` markers add, so r5 records which copy each one ran from
 *      0x8000..0xbfff data frames
 *
 *   va 0x6000 main (CODE_A or CODE_B); data at 0x7000, FAR+0x6000 (main's TLB slot),
 *   FAR+0x7000 (0x7000's slot) and FAR+0x3000 (TABLE0's slot), each on a random frame.
 *
 * Main: an outer loop of random steps — marker, load and store (upper half of a page, so
 * stores into a code frame never hit code), PTE rewrite, PTE read, tlbflush, csrr time — and
 * counted inner loops of steps the block compiler takes. Registers: r2 = FAR, r5 the result,
 * r7/r8 scratch, r11/r12 loop counters; r13/r14 belong to the handler.
 */
import {
  CAUSE_PRIVILEGED,
  CAUSE_SYSCALL,
  IRQ_TIMER,
  PAGE_SIZE,
  PTE_A,
  PTE_D,
  PTE_P,
  PTE_U,
  PTE_W,
  STATUS_KERNEL,
  STATUS_PG,
  STATUS_PIE,
  STATUS_PKERNEL,
} from "../../isa/arch.js";
import { SECTION_EXEC, SECTION_WRITE, type GuestImage } from "../../isa/image/model.js";
import { Memory } from "../../isa/memory.js";
import { mapPages } from "../helpers/machine.js";
import { prng } from "../helpers/prng.js";
import { Asm } from "../vmm/builder.js";

export const MEM = 64 * 1024;
const HANDLER = 0x1000;
const DIR = 0x2000;
const TABLE0 = 0x3000;
const TABLE1 = 0x4000;
const COUNT = 0x5000;
const CODE_A = 0x6000;
const CODE_B = 0x7000;
const MAIN = 0x6000;
const FAR = 0x400000;
const FRAMES = [0x8000, 0x9000, 0xa000, 0xb000, CODE_A, CODE_B];
/** Data pages: virtual address, and the base register that reaches it with a 16-bit offset. */
const DATA: readonly [va: number, base: number][] = [
  [0x7000, 0],
  [FAR + 0x6000, 2],
  [FAR + 0x7000, 2],
  [FAR + 0x3000, 2],
];

const pteAddress = (va: number) => (va < FAR ? TABLE0 : TABLE1) + ((va >>> 12) & 0x3ff) * 4;

export interface PteGuestOptions {
  user: boolean;
  timer: boolean;
}

type Step =
  | { kind: "marker"; value: number }
  | { kind: "load" | "store"; data: number; offset: number }
  | { kind: "pte"; va: number; value: number }
  | { kind: "read-pte"; va: number }
  | { kind: "flush" | "time" };

/** The guest image drawn from `seed`. */
export function pteGuest(seed: number, { user, timer }: PteGuestOptions): GuestImage {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[rand() % items.length]!;
  const u = user ? PTE_U : 0;
  const bits = () => (rand() % 2 ? PTE_A : 0) | (rand() % 2 ? PTE_D : 0);
  const mainPte = () => pick([CODE_A, CODE_B]) | PTE_P | u | (rand() % 2 ? PTE_W : 0) | bits();
  const dataPte = () => pick(FRAMES) | (rand() % 8 ? PTE_P : 0) | (rand() % 4 ? PTE_W : 0) | u | bits();

  const step = (inLoop: boolean): Step => {
    const roll = rand() % (inLoop ? 60 : 100);
    if (roll < 15) return { kind: "marker", value: 1 + (rand() % 50) };
    if (roll < 30) return { kind: "load", data: rand() % DATA.length, offset: 0x800 + (rand() % 0x200) * 4 };
    if (roll < 42) return { kind: "store", data: rand() % DATA.length, offset: 0x800 + (rand() % 0x200) * 4 };
    if (roll < 60) {
      const va = rand() % 3 === 0 ? MAIN : pick(DATA)[0];
      return { kind: "pte", va, value: va === MAIN ? mainPte() : dataPte() };
    }
    if (roll < 75) return { kind: "read-pte", va: rand() % 3 === 0 ? MAIN : pick(DATA)[0] };
    if (roll < 82) return { kind: "flush" };
    return { kind: "time" };
  };
  const outer: (Step | Step[])[] = [];
  for (let i = 4 + (rand() % 20); i > 0; i--) {
    if (rand() % 5 === 0) outer.push(Array.from({ length: 1 + (rand() % 3) }, () => step(true)));
    else outer.push(step(false));
  }
  const iterations = 1 + (rand() % 6);
  const loopCounts = outer.map(() => 2 + (rand() % 40));

  const emit = (k: Asm, s: Step, copyB: boolean): void => {
    switch (s.kind) {
      case "marker":
        k.rri("addi", 5, 5, copyB ? s.value + 1000 : s.value);
        return;
      case "load": {
        const [va, base] = DATA[s.data]!;
        k.lw(7, (va & 0xffff) + s.offset, base).rrr("add", 5, 5, 7);
        return;
      }
      case "store": {
        const [va, base] = DATA[s.data]!;
        k.sw(5, (va & 0xffff) + s.offset, base);
        return;
      }
      case "pte":
        k.li(8, s.value).sw(8, pteAddress(s.va));
        return;
      case "read-pte":
        k.lw(7, pteAddress(s.va)).rrr("add", 5, 5, 7);
        return;
      case "flush":
        k.op("tlbflush");
        return;
      case "time":
        k.csrr(7, "time").rrr("add", 5, 5, 7);
        return;
    }
  };
  const main = (copyB: boolean): Asm => {
    const k = new Asm(MAIN);
    k.rri("addi", 11, 0, iterations).label("outer");
    outer.forEach((s, i) => {
      if (!Array.isArray(s)) return emit(k, s, copyB);
      k.rri("addi", 12, 0, loopCounts[i]!).label(`loop${i}`);
      for (const inner of s) emit(k, inner, copyB);
      k.rri("addi", 12, 12, -1).br("bne", 12, 0, `loop${i}`);
    });
    k.rri("addi", 11, 11, -1).br("bne", 11, 0, "outer");
    return k.op("sys");
  };

  const period = 20 + (rand() % 300);
  const handler = new Asm(HANDLER);
  handler.csrr(13, "cause").br("blt", 13, 0, "timer");
  handler.rri("addi", 14, 0, CAUSE_SYSCALL).br("beq", 13, 14, "halt");
  handler.rri("addi", 14, 0, CAUSE_PRIVILEGED).br("bne", 13, 14, "skip").op("tlbflush");
  handler.label("skip").csrr(13, "epc").rri("addi", 13, 13, 4).csrw("epc", 13).op("sret");
  handler.label("halt").rrr("add", 1, 5, 0).op("halt");
  handler.label("timer").lw(13, COUNT).rri("addi", 13, 13, 1).sw(13, COUNT);
  if (rand() % 2)
    handler
      .lw(13, pteAddress(MAIN))
      .rri("xori", 13, 13, CODE_A ^ CODE_B)
      .sw(13, pteAddress(MAIN));
  if (rand() % 3 === 0) handler.op("tlbflush");
  handler.csrr(13, "time").rri("addi", 13, 13, period).csrw("timecmp", 13).op("sret");

  const boot = new Asm(0);
  boot.li(13, DIR).csrw("ptbr", 13).li(13, HANDLER).csrw("tvec", 13);
  if (timer) boot.li(13, IRQ_TIMER).csrw("imask", 13).li(13, period).csrw("timecmp", 13);
  boot.li(13, MAIN).csrw("epc", 13).li(2, FAR);
  boot
    .li(13, STATUS_KERNEL | STATUS_PG | (user ? 0 : STATUS_PKERNEL) | (timer ? STATUS_PIE : 0))
    .csrw("status", 13)
    .op("sret");

  const tables = new Memory(MEM);
  const maps: [number, number, number][] = [
    [0, 0, 0],
    [HANDLER, HANDLER, 0],
    [DIR, DIR, PTE_W | u],
    [TABLE0, TABLE0, PTE_W | u],
    [TABLE1, TABLE1, PTE_W | u],
    [COUNT, COUNT, PTE_W],
    [MAIN, CODE_A, PTE_P | u],
  ];
  for (const [va] of DATA) maps.push([va, pick(FRAMES), PTE_W | u]);
  mapPages(tables, DIR, maps);
  const section = (name: string, address: number, data: Uint8Array) => ({
    name,
    address,
    flags: SECTION_EXEC | SECTION_WRITE,
    data,
    size: data.length,
  });
  return {
    entry: 0,
    memorySize: MEM,
    flags: 0,
    bootArgs: { address: 0, size: 0 },
    sections: [
      section("boot", 0, boot.bytes()),
      section("handler", HANDLER, handler.bytes()),
      section("tables", DIR, tables.bytes.slice(DIR, TABLE1 + PAGE_SIZE)),
      section("a", CODE_A, main(false).bytes()),
      section("b", CODE_B, main(true).bytes()),
    ],
    symbols: [],
  };
}
