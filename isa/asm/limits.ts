/**
 * How much one assembly may take. Without bounds a few lines can make the assembler run away:
 * a macro that calls itself twice, a macro that doubles 24 times (16 million lines), an
 * `.incbin "/dev/zero"`. Each bound is far above what a real program needs — all bundled
 * sources together are under 5,000 lines — and low enough that reaching it takes well under
 * a second and a few hundred MB. Reaching one stops the assembly with one located error.
 */
import { MAX_IMAGE_CONTENTS } from "../arch.js";
import { AsmFatal } from "./errors.js";

/** Lines read from files plus lines that macro expansions produce. */
export const MAX_LINES = 1 << 18;
/** Characters of those lines; also the most one source file may hold. */
export const MAX_SOURCE_BYTES = 32 << 20;
/** How deep `.include` and macro calls may nest. */
export const MAX_NESTING = 64;
/** Bytes all sections together may hold. */
export const MAX_OUTPUT = MAX_IMAGE_CONTENTS;
/** Diagnostics printed in full; the rest are counted. */
export const MAX_SHOWN_ERRORS = 50;

const MIB = 1 << 20;

/** A limit as people say it: `32 MiB`, or a count of bytes. */
export const sizeText = (bytes: number): string => (bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes} bytes`);

/** What is left of the line and character bounds while the preprocessor works. */
export class ExpansionBudget {
  private lines = MAX_LINES;
  private chars = MAX_SOURCE_BYTES;

  /** Takes `lines` lines of `chars` characters, or stops the assembly at `col`. */
  take(lines: number, chars: number, col: number): void {
    this.lines -= lines;
    this.chars -= chars;
    if (this.lines < 0) {
      throw new AsmFatal(col, `the source grows past ${MAX_LINES} lines with its includes and macro expansions (the most one assembly takes)`);
    }
    if (this.chars < 0) {
      throw new AsmFatal(col, `the source grows past ${sizeText(MAX_SOURCE_BYTES)} with its includes and macro expansions (the most one assembly takes)`);
    }
  }
}
