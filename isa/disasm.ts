/**
 * The disassembler. `disassemble` turns one word into canonical assembly (real instructions
 * only, never pseudo-instructions; branch targets as absolute addresses; illegal words as
 * `.word`). `disassembleImage` turns a whole image into source that the assembler turns back
 * into the identical image: sections with `.org`, `.entry`, `.memsize`, `.bootargs`, labels for
 * the symbols, data as `.byte`/`.zero`.
 *
 * Round trip guarantee: images the assembler can produce (sections named after and flagged as
 * text, data and bss, in that order, symbols sorted by address with identifier names) reassemble
 * byte for byte. Anything else is still listed faithfully, with a note at the top saying what
 * would differ.
 */
import { CSR_NAMES, REGISTER_NAMES } from "./arch.js";
import { syntaxOf } from "./asm/operands.js";
import { decode } from "./encoding.js";
import { SECTION_EXEC, SECTION_ZERO, type GuestImage, type ImageSection, type ImageSymbol } from "./image/model.js";
import { printableName } from "./image/printable.js";

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;
const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, "0");
/** An address as the assembler reads it (targets before 0 keep their sign). */
const address = (n: number): string => (n < 0 ? `-${hex(-n)}` : hex(n));

/** A symbol-relative name for an address, e.g. `puts` or `puts+8`, or undefined. */
export function symbolize(addr: number, symbols: readonly ImageSymbol[] | undefined): string | undefined {
  if (!symbols) return undefined;
  let best: ImageSymbol | undefined;
  for (const s of symbols) if (s.address <= addr && (!best || s.address > best.address)) best = s;
  if (!best) return undefined;
  return best.address === addr ? best.name : `${best.name}+${addr - best.address}`;
}

/** Branch or jal target of a decoded word at `pc`, or undefined for other instructions. */
export function targetOf(word: number, pc: number): number | undefined {
  const d = decode(word);
  if (!d || (d.def.format !== "BR" && d.def.format !== "JAL")) return undefined;
  return pc + d.ops.imm! * 4;
}

/**
 * Canonical assembly for one word at `pc`. With `symbols`, a branch target that is exactly a
 * symbol is written by name (then the text reassembles only where that symbol is defined).
 */
export function disassemble(word: number, pc: number, symbols?: readonly ImageSymbol[]): string {
  const d = decode(word >>> 0);
  if (!d) return `.word ${hex(word)}`;
  const { def, ops } = d;
  const parts = syntaxOf(def.format).map((part) => {
    switch (part.kind) {
      case "reg":
        return REGISTER_NAMES[ops[part.operand]!]!;
      case "mem":
        return `${ops.imm}(${REGISTER_NAMES[ops[part.base]!]})`;
      case "csr":
        return CSR_NAMES[ops.imm!] ?? String(ops.imm);
      case "target": {
        const target = pc + ops.imm! * 4;
        const exact = symbols?.find((s) => s.address === target && isPlainName(s.name));
        return exact ? exact.name : address(target);
      }
      case "imm":
        return def.format === "IU" || def.format === "LUI" ? hex(ops.imm!) : String(ops.imm);
    }
  });
  return parts.length ? `${def.mnemonic.padEnd(7)} ${parts.join(", ")}` : def.mnemonic;
}

/** A name the assembler reads back as an exported label. */
function isPlainName(name: string): boolean {
  return /^[A-Za-z_$][\w.$]*$/.test(name) || (/^\.[A-Za-z_$][\w.$]*$/.test(name) && !name.startsWith(".L"));
}

type Kind = "text" | "data" | "bss";
const EXPECTED_NAME: Record<Kind, string> = { text: ".text", data: ".data", bss: ".bss" };

function kindOf(section: ImageSection): Kind {
  if (section.flags & SECTION_ZERO) return "bss";
  return section.flags & SECTION_EXEC ? "text" : "data";
}

