/**
 * A tiny in-test assembler over encode(): enough to write small kernels for the monitor tests
 * without depending on the real assembler. Labels are resolved when the image is built.
 */
import { CSR, REGISTER_NAMES, type CsrName } from "../../isa/arch.js";
import { encode, type Operands } from "../../isa/encoding.js";
import { SECTION_EXEC, SECTION_WRITE, type GuestImage } from "../../isa/image/model.js";
import { BY_MNEMONIC } from "../../isa/table.js";

export const R = Object.fromEntries(REGISTER_NAMES.map((name, i) => [name, i])) as Record<
  (typeof REGISTER_NAMES)[number],
  number
>;

type Fixup = { at: number; label: string; kind: "br" | "jal" | "hi" | "lo" };

export class Asm {
  private readonly words: number[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: Fixup[] = [];

  constructor(readonly origin = 0x1000) {}

  get here(): number {
    return this.origin + this.words.length * 4;
  }

  label(name: string): this {
    this.labels.set(name, this.here);
    return this;
  }

  /** Any instruction by mnemonic and operands. */
  op(mnemonic: string, ops: Operands = {}): this {
    const def = BY_MNEMONIC.get(mnemonic);
    if (!def) throw new Error(`no instruction ${mnemonic}`);
    this.words.push(encode(def, ops));
    return this;
  }

  word(value: number): this {
    this.words.push(value >>> 0);
    return this;
  }

  rrr(m: string, rd: number, rs1: number, rs2: number): this {
    return this.op(m, { rd, rs1, rs2 });
  }
  rri(m: string, rd: number, rs1: number, imm: number): this {
    return this.op(m, { rd, rs1, imm });
  }
  lw(rd: number, imm: number, rs1 = 0): this {
    return this.op("lw", { rd, rs1, imm });
  }
  sw(rs2: number, imm: number, rs1 = 0): this {
    return this.op("sw", { rs2, rs1, imm });
  }
  /** rd = value, always two words (lui + ori). */
  li(rd: number, value: number): this {
    return this.op("lui", { rd, imm: (value >>> 16) & 0xffff }).op("ori", { rd, rs1: rd, imm: value & 0xffff });
  }
  la(rd: number, label: string): this {
    this.fixups.push({ at: this.words.length, label, kind: "hi" });
    this.fixups.push({ at: this.words.length + 1, label, kind: "lo" });
    return this.li(rd, 0);
  }
  br(m: string, rs1: number, rs2: number, label: string): this {
    this.fixups.push({ at: this.words.length, label, kind: "br" });
    return this.op(m, { rs1, rs2, imm: 0 });
  }
  jal(rd: number, label: string): this {
    this.fixups.push({ at: this.words.length, label, kind: "jal" });
    return this.op("jal", { rd, imm: 0 });
  }
  j(label: string): this {
    return this.jal(0, label);
  }
  csrr(rd: number, csr: CsrName): this {
    return this.op("csrr", { rd, imm: CSR[csr] });
  }
  csrw(csr: CsrName, rs1: number): this {
    return this.op("csrw", { rs1, imm: CSR[csr] });
  }
  out(rs1: number, port = 0): this {
    return this.op("out", { rs1, imm: port });
  }
  /** Prints a constant string through port 0, clobbering t4. */
  print(text: string): this {
    for (const ch of text) this.rri("addi", R.t4, 0, ch.charCodeAt(0)).out(R.t4);
    return this;
  }

  address(label: string): number {
    const a = this.labels.get(label);
    if (a === undefined) throw new Error(`undefined label ${label}`);
    return a;
  }

  bytes(): Uint8Array {
    const words = this.words.slice();
    for (const f of this.fixups) {
      const target = this.address(f.label);
      const pc = this.origin + f.at * 4;
      const w = words[f.at]!;
      if (f.kind === "br") words[f.at] = (w & 0xffff) | ((((target - pc) >> 2) & 0xffff) << 16);
      else if (f.kind === "jal") words[f.at] = (w & 0xfff) | ((((target - pc) >> 2) & 0xfffff) << 12);
      else if (f.kind === "hi") words[f.at] = (w & 0xffff) | (((target >>> 16) & 0xffff) << 16);
      else words[f.at] = (w & 0xffff) | ((target & 0xffff) << 16);
      words[f.at] = words[f.at]! >>> 0;
    }
    return new Uint8Array(new Uint32Array(words).buffer);
  }
}

/** An image of one or more code blobs; entry is the first blob's origin unless given. */
export function imageOf(
  blobs: Asm[],
  options: { memorySize?: number; entry?: number; bootArgs?: { address: number; size: number } } = {},
): GuestImage {
  return {
    entry: options.entry ?? blobs[0]!.origin,
    memorySize: options.memorySize ?? 64 * 1024,
    flags: 0,
    bootArgs: options.bootArgs ?? { address: 0, size: 0 },
    sections: blobs.map((b, i) => {
      const data = b.bytes();
      return { name: `s${i}`, address: b.origin, flags: SECTION_EXEC | SECTION_WRITE, data, size: data.length };
    }),
    symbols: [],
  };
}
