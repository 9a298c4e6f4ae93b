/**
 * The `pages` frame (stream version 5): a run of consecutive full pages in one frame,
 *
 *   | header (10 B) | first u32 | round u32 | length u32 | page first | page first+1 | … |
 *
 * written and read straight rather than through its field table (the layout FRAME_FIELDS.pages
 * gives, checked below), like the page frame. Per page there is then no header, no socket write
 * and no decode of its own, only its copy and its CRC: each page's CRC is taken once (the sender
 * and the receiver keep it for the memory check, stream/page-crc.ts) and the frame's CRC is made
 * from them, so the bytes are read once for both. The same bytes as `encodeFrame` gives.
 */
import { PAGE_SHIFT, PAGE_SIZE } from "../../../isa/arch.js";
import { crc32, crc32Range } from "../../../isa/crc32.js";
import { getU32, ownSlabBytes, PAGE_SLAB_BYTES, setU32 } from "./codec.js";
import { appendPageCrc } from "./page-crc.js";
import { FRAME_CODE, FRAME_FIELDS, FRAME_HEADER_SIZE } from "./frames.js";

const pagesFields = FRAME_FIELDS.pages.map((f) => `${f.key}:${f.type}:${"length" in f ? f.length : ""}`).join(",");
if (pagesFields !== "first:u32:,round:u32:,data:bytes:u32") throw new Error(`the pages frame's fast path does not match its fields (${pagesFields})`);

/** Where the pages start: header, first, round, the data's length. */
const PAGES_DATA = FRAME_HEADER_SIZE + 12;
/** Most pages one frame carries: the frame fits in a slab (codec.ts), which it comes back to once sent. */
export const MAX_RUN_PAGES = (PAGE_SLAB_BYTES - PAGES_DATA) >>> PAGE_SHIFT;

/**
 * Most pages a frame written from guest memory carries (`pagesFrameHead`): 4 MiB. Such a frame
 * is not copied, so no slab bounds it; fewer frames cut the source's work per frame (its head,
 * CRC call and socket write). In one series of `npm run bench -- --only stream --reps 6`:
 * 0.62–0.75 of the raw socket, against 0.43–0.46 for 64 pages, 0.57–0.61 for 256, and 0.59–0.61
 * for 2048 and 4095. A destination reads such frames straight into guest memory (real/lane.ts).
 */
export const MAX_GATHERED_RUN_PAGES = 1024;

/** Bytes a frame of `count` pages takes on the wire. */
export function pagesFrameBytes(count: number): number {
  return PAGES_DATA + count * PAGE_SIZE;
}

/**
 * The frame of the pages `data` holds (whole pages, at most MAX_RUN_PAGES) from page `first`,
 * copied in as they are now; the CRC of each page as copied goes to `pageCrcs[first + i]`.
 */
export function encodePagesFrame(first: number, round: number, data: Uint8Array, pageCrcs: Uint32Array): Uint8Array {
  const count = data.length >>> PAGE_SHIFT;
  const frame = ownSlabBytes(pagesFrameBytes(count));
  frame.set(data, PAGES_DATA);
  for (let i = 0, at = PAGES_DATA; i < count; i++, at += PAGE_SIZE) pageCrcs[first + i] = crc32(frame.subarray(at, at + PAGE_SIZE));
  writeHead(frame, first, round, count, pageCrcs);
  return frame;
}

/** Heads are cut from chunks of this size; a chunk is left to the collector once cut up. */
const HEAD_CHUNK_BYTES = 16 << 10;
let headChunk = new Uint8Array(0);
let headChunkUsed = 0;

/**
 * The head of the frame of the pages `data` holds (as encodePagesFrame), for a writer that sends
 * `data` itself after it: the same bytes on the wire without the copy, so `data` must not change
 * until the write is done (guest memory while the guest is stopped). For the last pages a
 * migration sends, none of which goes again: the run's CRC is taken in one pass (a native call
 * per page cost a third more) and kept as the last page's, the others' as 0, which the fold of
 * the memory's CRC (page-crc.ts) turns into the same value, as it does the frame's CRC here.
 */
export function pagesFrameHead(first: number, round: number, data: Uint8Array, pageCrcs: Uint32Array): Uint8Array {
  if (headChunkUsed + PAGES_DATA > headChunk.length) {
    headChunk = new Uint8Array(HEAD_CHUNK_BYTES);
    headChunkUsed = 0;
  }
  const head = headChunk.subarray(headChunkUsed, headChunkUsed + PAGES_DATA);
  headChunkUsed += PAGES_DATA;
  const count = data.length >>> PAGE_SHIFT;
  pageCrcs.fill(0, first, first + count - 1);
  pageCrcs[first + count - 1] = crc32(data);
  writeHead(head, first, round, count, pageCrcs);
  return head;
}

