/** Property tests: encode/decode, disassemble/assemble and decode of arbitrary words. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assemble } from "../../isa/asm/index.js";
import { disassemble } from "../../isa/disasm.js";
import { decode, encode, IMM_RANGE, LAYOUT, operandsOf, type Operands } from "../../isa/encoding.js";
import { INSTRUCTIONS } from "../../isa/table.js";

const PC = 0x40000;

/** Random valid operands for one instruction. */
const instruction = fc.constantFrom(...INSTRUCTIONS).chain((def) => {
  const fields = operandsOf(def.format).map((name): [string, fc.Arbitrary<number>] => {
    if (name !== "imm") return [name, fc.integer({ min: 0, max: 15 })];
    const [lo, hi] = IMM_RANGE[LAYOUT[def.format].imm!];
    return [name, fc.integer({ min: lo, max: hi })];
  });
  return fc.record(Object.fromEntries(fields)).map((ops) => ({ def, ops: ops as Operands }));
});

/** Assembles one line placed at PC and returns its word. */
function assembleAt(line: string): number {
  const { image } = assemble(`.org ${PC}\n${line}`, { file: "p.s", defines: {} });
  const data = image.sections[0]!.data;
  return new DataView(data.buffer, data.byteOffset).getUint32(0, true);
}

describe("encoding properties", () => {
  it("decode(encode(x)) == x for random valid operands of every instruction", () => {
    fc.assert(
      fc.property(instruction, ({ def, ops }) => {
        const d = decode(encode(def, ops));
        expect(d?.def).toBe(def);
        expect(d?.ops).toEqual(ops);
      }),
      { numRuns: 2000 },
    );
  });

  it("random words decode to null or to a def whose encode gives back the word", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(...INSTRUCTIONS.map((d) => d.opcode), 0, 0xff), (random, opcode) => {
        // Half the words get a real opcode so that legal words are common.
        for (const word of [random, ((random & ~0xff) | opcode) >>> 0]) {
          const d = decode(word);
          if (d) expect(encode(d.def, d.ops)).toBe(word);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("disassemble then assemble gives the identical word for random words", () => {
    fc.assert(
      fc.property(instruction, fc.integer({ min: 0, max: 0xffffffff }), ({ def, ops }, random) => {
        for (const word of [encode(def, ops), random]) {
          const text = disassemble(word, PC);
          expect(assembleAt(text)).toBe(word >>> 0);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("bad input", () => {
  const pieces = ["add", "li", "la", "lw", "beq", "j", ".word", ".byte", ".org", ".zero", ".balign", ".macro m x", ".endm", "m",
    ".equ", ".ascii", ".section", ".entry", ".memsize", ".bootargs", "1:", "1b", "1f", "x:", "x", "a0", "sp", "r16", "(", ")",
    ",", "0x", "0b2", "'", '"', "\\x", "\\@", "+", "-", "*", "/", "%", "<<", ">>", "~", ".", "4096", "-1", "0xffffffff", "99999999999999999999"];
  it("random statements end in an AssemblyError or an image, never another exception", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.constantFrom(...pieces), { maxLength: 6 }), { maxLength: 8 }), (lines) => {
        const source = lines.map((l) => l.join(" ")).join("\n");
        try {
          assemble(source, { file: "fuzz.s" });
        } catch (error) {
          expect((error as Error).name === "AssemblyError" || (error as Error).name === "UserError", String(error)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
