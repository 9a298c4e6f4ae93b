/**
 * Popek and Goldberg: trap-and-emulate works when every sensitive instruction is privileged.
 * The table promises it; the interpreter must keep the promise: every sensitive instruction
 * traps in user mode, and every other instruction does the same thing in both modes.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CAUSE_PRIVILEGED, CSR, STATUS_IE, STATUS_KERNEL } from "../../isa/arch.js";
import { EXIT_TRAP } from "../../isa/cpu/cpu.js";
import { IMM_RANGE, LAYOUT, encode, operandsOf, type Operands } from "../../isa/encoding.js";
import { INSTRUCTIONS, type InstructionDef } from "../../isa/table.js";
import { hashBytes, machine, setCsr, storeWords, w } from "../helpers/machine.js";

const HANDLER = 0x4000;
const SENSITIVE = INSTRUCTIONS.filter((d) => d.sensitive);

/** A legal spelling of `def` with operands from `pick` (register 0..15, immediate in range). */
function spell(def: InstructionDef, reg: () => number, imm: (lo: number, hi: number) => number): number {
  const ops: Operands = {};
  for (const name of operandsOf(def.format)) {
    if (name === "imm") {
      const [lo, hi] = IMM_RANGE[LAYOUT[def.format].imm!];
      ops.imm = imm(lo, hi);
    } else ops[name] = reg();
  }
  return encode(def, ops);
}

describe("classically virtualizable", () => {
  it("the table: every sensitive instruction is privileged", () => {
    expect(SENSITIVE.length).toBeGreaterThan(0);
    for (const def of SENSITIVE) expect([def.mnemonic, def.privileged]).toEqual([def.mnemonic, true]);
  });

  for (const def of SENSITIVE) {
    it(`${def.mnemonic} traps with cause privileged in user mode and changes nothing`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 0xffff }), (r, i) => {
          const word = spell(def, () => r, (lo, hi) => lo + (i % (hi - lo + 1)));
          const m = machine([word]);
          storeWords(m.memory, HANDLER, [w("jal", 0, 0)]); // the handler spins
          for (let k = 1; k < 16; k++) m.cpu.regs[k] = k * 0x111;
          setCsr(m.cpu, { tvec: HANDLER, status: STATUS_IE, scratch: 5, timecmp: -1 });
          const regsBefore = Array.from(m.cpu.regs);
          m.cpu.run(1);
          const c = m.cpu.csr;
          expect([c[CSR.cause], c[CSR.epc], c[CSR.fault] >>> 0]).toEqual([CAUSE_PRIVILEGED, 0, word]);
          expect([c[CSR.scratch], c[CSR.timecmp]]).toEqual([5, -1]);
          expect(Array.from(m.cpu.regs)).toEqual(regsBefore);
          expect([m.cpu.halted, m.cpu.pc, m.cpu.ticks]).toEqual([false, HANDLER, 1]); // only the handler's jal retired
        }),
        { numRuns: 20 },
      );
    });
  }

  it("hosted, every sensitive instruction exits to the monitor even in kernel translation", () => {
    for (const def of SENSITIVE) {
      const m = machine([def.opcode], { hosted: true });
      expect([def.mnemonic, m.cpu.run(10), m.cpu.trapCause]).toEqual([def.mnemonic, EXIT_TRAP, CAUSE_PRIVILEGED]);
    }
  });

  it("every instruction that is not sensitive does the same in user and kernel mode", () => {
    const innocuous = INSTRUCTIONS.filter((d) => !d.sensitive);
    fc.assert(
      fc.property(
        fc.constantFrom(...innocuous),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 0x3ffc }), fc.integer()), { minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: 0xffffff }),
        (def, regs, seed) => {
          let s = seed;
          const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
          const word = spell(def, () => next() % 16, (lo, hi) => lo + (next() % (hi - lo + 1)));
          const results = [STATUS_KERNEL, 0].map((status) => {
            const m = machine([word, w("halt")], { memSize: 64 * 1024 });
            storeWords(m.memory, HANDLER, [w("halt")]);
            regs.forEach((v, k) => k > 0 && (m.cpu.regs[k] = v));
            setCsr(m.cpu, { tvec: HANDLER, status });
            m.cpu.run(1);
            const c = m.cpu.csr;
            return {
              regs: Array.from(m.cpu.regs),
              pc: m.cpu.pc,
              trap: [c[CSR.cause], c[CSR.epc], c[CSR.fault]],
              memory: hashBytes(m.memory.bytes),
              ticks: m.cpu.ticks,
            };
          });
          expect(results[1]).toEqual(results[0]);
        },
      ),
      { numRuns: 400 },
    );
  });
});
