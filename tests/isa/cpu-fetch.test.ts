/**
 * Fetch across page edges. The interpreter runs on the physical word of the instruction and
 * works the virtual pc out only where it needs it, so these walk the places where the two part:
 * a virtual page whose frame is not next to the last one's, a branch back into the page before,
 * the top of the address space wrapping to 0, a link register written there, and a jalr to
 * another page. Each runs in one run and in slices, with and without the block compiler.
 */
import { describe, expect, it } from "vitest";
import { PAGE_SIZE, STATUS_KERNEL, STATUS_PG } from "../../isa/arch.js";
import { Cpu, EXIT_HALT } from "../../isa/cpu/cpu.js";
import { Memory } from "../../isa/memory.js";
import { mapPages, setCsr, storeWords, w } from "../helpers/machine.js";

const DIR = 0x20000;
const DRIVERS: [string, boolean, number][] = [
  ["one run", false, 1e6],
  ["one run, jit", true, 1e6],
  ["slices of 1", false, 1],
  ["slices of 3, jit", true, 3],
];

/** Kernel, paging on, each [va, frame] page mapped; `code` is [va, words] pieces. */
function paged(pages: [number, number][], code: [number, number[]][], entry: number, jit: boolean): Cpu {
  const memory = new Memory(256 * 1024);
  for (const [va, words] of code) {
    const [, frame] = pages.find(([page]) => page === (va & ~(PAGE_SIZE - 1)) >>> 0)!;
    storeWords(memory, frame + (va & (PAGE_SIZE - 1)), words);
  }
  mapPages(memory, DIR, [...pages.map(([va, frame]): [number, number, number] => [va, frame, 0]), [DIR, DIR, 0]]);
  const cpu = new Cpu(memory, { jit, jitThreshold: 1, jitPageBackoff: false });
  cpu.reset(entry, 0, 0);
  setCsr(cpu, { status: STATUS_KERNEL | STATUS_PG, ptbr: DIR });
  return cpu;
}

function drive(cpu: Cpu, slice: number): Cpu {
  for (let i = 0; i < 10_000; i++) if (cpu.run(slice) === EXIT_HALT) return cpu;
  throw new Error("no halt");
}

describe("fetch across page edges", () => {
  for (const [name, jit, slice] of DRIVERS) {
    it(`${name}: falls through into a page whose frame is elsewhere, and branches back`, () => {
      // va 0x1000 on frame 0x5000, va 0x2000 on frame 0x3000: the next frame after 0x5000 holds
      // other code (addi r7), which a fetch that followed the frames would run.
      const cpu = paged(
        [
          [0x1000, 0x5000],
          [0x2000, 0x3000],
        ],
        [
          [0x1ff8, [w("addi", 5, 5, 1), w("addi", 6, 6, 1)]],
          [0x2000, [w("addi", 8, 8, 1), w("slti", 9, 8, 3), w("bne", 9, 0, -4), w("halt")]],
        ],
        0x1ff8,
        jit,
      );
      storeWords(cpu.memory, 0x6000, [w("addi", 7, 7, 1), w("halt")]);
      drive(cpu, slice);
      expect([cpu.regs[5], cpu.regs[6], cpu.regs[7], cpu.regs[8]]).toEqual([3, 3, 0, 3]);
      expect(cpu.pc).toBe(0x2010);
      expect(cpu.ticks).toBe(3 * 5 + 1);
    });

    it(`${name}: wraps from the top of the address space to 0, and links across it`, () => {
      const cpu = paged(
        [
          [0xfffff000, 0x4000],
          [0x0, 0x7000],
        ],
        [
          [0xfffffff8, [w("addi", 5, 0, 7), w("jal", 6, 2)]],
          [0x0, [w("addi", 5, 5, 100), w("jal", 10, -1), w("halt")]],
        ],
        0xfffffff8,
        jit,
      );
      // The jal at 0xfffffffc links 0 and jumps to 4, whose jal links 8 and jumps back to 0:
      // four instructions end on the addi there, with pc at 4 again.
      for (let ran = 0; ran < 4; ran += slice) cpu.run(Math.min(slice, 4 - ran));
      expect(cpu.regs[6]).toBe(0);
      expect(cpu.regs[10]).toBe(8);
      expect(cpu.regs[5]).toBe(107);
      expect(cpu.pc).toBe(4);
    });

    it(`${name}: a jalr to another page links its own pc + 4`, () => {
      const cpu = paged(
        [
          [0x1000, 0x5000],
          [0x9000, 0x3000],
        ],
        [
          [0x1000, [w("lui", 4, 0), w("ori", 4, 4, 0x9008), w("jalr", 1, 4, 0)]],
          [0x9008, [w("addi", 5, 1, 0), w("halt")]],
        ],
        0x1000,
        jit,
      );
      drive(cpu, slice);
      expect(cpu.regs[1]).toBe(0x100c);
      expect(cpu.regs[5]).toBe(0x100c);
      expect(cpu.pc).toBe(0x9010);
    });
  }
});
