/**
 * The instruction set, one row per instruction. Everything else derives from this table:
 * encoder and decoder (`encoding.ts`), assembler, disassembler, the interpreter's opcode
 * constants (`opcodes.ts`, generated) and `docs/ISA.md` (generated).
 *
 * Every instruction is one little-endian 32-bit word:
 *
 *   31                  16 15    12 11     8 7          0
 *  +----------------------+--------+--------+------------+
 *  |        imm16         |   b    |   a    |   opcode   |   imm16: bits 16..31
 *  +----------------+-----+--------+--------+------------+
 *  |    unused 0    |  c  |   b    |   a    |   opcode   |   c: bits 16..19
 *  +----------------+-----+--------+--------+------------+
 *  |            imm20              |   a    |   opcode   |   imm20: bits 12..31
 *  +-------------------------------+--------+------------+
 *
 * Fields an instruction's format does not use must be zero; any other word is illegal, so
 * every legal word has exactly one spelling and disassembly reassembles to the same bytes.
 *
 * A *privileged* instruction traps (CAUSE_PRIVILEGED) when executed in user mode. A
 * *sensitive* one reads or changes privileged state or behaves differently by mode. Popek and
 * Goldberg: the machine is classically virtualizable when every sensitive instruction is
 * privileged — a test checks that this table, and the interpreter, keep that promise.
 */

/**
 * Operand formats. The comment is the assembly syntax and where each operand lives.
 * Branch and jal targets are encoded as word offsets from the instruction's own address.
 */
export const FORMATS = {
  N: "(no operands)",
  R: "rd, rs1, rs2 — a=rd b=rs1 c=rs2",
  I: "rd, rs1, imm — a=rd b=rs1 imm16 signed",
  IU: "rd, rs1, imm — a=rd b=rs1 imm16 unsigned (zero-extended)",
  SH: "rd, rs1, shamt — a=rd b=rs1 imm16 = 0..31",
  LUI: "rd, imm — a=rd imm16 unsigned, rd = imm << 16",
  LOAD: "rd, imm(rs1) — a=rd b=rs1 imm16 signed byte offset",
  STORE: "rs2, imm(rs1) — a=rs2 b=rs1 imm16 signed byte offset",
  BR: "rs1, rs2, target — a=rs1 b=rs2 imm16 signed word offset",
  JAL: "rd, target — a=rd imm20 signed word offset",
  JALR: "rd, imm(rs1) — a=rd b=rs1 imm16 signed byte offset",
  CSRR: "rd, csr — a=rd imm16 = csr number",
  CSRW: "csr, rs1 — b=rs1 imm16 = csr number",
  IN: "rd, port — a=rd imm16 = port",
  OUT: "port, rs1 — b=rs1 imm16 = port",
} as const;
export type Format = keyof typeof FORMATS;

export type InstructionClass = "alu" | "memory" | "control" | "system";

export interface InstructionDef {
  readonly mnemonic: string;
  readonly opcode: number;
  readonly format: Format;
  readonly cls: InstructionClass;
  readonly privileged: boolean;
  readonly sensitive: boolean;
  readonly doc: string;
}

type Row = [mnemonic: string, opcode: number, format: Format, cls: InstructionClass, flags: "" | "P" | "PS", doc: string];