/** A pages frame's header and fields for `count` pages, its CRC made from theirs (`pageCrcs[first + i]`). */
function writeHead(head: Uint8Array, first: number, round: number, count: number, pageCrcs: Uint32Array): void {
  head[0] = FRAME_CODE.pages;
  head[1] = 0;
  setU32(head, 2, PAGES_DATA - FRAME_HEADER_SIZE + (count << PAGE_SHIFT));
  setU32(head, FRAME_HEADER_SIZE, first);
  setU32(head, FRAME_HEADER_SIZE + 4, round);
  setU32(head, FRAME_HEADER_SIZE + 8, count << PAGE_SHIFT);
  let crc = headCrc(head);
  for (let i = 0; i < count; i++) crc = appendPageCrc(crc, pageCrcs[first + i]!);
  setU32(head, 6, crc);
}

/** A pages frame decoded, with each page's CRC. */
export interface DecodedPages {
  first: number;
  round: number;
  /** The pages, one after another (a view into the frame). */
  data: Uint8Array;
  pageCrcs: Uint32Array;
}

/** The CRC of each page of `data` (whole pages). */
export function pageCrcsOf(data: Uint8Array): Uint32Array {
  const crcs = new Uint32Array(data.length >>> PAGE_SHIFT);
  for (let i = 0; i < crcs.length; i++) crcs[i] = crc32(data.subarray(i << PAGE_SHIFT, (i + 1) << PAGE_SHIFT));
  return crcs;
}

/** Bytes of a pages frame before its pages: a reader holding them knows where the pages belong. */
export const PAGES_HEAD_BYTES = PAGES_DATA;

/**
 * The pages the head of a pages frame names (its first PAGES_HEAD_BYTES bytes), when the head is
 * well-formed: whole pages, its two lengths agreeing. Else null. Their CRC is not checked yet.
 */
export function pagesFrameRun(head: Uint8Array): { first: number; count: number } | null {
  if (head.length < PAGES_DATA || head[0] !== FRAME_CODE.pages || head[1] !== 0) return null;
  const length = getU32(head, FRAME_HEADER_SIZE + 8);
  if (length === 0 || (length & (PAGE_SIZE - 1)) !== 0 || getU32(head, 2) !== PAGES_DATA - FRAME_HEADER_SIZE + length) return null;
  return { first: getU32(head, FRAME_HEADER_SIZE), count: length >>> PAGE_SHIFT };
}

/**
 * Decodes `bytes` when they are a well-formed pages frame of whole pages (one CRC pass over
 * them), else returns null and `decodeFrame` says what they are or what is wrong.
 */
export function decodePagesFrame(bytes: Uint8Array): DecodedPages | null {
  return bytes.length < PAGES_DATA ? null : decodePagesParts(bytes.subarray(0, PAGES_DATA), bytes.subarray(PAGES_DATA));
}

/** decodePagesFrame for a frame whose head and pages lie apart. */
function decodePagesParts(head: Uint8Array, data: Uint8Array): DecodedPages | null {
  const run = pagesFrameRun(head);
  if (!run || run.count << PAGE_SHIFT !== data.length) return null;
  const pageCrcs = pageCrcsOf(data);
  let crc = headCrc(head);
  for (let i = 0; i < pageCrcs.length; i++) crc = appendPageCrc(crc, pageCrcs[i]!);
  if (getU32(head, 6) !== crc) return null;
  return { first: run.first, round: getU32(head, FRAME_HEADER_SIZE + 4), data, pageCrcs };
}

/** A pages frame decoded with one CRC for all its pages. */
export interface DecodedRun {
  first: number;
  data: Uint8Array;
  /** The CRC of all of `data`. */
  runCrc: number;
}

/**
 * decodePagesParts with the pages' CRC taken in one pass over them, for pages read straight
 * into memory: one native call per 4 MiB run instead of one per page took half the time.
 */
export function decodePagesRun(head: Uint8Array, data: Uint8Array): DecodedRun | null {
  const run = pagesFrameRun(head);
  if (!run || run.count << PAGE_SHIFT !== data.length) return null;
  const runCrc = crc32(data);
  // As if every page's CRC but the last were 0 and the last's the run's (page-crc.ts).
  let crc = headCrc(head);
  for (let i = 1; i < run.count; i++) crc = appendPageCrc(crc, 0);
  crc = appendPageCrc(crc, runCrc);
  if (getU32(head, 6) !== crc) return null;
  return { first: run.first, data, runCrc };
}

/** The CRC of a pages frame's head fields, which its pages' CRCs continue. */
function headCrc(head: Uint8Array): number {
  return crc32Range(head, FRAME_HEADER_SIZE, PAGES_DATA, crc32Range(head, 0, 6));
}
