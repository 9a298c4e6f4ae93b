/**
 * The GuestImage at the end of pass 2: sections, entry, memory size, boot-args area and
 * symbols, with the checks that make it loadable reported at the lines responsible.
 */
import { MAX_MEMORY, PAGE_SIZE } from "../arch.js";
import { DEFAULT_MEMORY_SIZE, DEFAULT_TEXT_ADDRESS, type GuestImage, type ImageSection, type ImageSymbol } from "../image/model.js";
import type { Assembly } from "./context.js";
import { SECTION_IMAGE, SECTION_NAMES } from "./sections.js";

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** Whether a label goes into the image's symbol table (.L labels are local to the file). */
export const isExported = (name: string): boolean => !name.startsWith(".L");

/** Builds the image; problems go to `report(seq, message)` (seq = the responsible line). */
export function buildImage(asm: Assembly, report: (seq: number | undefined, message: string) => void): GuestImage {
  const sections: ImageSection[] = [];
  const placed: { name: string; address: number; size: number; seq: number | undefined }[] = [];
  for (const name of SECTION_NAMES) {
    const s = asm.sections[name];
    if (s.size === 0) continue;
    const { imageName, flags } = SECTION_IMAGE[name];
    const zero = name === "bss";
    sections.push({
      name: imageName,
      address: s.base!,
      flags,
      data: zero ? new Uint8Array(0) : s.bytes.slice(0, s.size),
      size: s.size,
    });
    placed.push({ name: imageName, address: s.base!, size: s.size, seq: s.firstSeq });
  }

  const memorySize = asm.memsize?.value ?? DEFAULT_MEMORY_SIZE;
  const memSeq = asm.memsize?.seq;
  const start = asm.symbols.get("_start");
  const entry =
    asm.entry?.value ??
    (start?.kind === "label" ? asm.sections[start.section].base! + start.offset : (asm.sections.text.base ?? DEFAULT_TEXT_ADDRESS));
  const entrySeq = asm.entry?.seq ?? start?.seq ?? memSeq;
  if (entry % 4 !== 0) report(entrySeq, `entry ${hex(entry)} is not word-aligned`);

  const symbols = exportedSymbols(asm);
  const image = { entry, memorySize, flags: 0, bootArgs: { address: 0, size: 0 }, sections, symbols };
  if (memorySize === 0 || memorySize % PAGE_SIZE !== 0) {
    report(memSeq, `memory size ${hex(memorySize)} is not a positive multiple of ${PAGE_SIZE}`);
    return image; // everything below is measured against the memory size
  }
  if (memorySize > MAX_MEMORY) {
    report(memSeq, `memory size ${hex(memorySize)} is larger than the maximum ${hex(MAX_MEMORY)}`);
    return image;
  }
  if (entry >= memorySize) report(entrySeq, `entry ${hex(entry)} is outside memory (${hex(memorySize)} bytes)`);

  for (const p of placed) {
    if (p.address + p.size > memorySize) {
      report(p.seq, `section ${p.name} (${hex(p.address)}..${hex(p.address + p.size)}) does not fit in memory of ${hex(memorySize)} bytes (see .memsize)`);
    }
  }
  const sorted = [...placed].sort((x, y) => x.address - y.address);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    if (a.address + a.size > b.address) {
      report(b.seq, `section ${b.name} (${hex(b.address)}..${hex(b.address + b.size)}) overlaps ${a.name} (${hex(a.address)}..${hex(a.address + a.size)})`);
    }
  }

  const bootArgs = asm.bootArgs ? { address: asm.bootArgs.address, size: asm.bootArgs.size } : { address: 0, size: 0 };
  if (asm.bootArgs) {
    const { address, size, seq } = asm.bootArgs;
    if (size === 0) report(seq, "the boot-args area needs a size above 0");
    else if (address + size > memorySize) report(seq, `boot-args area ${hex(address)}..${hex(address + size)} is outside memory (${hex(memorySize)} bytes)`);
    const hit = placed.find((p) => p.address < address + size && address < p.address + p.size);
    if (size > 0 && hit) report(seq, `boot-args area ${hex(address)}..${hex(address + size)} overlaps section ${hit.name}`);
  }

  image.bootArgs = bootArgs;
  return image;
}

/** Labels (not .L ones) by address; labels at the same address in definition order. */
function exportedSymbols(asm: Assembly): ImageSymbol[] {
  const symbols: { s: ImageSymbol; seq: number }[] = [];
  for (const [name, def] of asm.symbols) {
    if (def.kind !== "label" || !isExported(name)) continue;
    symbols.push({ s: { name, address: asm.sections[def.section].base! + def.offset }, seq: def.seq });
  }
  return symbols.sort((x, y) => x.s.address - y.s.address || x.seq - y.seq).map((x) => x.s);
}
