/** The disassembler: canonical text for words, and whole images that reassemble identically. */
import { describe, expect, it } from "vitest";
import { assemble } from "../../isa/asm/index.js";
import { disassemble, disassembleImage } from "../../isa/disasm.js";
import { SECTION_EXEC, SECTION_WRITE, SECTION_ZERO, type GuestImage } from "../../isa/image/model.js";

describe("disassemble", () => {
  it("writes canonical real instructions with ABI names", () => {
    expect(disassemble(0x000d2501, 0)).toBe("add     t0, a1, s3");
    expect(disassemble(0xfff8e320, 0)).toBe("lw      a2, -8(sp)");
    expect(disassemble(0xbeef8912, 0)).toBe("andi    t4, t3, 0xbeef");
    expect(disassemble(0x00020553, 0)).toBe("csrr    t0, epc");
    expect(disassemble(0x00000050, 0)).toBe("halt");
  });
  it("writes branch targets as absolute addresses, or symbol names when given", () => {
    expect(disassemble(0xfffe2130, 0x1010)).toBe("beq     a0, a1, 0x1008");
    expect(disassemble(0xfffe2130, 0)).toBe("beq     a0, a1, -0x8");
    expect(disassemble(0x00040f38, 0x1000, [{ name: "far", address: 0x1100 }])).toBe("jal     ra, far");
  });
  it("writes illegal words as .word", () => {
    expect(disassemble(0, 0)).toBe(".word 0x0");
    expect(disassemble(0x00010050, 0)).toBe(".word 0x10050"); // halt with a non-zero unused field
  });
});

const json = (image: GuestImage): string => JSON.stringify(image, (_, v) => (v instanceof Uint8Array ? Array.from(v) : v));

describe("disassembleImage", () => {
  it("reassembles an assembled program to the identical image", () => {
    const source = [
      ".memsize 0x20000", ".bootargs 0x10000, 128",
      "_start: li a0, 0x12345678", "    la a1, msg", "1:  addi a0, a0, -1", "    bnez a0, 1b", "    .byte 1, 2, 3",
      "    .balign 4", "    .zero 64", "end: halt",
      ".data", "msg: .asciz \"hello\"", "    .zero 40", "tail: .word end",
      ".bss", "buf: .zero 100", "buf_end:",
    ].join("\n");
    const { image } = assemble(source, { file: "p.s" });
    const text = disassembleImage(image);
    expect(text).not.toContain("; note:");
    expect(json(assemble(text, { file: "re.s" }).image)).toBe(json(image));
  });

  it("keeps illegal words, odd tails and labels at section ends", () => {
    const image: GuestImage = {
      entry: 0x1008, memorySize: 0x10000, flags: 0, bootArgs: { address: 0, size: 0 },
      sections: [
        { name: ".text", address: 0x1000, flags: SECTION_EXEC, data: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0, 0, 0, 7, 8, 9]), size: 15 },
        { name: ".data", address: 0x3000, flags: SECTION_WRITE, data: new Uint8Array([1]), size: 1 },
        { name: ".bss", address: 0x5000, flags: SECTION_WRITE | SECTION_ZERO, data: new Uint8Array(0), size: 8 },
      ],
      symbols: [{ name: "a", address: 0x1002 }, { name: "b", address: 0x100f }, { name: "c", address: 0x5008 }],
    };
    const text = disassembleImage(image);
    expect(text).toContain("a:\n    .byte 0x0, 0x0\n    .word 0x0 ");
    expect(text).toContain("    .byte 0x7, 0x8, 0x9\nb:\n");
    expect(json(assemble(text, { file: "re.s" }).image)).toBe(json(image));
  });

  it("says what a foreign image loses on reassembly", () => {
    const image: GuestImage = {
      entry: 0x1000, memorySize: 0x10000, flags: 0, bootArgs: { address: 0, size: 0 },
      sections: [{ name: "code", address: 0x1000, flags: SECTION_EXEC, data: new Uint8Array([0x50, 0, 0, 0]), size: 4 }],
      symbols: [{ name: "not a name", address: 0x1000 }],
    };
    const text = disassembleImage(image);
    expect(text).toContain('; note: section "code" (flags 0x1) reassembles as .text');
    expect(text).toContain('; symbol "not a name" = 0x1000 (not reproduced)');
  });
});