/** Source text that assembles back to `image` (see the round-trip guarantee above). */
export function disassembleImage(image: GuestImage): string {
  const out: string[] = [];
  const notes = roundTripNotes(image);
  out.push(`; disassembled image: entry ${hex(image.entry)}, memory ${hex(image.memorySize)} bytes`);
  for (const note of notes) out.push(`; note: ${note}`);
  out.push(`.memsize ${hex(image.memorySize)}`, `.entry ${hex(image.entry)}`);
  if (image.bootArgs.size > 0) out.push(`.bootargs ${hex(image.bootArgs.address)}, ${hex(image.bootArgs.size)}`);

  // Each symbol is written as a label in the first section whose range holds it.
  const placed = new Set<ImageSymbol>();
  const labelsFor = (section: ImageSection): Map<number, string[]> => {
    const map = new Map<number, string[]>();
    for (const s of image.symbols) {
      if (placed.has(s) || !isPlainName(s.name)) continue;
      if (s.address < section.address || s.address > section.address + section.size) continue;
      placed.add(s);
      map.set(s.address, [...(map.get(s.address) ?? []), s.name]);
    }
    return map;
  };

  for (const section of image.sections) {
    const kind = kindOf(section);
    out.push("", `.section ${kind}`, `.org ${hex(section.address)}`);
    const labels = labelsFor(section);
    if (kind === "bss") writeZeros(out, section, labels);
    else writeBytes(out, section, labels, kind === "text", image.symbols);
  }
  const unplaced = image.symbols.filter((s) => !placed.has(s));
  if (unplaced.length) {
    out.push("");
    for (const s of unplaced) out.push(`; symbol "${printableName(s.name)}" = ${hex(s.address)} (not reproduced)`);
  }
  return out.join("\n") + "\n";
}

function roundTripNotes(image: GuestImage): string[] {
  const notes: string[] = [];
  const kinds = image.sections.map(kindOf);
  const order: Kind[] = ["text", "data", "bss"];
  if (new Set(kinds).size !== kinds.length || kinds.some((k, i) => i > 0 && order.indexOf(k) < order.indexOf(kinds[i - 1]!))) {
    notes.push("sections are not one each of text, data, bss in that order: reassembly merges or reorders them");
  }
  image.sections.forEach((s) => {
    const k = kindOf(s);
    if (s.name !== EXPECTED_NAME[k] || s.flags !== { text: 1, data: 2, bss: 6 }[k]) {
      notes.push(`section "${printableName(s.name)}" (flags ${hex(s.flags)}) reassembles as ${EXPECTED_NAME[k]}`);
    }
  });
  if (image.bootArgs.size === 0 && image.bootArgs.address !== 0) notes.push("an empty boot-args area's address is not kept");
  if (image.flags !== 0) notes.push(`image flags ${hex(image.flags)} are not kept`);
  const sorted = image.symbols.every((s, i) => i === 0 || image.symbols[i - 1]!.address <= s.address);
  if (!sorted) notes.push("symbols are not sorted by address: reassembly sorts them");
  return notes;
}

function labelLines(out: string[], labels: Map<number, string[]>, at: number): void {
  for (const name of labels.get(at) ?? []) out.push(`${name}:`);
}

function nextLabel(labels: Map<number, string[]>, after: number): number {
  let next = Infinity;
  for (const a of labels.keys()) if (a > after && a < next) next = a;
  return next;
}

function writeZeros(out: string[], section: ImageSection, labels: Map<number, string[]>): void {
  const end = section.address + section.size;
  let at = section.address;
  while (at < end) {
    labelLines(out, labels, at);
    const stop = Math.min(end, nextLabel(labels, at));
    out.push(`    .zero ${stop - at}`);
    at = stop;
  }
  labelLines(out, labels, end);
}

const ZERO_RUN = 16;

function writeBytes(
  out: string[],
  section: ImageSection,
  labels: Map<number, string[]>,
  code: boolean,
  symbols: readonly ImageSymbol[],
): void {
  const { data } = section;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const base = section.address;
  const end = base + data.length;
  let at = base;
  while (at < end) {
    labelLines(out, labels, at);
    const stop = Math.min(end, nextLabel(labels, at));
    const i = at - base;
    let zeros = 0;
    while (at + zeros < stop && data[i + zeros] === 0) zeros++;
    if (zeros >= ZERO_RUN) {
      const n = code ? zeros - ((at + zeros) % 4 === 0 ? 0 : (at + zeros) % 4) : zeros;
      if (n >= ZERO_RUN) {
        out.push(`    .zero ${n}`);
        at += n;
        continue;
      }
    }
    if (code && at % 4 === 0 && at + 4 <= stop) {
      const word = view.getUint32(i, true);
      const text = disassemble(word, at);
      const target = targetOf(word, at);
      const sym = target === undefined ? undefined : symbolize(target, symbols);
      out.push(`    ${text.padEnd(28)} ; ${hex8(at)}: ${hex8(word)}${sym ? ` <${sym}>` : ""}`);
      at += 4;
      continue;
    }
    const limit = code ? Math.min(stop, at + 4 - (at % 4)) : Math.min(stop, at + 16);
    const bytes = Array.from(data.subarray(i, i + (limit - at)), (b) => hex(b));
    out.push(`    .byte ${bytes.join(", ")}`);
    at = limit;
  }
  labelLines(out, labels, end);
}