// prettier-ignore
const ROWS: Row[] = [
  ["add",   0x01, "R",  "alu", "", "rd = rs1 + rs2"],
  ["sub",   0x02, "R",  "alu", "", "rd = rs1 - rs2"],
  ["and",   0x03, "R",  "alu", "", "rd = rs1 & rs2"],
  ["or",    0x04, "R",  "alu", "", "rd = rs1 | rs2"],
  ["xor",   0x05, "R",  "alu", "", "rd = rs1 ^ rs2"],
  ["shl",   0x06, "R",  "alu", "", "rd = rs1 << (rs2 & 31)"],
  ["shr",   0x07, "R",  "alu", "", "rd = rs1 >>> (rs2 & 31), logical"],
  ["sar",   0x08, "R",  "alu", "", "rd = rs1 >> (rs2 & 31), arithmetic"],
  ["slt",   0x09, "R",  "alu", "", "rd = 1 if rs1 < rs2 (signed) else 0"],
  ["sltu",  0x0a, "R",  "alu", "", "rd = 1 if rs1 < rs2 (unsigned) else 0"],
  ["mul",   0x0b, "R",  "alu", "", "rd = low 32 bits of rs1 * rs2"],
  ["mulh",  0x0c, "R",  "alu", "", "rd = high 32 bits of the signed 64-bit product rs1 * rs2"],
  ["div",   0x0d, "R",  "alu", "", "rd = rs1 / rs2 signed, toward zero; rs2 = 0 traps divide-by-zero"],
  ["divu",  0x0e, "R",  "alu", "", "rd = rs1 / rs2 unsigned; rs2 = 0 traps divide-by-zero"],
  ["rem",   0x0f, "R",  "alu", "", "rd = rs1 % rs2 signed (sign of rs1); rs2 = 0 traps divide-by-zero"],
  ["remu",  0x10, "R",  "alu", "", "rd = rs1 % rs2 unsigned; rs2 = 0 traps divide-by-zero"],
  ["addi",  0x11, "I",  "alu", "", "rd = rs1 + imm"],
  ["andi",  0x12, "IU", "alu", "", "rd = rs1 & imm"],
  ["ori",   0x13, "IU", "alu", "", "rd = rs1 | imm"],
  ["xori",  0x14, "IU", "alu", "", "rd = rs1 ^ imm"],
  ["shli",  0x15, "SH", "alu", "", "rd = rs1 << shamt"],
  ["shri",  0x16, "SH", "alu", "", "rd = rs1 >>> shamt, logical"],
  ["sari",  0x17, "SH", "alu", "", "rd = rs1 >> shamt, arithmetic"],
  ["slti",  0x18, "I",  "alu", "", "rd = 1 if rs1 < imm (signed) else 0"],
  ["sltiu", 0x19, "I",  "alu", "", "rd = 1 if rs1 < imm (unsigned, imm sign-extended) else 0"],
  ["lui",   0x1a, "LUI", "alu", "", "rd = imm << 16"],
  ["lw",    0x20, "LOAD", "memory", "", "rd = 32-bit word at rs1 + imm (4-byte aligned)"],
  ["lh",    0x21, "LOAD", "memory", "", "rd = sign-extended 16-bit half at rs1 + imm (2-byte aligned)"],
  ["lhu",   0x22, "LOAD", "memory", "", "rd = zero-extended 16-bit half at rs1 + imm (2-byte aligned)"],
  ["lb",    0x23, "LOAD", "memory", "", "rd = sign-extended byte at rs1 + imm"],
  ["lbu",   0x24, "LOAD", "memory", "", "rd = zero-extended byte at rs1 + imm"],
  ["sw",    0x28, "STORE", "memory", "", "word at rs1 + imm = rs2 (4-byte aligned)"],
  ["sh",    0x29, "STORE", "memory", "", "half at rs1 + imm = low 16 bits of rs2 (2-byte aligned)"],
  ["sb",    0x2a, "STORE", "memory", "", "byte at rs1 + imm = low 8 bits of rs2"],
  ["beq",   0x30, "BR", "control", "", "branch to target if rs1 == rs2"],
  ["bne",   0x31, "BR", "control", "", "branch to target if rs1 != rs2"],
  ["blt",   0x32, "BR", "control", "", "branch to target if rs1 < rs2 (signed)"],
  ["bge",   0x33, "BR", "control", "", "branch to target if rs1 >= rs2 (signed)"],
  ["bltu",  0x34, "BR", "control", "", "branch to target if rs1 < rs2 (unsigned)"],
  ["bgeu",  0x35, "BR", "control", "", "branch to target if rs1 >= rs2 (unsigned)"],
  ["jal",   0x38, "JAL", "control", "", "rd = pc + 4; pc = target"],
  ["jalr",  0x39, "JALR", "control", "", "rd = pc + 4; pc = rs1 + imm (4-byte aligned)"],
  ["sys",   0x40, "N", "system", "", "system call: traps with cause syscall, epc = this instruction"],
  ["brk",   0x41, "N", "system", "", "breakpoint: traps with cause breakpoint, epc = this instruction"],
  ["halt",  0x50, "N", "system", "PS", "stop the machine; a0 is its exit status"],
  ["wfi",   0x51, "N", "system", "PS", "wait for interrupt: guest time runs idle until an enabled interrupt is pending"],
  ["sret",  0x52, "N", "system", "PS", "return from trap: pc = epc, KERNEL = PKERNEL, IE = PIE"],
  ["csrr",  0x53, "CSRR", "system", "PS", "rd = control register csr"],
  ["csrw",  0x54, "CSRW", "system", "PS", "control register csr = rs1 (read-only ones trap illegal-instruction)"],
  ["in",    0x55, "IN", "system", "PS", "rd = read from I/O port"],
  ["out",   0x56, "OUT", "system", "PS", "write rs1 to I/O port"],
  ["tlbflush", 0x57, "N", "system", "PS", "discard cached translations after the kernel edits page tables"],
];

export const INSTRUCTIONS: readonly InstructionDef[] = ROWS.map(([mnemonic, opcode, format, cls, flags, doc]) =>
  Object.freeze({ mnemonic, opcode, format, cls, privileged: flags.includes("P"), sensitive: flags.includes("S"), doc }),
);

export const BY_MNEMONIC: ReadonlyMap<string, InstructionDef> = new Map(INSTRUCTIONS.map((d) => [d.mnemonic, d]));

/** Instruction definition by opcode, or undefined for an unassigned opcode. */
export const BY_OPCODE: readonly (InstructionDef | undefined)[] = (() => {
  const table: (InstructionDef | undefined)[] = new Array(256).fill(undefined);
  for (const d of INSTRUCTIONS) table[d.opcode] = d;
  return table;
})();
