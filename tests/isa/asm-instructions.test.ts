/** Golden words: one line per instruction of the table, assembled to an exact word. */
import { describe, expect, it } from "vitest";
import { assemble } from "../../isa/asm/index.js";
import { INSTRUCTIONS } from "../../isa/table.js";

/** The first word of the text section of `source`. */
export function firstWord(source: string): number {
  const text = assemble(source, { file: "t.s" }).image.sections[0]!;
  return new DataView(text.data.buffer, text.data.byteOffset).getUint32(0, true);
}

export function words(source: string): number[] {
  const text = assemble(source, { file: "t.s" }).image.sections.find((s) => s.name === ".text")!;
  const view = new DataView(text.data.buffer, text.data.byteOffset, text.data.byteLength);
  return Array.from({ length: text.data.length / 4 }, (_, i) => view.getUint32(i * 4, true));
}

// prettier-ignore
const GOLDEN: [string, number][] = [
  ["add t0, a1, s3", 0x000d2501],
  ["sub t0, a1, s3", 0x000d2502],
  ["and t0, a1, s3", 0x000d2503],
  ["or t0, a1, s3", 0x000d2504],
  ["xor t0, a1, s3", 0x000d2505],
  ["shl t0, a1, s3", 0x000d2506],
  ["shr t0, a1, s3", 0x000d2507],
  ["sar t0, a1, s3", 0x000d2508],
  ["slt t0, a1, s3", 0x000d2509],
  ["sltu t0, a1, s3", 0x000d250a],
  ["mul t0, a1, s3", 0x000d250b],
  ["mulh t0, a1, s3", 0x000d250c],
  ["div t0, a1, s3", 0x000d250d],
  ["divu t0, a1, s3", 0x000d250e],
  ["rem t0, a1, s3", 0x000d250f],
  ["remu t0, a1, s3", 0x000d2510],
  ["addi a0, sp, -1234", 0xfb2ee111],
  ["andi t4, t3, 0xbeef", 0xbeef8912],
  ["ori t4, t3, 0xbeef", 0xbeef8913],
  ["xori t4, t3, 0xbeef", 0xbeef8914],
  ["shli s0, s1, 31", 0x001fba15],
  ["shri s0, s1, 31", 0x001fba16],
  ["sari s0, s1, 31", 0x001fba17],
  ["slti a0, sp, -1234", 0xfb2ee118],
  ["sltiu a0, sp, -1234", 0xfb2ee119],
  ["lui ra, 0x1234", 0x12340f1a],
  ["lw a2, -8(sp)", 0xfff8e320],
  ["lh a2, -8(sp)", 0xfff8e321],
  ["lhu a2, -8(sp)", 0xfff8e322],
  ["lb a2, -8(sp)", 0xfff8e323],
  ["lbu a2, -8(sp)", 0xfff8e324],
  ["sw a3, 12(s2)", 0x000cc428],
  ["sh a3, 12(s2)", 0x000cc429],
  ["sb a3, 12(s2)", 0x000cc42a],
  ["beq a0, a1, . - 8", 0xfffe2130],
  ["bne a0, a1, . - 8", 0xfffe2131],
  ["blt a0, a1, . - 8", 0xfffe2132],
  ["bge a0, a1, . - 8", 0xfffe2133],
  ["bltu a0, a1, . - 8", 0xfffe2134],
  ["bgeu a0, a1, . - 8", 0xfffe2135],
  ["jal ra, . + 0x100", 0x00040f38],
  ["jalr zero, 4(ra)", 0x0004f039],
  ["sys", 0x00000040],
  ["brk", 0x00000041],
  ["halt", 0x00000050],
  ["wfi", 0x00000051],
  ["sret", 0x00000052],
  ["csrr t0, epc", 0x00020553],
  ["csrw tvec, a0", 0x00011054],
  ["in a0, 1", 0x00010155],
  ["out 0, t1", 0x00006056],
  ["tlbflush", 0x00000057],
];

describe("one golden word per instruction", () => {
  it("covers every instruction of the table", () => {
    expect(GOLDEN.map(([line]) => line.split(" ")[0]).sort()).toEqual(INSTRUCTIONS.map((d) => d.mnemonic).sort());
  });
  it.each(GOLDEN)("%s", (line, word) => {
    expect(firstWord(line).toString(16)).toBe(word.toString(16));
  });
  it("accepts r0..r15, ABI names and any case", () => {
    expect(firstWord("ADD R5, r2, S3")).toBe(0x000d2501);
    expect(firstWord("csrr r5, 2")).toBe(0x00020553);
    expect(firstWord("lw a2, (sp)")).toBe(firstWord("lw a2, 0(sp)"));
  });
});

describe("pseudo-instructions", () => {
  // prettier-ignore
  const cases: [string, string][] = [
    ["nop", "addi zero, zero, 0"],
    ["mv a0, t1", "addi a0, t1, 0"],
    ["li a0, -5", "addi a0, zero, -5"],
    ["li a0, 0xffff", "ori a0, zero, 0xffff"],
    ["li a0, 0x50000", "lui a0, 5"],
    ["li a0, 0x12345678", "lui a0, 0x1234\nori a0, a0, 0x5678"],
    ["li a0, 0xffffffff", "addi a0, zero, -1"],
    ["not a1, a2", "sub a1, zero, a2\naddi a1, a1, -1"],
    ["neg a1, a2", "sub a1, zero, a2"],
    ["subi a1, a2, 7", "addi a1, a2, -7"],
    ["seqz a1, a2", "sltiu a1, a2, 1"],
    ["snez a1, a2", "sltu a1, zero, a2"],
    ["j . + 8", "jal zero, . + 8"],
    ["call . + 8", "jal ra, . + 8"],
    ["jr t0", "jalr zero, 0(t0)"],
    ["ret", "jalr zero, 0(ra)"],
    ["push s0", "addi sp, sp, -4\nsw s0, 0(sp)"],
    ["pop s0", "lw s0, 0(sp)\naddi sp, sp, 4"],
    ["beqz a0, . + 8", "beq a0, zero, . + 8"],
    ["bnez a0, . + 8", "bne a0, zero, . + 8"],
    ["bltz a0, . + 8", "blt a0, zero, . + 8"],
    ["bgez a0, . + 8", "bge a0, zero, . + 8"],
    ["bgtz a0, . + 8", "blt zero, a0, . + 8"],
    ["blez a0, . + 8", "bge zero, a0, . + 8"],
    ["bgt a0, a1, . + 8", "blt a1, a0, . + 8"],
    ["ble a0, a1, . + 8", "bge a1, a0, . + 8"],
    ["bgtu a0, a1, . + 8", "bltu a1, a0, . + 8"],
    ["bleu a0, a1, . + 8", "bgeu a1, a0, . + 8"],
  ];
  it.each(cases)("%s", (pseudo, real) => {
    expect(words(pseudo)).toEqual(words(real));
  });

  it("la is always lui + ori, li with a forward reference too", () => {
    expect(words("la a0, x\nx:")).toEqual(words("lui a0, 0\nori a0, a0, 0x1008"));
    expect(words("li a0, x\n.equ x, 3")).toEqual(words("lui a0, 0\nori a0, a0, 3"));
    expect(words(".equ x, 3\nli a0, x")).toEqual(words("addi a0, zero, 3"));
  });
});
