/** Page helpers shared by the senders. */
import { PAGE_SIZE } from "../../isa/arch.js";
import type { Memory } from "../../isa/memory.js";
import { FRAME_HEADER_SIZE } from "./stream/frames.js";

/** True when every byte of the page is 0. */
export const isZeroPage = (memory: Memory, page: number): boolean => memory.isZeroPage(page);

/** Bytes a full-page frame takes on the wire: header, index, round, data. */
export const PAGE_FRAME_BYTES = FRAME_HEADER_SIZE + 8 + PAGE_SIZE;
/** Bytes a zero-page marker takes. */
export const ZERO_FRAME_BYTES = FRAME_HEADER_SIZE + 12;

/**
 * How many pages are dirty, as `memory.dirtyCount()` says, four bitmap bytes at a time: pre-copy
 * asks after every 64 frames, and on a 1 GiB guest a byte loop over 256 Ki pages was a third of
 * the engine's time. Each byte is 0 or 1, so a word's four bytes add up in two steps.
 */
export function countDirty(memory: Memory): number {
  const dirty = memory.dirty;
  if (dirty.byteOffset & 3) return memory.dirtyCount();
  const words = dirty.length >>> 2;
  const view = new Int32Array(dirty.buffer, dirty.byteOffset, words);
  let n = 0;
  for (let i = 0; i < words; i++) {
    const w = view[i]!;
    if (w === 0) continue;
    const pairs = (w & 0x00ff00ff) + ((w >>> 8) & 0x00ff00ff);
    n += (pairs & 0xffff) + (pairs >>> 16);
  }
  for (let p = words << 2; p < dirty.length; p++) n += dirty[p]!;
  return n;
}

/**
 * Clears the dirty bits, calling `visit` with each page that had one, in ascending order —
 * `memory.takeDirty()` without its array, skipping clean pages four at a time (a dirty-rate
 * measurement drains the bitmap every thousand instructions).
 */
export function drainDirty(memory: Memory, visit: (page: number) => void): void {
  const dirty = memory.dirty;
  const words = dirty.byteOffset & 3 ? 0 : dirty.length >>> 2;
  const view = new Int32Array(dirty.buffer, dirty.byteOffset, words);
  for (let i = 0; i < words; i++) {
    if (view[i] === 0) continue;
    for (let p = i << 2; p < (i << 2) + 4; p++) if (dirty[p]) visit(p);
    view[i] = 0;
  }
  for (let p = words << 2; p < dirty.length; p++) {
    if (dirty[p]) {
      dirty[p] = 0;
      visit(p);
    }
  }
}
