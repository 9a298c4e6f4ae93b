/**
 * Checks the working set of programs/memwriter.s in a guest memory: after a migration (or at
 * any instant) the memory must look like some instruction boundary of a real run.
 *
 * Page i of the working set (base + i * 4096) holds:
 *   word 0      counter c[i]: touches so far, stored last (it commits a touch)
 *   word 1      i, once the page was touched (0 before)
 *   last word   a copy of the counter
 *   the rest    zero
 * The program touches pages 0, 1, …, N-1, 0, 1, … and writes, for each touch, the index,
 * then the copy, then the counter. So at every instruction boundary:
 *   - in sweep order the counters are k+1 for a prefix of the pages and k for the rest
 *     (neighbours differ by at most 1, and only at one place);
 *   - every page's copy equals its counter, except that the page being touched (the first
 *     one with the lower counter, page 0 when all are equal) may already have copy = c + 1.
 * A lost, stale or half-copied page breaks one of these.
 */
import { PAGE_SIZE } from "../../isa/arch.js";
import type { GuestImage } from "../../isa/image/model.js";
import type { Memory } from "../../isa/memory.js";

export interface WorkingSet {
  /** Guest-physical address of page 0 (page aligned). */
  base: number;
  pages: number;
}

export type MemcheckResult =
  | {
      ok: true;
      /** Sweeps completed (the counter of the last page). */
      sweeps: number;
      /** Touches committed: the sum of the counters. */
      writes: number;
      /** Index of the next page to be touched. */
      next: number;
    }
  | { ok: false; problem: string };

const WORDS_PER_PAGE = PAGE_SIZE / 4;
const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

/** Verifies the memwriter invariant; on failure `problem` is one line naming the page and why. */
export function memcheck(memory: Memory, workingSet: WorkingSet): MemcheckResult {
  const { base, pages } = workingSet;
  if (!Number.isInteger(base) || base < 0 || base % PAGE_SIZE !== 0) {
    return { ok: false, problem: `working-set base ${hex(base)} is not a page-aligned address` };
  }
  if (!Number.isInteger(pages) || pages < 1 || base + pages * PAGE_SIZE > memory.size) {
    return { ok: false, problem: `working set of ${pages} pages at ${hex(base)} does not fit in ${memory.size} bytes of memory` };
  }
  const words = memory.words;
  const first = base >>> 2;
  const counter = (i: number): number => words[first + i * WORDS_PER_PAGE]! >>> 0;
  const where = (i: number): string => `page ${i} (${hex(base + i * PAGE_SIZE)})`;

  const high = counter(0);
  let drop = pages; // first page with the lower counter
  let writes = 0;
  for (let i = 0; i < pages; i++) {
    const c = counter(i);
    writes += c;
    if (drop === pages && c !== high) drop = i;
    const want = drop === pages ? high : high - 1;
    if (c !== want) {
      return {
        ok: false,
        problem:
          `${where(i)} has counter ${c} but ${where(i - 1)} has ${counter(i - 1)}: ` +
          `in sweep order the counters may only drop once, by 1`,
      };
    }
  }

  const touching = drop === pages ? 0 : drop;
  for (let i = 0; i < pages; i++) {
    const at = first + i * WORDS_PER_PAGE;
    const c = words[at]! >>> 0;
    const index = words[at + 1]! >>> 0;
    const copy = words[at + WORDS_PER_PAGE - 1]! >>> 0;
    const copyOk = copy === c || (i === touching && copy === c + 1);
    if (!copyOk) return { ok: false, problem: `${where(i)} has counter ${c} but its last word says ${copy}: the page is torn` };
    const touched = copy !== 0 || (i === touching && index === i);
    if (index !== (touched ? i : 0)) {
      return { ok: false, problem: `${where(i)} says it is page ${index} of the working set` };
    }
    for (let w = 2; w < WORDS_PER_PAGE - 1; w++) {
      if (words[at + w] !== 0) {
        return { ok: false, problem: `${where(i)} has ${hex(words[at + w]!)} at offset ${w * 4}, where memwriter never writes` };
      }
    }
  }
  return { ok: true, sweeps: counter(pages - 1), writes, next: touching };
}

/**
 * Where memwriter put its working set in `memory` (paging off: its addresses are physical),
 * from the image's symbols ws_base and ws_pages; undefined before the program allocated it,
 * or when the image has no such symbols (not memwriter, or stripped).
 */
export function memwriterWorkingSet(image: GuestImage, memory: Memory): WorkingSet | undefined {
  const address = (name: string) => image.symbols.find((s) => s.name === name)?.address;
  const baseAt = address("ws_base");
  const pagesAt = address("ws_pages");
  if (baseAt === undefined || pagesAt === undefined || baseAt + 4 > memory.size || pagesAt + 4 > memory.size) return undefined;
  const base = memory.words[baseAt >>> 2]! >>> 0;
  const pages = memory.words[pagesAt >>> 2]! >>> 0;
  return base === 0 || pages === 0 ? undefined : { base, pages };
}
