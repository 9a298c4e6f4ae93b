/**
 * The three sections and where they go. Text starts at DEFAULT_TEXT_ADDRESS, data at the next
 * page boundary after text, bss at the next page boundary after data — unless a section
 * starts with `.org`, which fixes its start. Positions are kept as offsets from the start so
 * labels can be placed before the start of data and bss is known (end of pass 1).
 */
import { MAX_MEMORY, PAGE_SIZE } from "../arch.js";
import { DEFAULT_TEXT_ADDRESS, SECTION_EXEC, SECTION_WRITE, SECTION_ZERO } from "../image/model.js";

export const SECTION_NAMES = ["text", "data", "bss"] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

/** Name and flags each section gets in the image. */
export const SECTION_IMAGE: Record<SectionName, { imageName: string; flags: number }> = {
  text: { imageName: ".text", flags: SECTION_EXEC },
  data: { imageName: ".data", flags: SECTION_WRITE },
  bss: { imageName: ".bss", flags: SECTION_WRITE | SECTION_ZERO },
};

export class Section {
  /** Start address once known. */
  base: number | undefined;
  /** Location counter, relative to `base`. */
  offset = 0;
  /** Highest offset reached. */
  size = 0;
  /** Contents (pass 2 only); bss stays empty. */
  bytes = new Uint8Array(256);
  /** Sequence number of the first line that put something here, for diagnostics. */
  firstSeq: number | undefined;

  constructor(readonly name: SectionName) {}

  /** Current address, or undefined while the start is not known. */
  here(): number | undefined {
    return this.base === undefined ? undefined : this.base + this.offset;
  }

  /** Moves the location counter forward by `n` bytes (zeros unless written later). */
  advance(n: number, seq: number): void {
    if (this.base === undefined && this.name === "text") this.base = DEFAULT_TEXT_ADDRESS;
    this.firstSeq ??= seq;
    this.offset += n;
    if (this.offset > this.size) this.size = this.offset;
  }

  /** Writes bytes at the location counter and advances past them. */
  write(data: Uint8Array | readonly number[], seq: number): void {
    const end = this.offset + data.length;
    if (end > this.bytes.length) {
      const grown = new Uint8Array(Math.max(end, Math.min(this.bytes.length * 2, MAX_MEMORY)));
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes.set(data, this.offset);
    this.advance(data.length, seq);
  }

  /** Ready for the next pass: same start, counter back to 0. */
  rewind(): void {
    this.offset = 0;
  }
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/** Fixes the start of every section not started with `.org` (end of pass 1). */
export function layoutSections(sections: Record<SectionName, Section>): void {
  let end = DEFAULT_TEXT_ADDRESS;
  for (const name of SECTION_NAMES) {
    const s = sections[name];
    s.base ??= name === "text" ? DEFAULT_TEXT_ADDRESS : alignUp(end, PAGE_SIZE);
    if (s.size > 0 || name === "text") end = s.base + s.size;
  }
}
