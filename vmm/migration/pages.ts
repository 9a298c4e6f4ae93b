/** Page helpers shared by the senders. */
import { PAGE_SIZE } from "../../isa/arch.js";
import type { Memory } from "../../isa/memory.js";
import { FRAME_HEADER_SIZE } from "./stream/frames.js";

const WORDS_PER_PAGE = PAGE_SIZE >>> 2;

/** True when every byte of the page is 0. */
export function isZeroPage(memory: Memory, page: number): boolean {
  const words = memory.words;
  const base = page * WORDS_PER_PAGE;
  for (let i = 0; i < WORDS_PER_PAGE; i++) if (words[base + i] !== 0) return false;
  return true;
}

/** Bytes a full-page frame takes on the wire: header, index, round, data. */
export const PAGE_FRAME_BYTES = FRAME_HEADER_SIZE + 8 + PAGE_SIZE;
/** Bytes a zero-page marker takes. */
export const ZERO_FRAME_BYTES = FRAME_HEADER_SIZE + 12;
