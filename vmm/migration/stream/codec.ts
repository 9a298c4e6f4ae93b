/**
 * Encoding and decoding of frames and whole streams. Decoding checks, in order: header
 * present, type known, length sane, payload present, checksum, then the payload's own length
 * prefixes (`isa/binary/record.ts` measures before it parses) and UTF-8. Page frames, the
 * bulk of every stream, take a straight path both ways. Every problem is one UserError line naming the frame's position:
 * `migration stream: frame 12 (page): checksum mismatch (stored …, computed …)`.
 */
import { crc32, crc32Range } from "../../../isa/crc32.js";
import { UserError } from "../../../isa/errors.js";
import { PAGE_SIZE } from "../../../isa/arch.js";
import { appendPageCrc } from "./page-crc.js";
import { readRecord, recordSize, writeRecord, type Field, type RecordFormat } from "../../../isa/binary/record.js";
import {
  FRAME_CODE,
  FRAME_FIELDS,
  FRAME_HEADER_SIZE,
  FRAME_TYPES,
  MAX_PAYLOAD,
  PAYLOADS,
  PROLOGUE_SIZE,
  STREAM_MAGIC,
  STREAM_VERSION,
  type Frame,
  type FrameOf,
} from "./frames.js";

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

export function streamError(problem: string): UserError {
  return new UserError(`migration stream: ${problem}`);
}

/** The stream's first bytes: magic and format version. */
export function encodePrologue(): Uint8Array {
  const bytes = new Uint8Array(PROLOGUE_SIZE);
  bytes.set(STREAM_MAGIC);
  new DataView(bytes.buffer).setUint16(STREAM_MAGIC.length, STREAM_VERSION, true);
  return bytes;
}

/** Checks the magic, and that the version is one of `readable` (a migration's peer must speak this one). */
export function checkPrologue(bytes: Uint8Array, readable: readonly number[] = [STREAM_VERSION]): void {
  if (bytes.length < STREAM_MAGIC.length || STREAM_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw streamError("not a toyvmm migration stream (bad magic)");
  }
  if (bytes.length < PROLOGUE_SIZE) throw streamError(`truncated in the prologue (${bytes.length} of ${PROLOGUE_SIZE} bytes)`);
  const version = bytes[6]! | (bytes[7]! << 8);
  if (!readable.includes(version)) throw streamError(`format version ${version} is not supported (this toyvmm reads ${readable.join(" and ")})`);
}

/** One frame's bytes, header included. */
export function encodeFrame(frame: Frame): Uint8Array {
  const format = PAYLOADS[frame.type] as RecordFormat<readonly Field[]>;
  const length = recordSize(format, frame as never);
  const bytes = new Uint8Array(FRAME_HEADER_SIZE + length);
  writeRecord(format, frame as never, bytes, FRAME_HEADER_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, FRAME_CODE[frame.type]);
  view.setUint8(1, 0);
  view.setUint32(2, length, true);
  view.setUint32(6, frameCrc(bytes), true);
  return bytes;
}

/** A page frame's payload: index u32, round u32, the page (the layout FRAME_FIELDS.page gives, checked below). */
const PAGE_PAYLOAD = 8 + PAGE_SIZE;
const pageFields = FRAME_FIELDS.page.map((f) => `${f.key}:${f.type}`).join(",");
if (pageFields !== "index:u32,round:u32,data:bytes" || FRAME_FIELDS.page[2].length !== PAGE_SIZE) {
  throw new Error(`the page frame's fast path does not match its fields (${pageFields})`);
}

/** The header's first 6 bytes (type, flags, length) are the same in every page frame: their CRC once. */
const PAGE_HEAD = new Uint8Array([FRAME_CODE.page, 0, PAGE_PAYLOAD & 0xff, (PAGE_PAYLOAD >>> 8) & 0xff, (PAGE_PAYLOAD >>> 16) & 0xff, PAGE_PAYLOAD >>> 24]);
const PAGE_HEAD_CRC = crc32(PAGE_HEAD);
const PAGE_FRAME_SIZE = FRAME_HEADER_SIZE + PAGE_PAYLOAD;

/**
 * Page frames are cut from shared slabs: one allocation per slab rather than per page (a
 * buffer of this size is not pooled, and allocating 16 Ki of them cost more than their CRC).
 * Consecutive frames lie side by side, so a writer may send them as one. A writer that has
 * sent a whole slab in one piece, and holds no other view of it, may give it back
 * (`recyclePageSlab`): writing into fresh memory cost the kernel a page fault per page.
 */
const SLAB_FRAMES = 64;
/** Bytes of one slab: a writer gathering whole slabs gathers at least this much. */
export const PAGE_SLAB_BYTES = SLAB_FRAMES * PAGE_FRAME_SIZE;
/** Slabs kept for reuse, at most. */
const SPARE_SLABS = 8;
let slab = new Uint8Array(0);
let slabUsed = 0;
const spareSlabs: ArrayBuffer[] = [];

function pageFrameBytes(): Uint8Array {
  if (slabUsed + PAGE_FRAME_SIZE > slab.length) {
    const spare = spareSlabs.pop();
    slab = spare ? new Uint8Array(spare) : new Uint8Array(PAGE_SLAB_BYTES);
    slabUsed = 0;
  }
  const bytes = slab.subarray(slabUsed, slabUsed + PAGE_FRAME_SIZE);
  slabUsed += PAGE_FRAME_SIZE;
  return bytes;
}

/**
 * The first `size` bytes of a slab of its own, for a frame of many pages (pages-frame.ts): nothing
 * else is cut from that slab, so the frame gives it back alone (`isWholeSlab`).
 */
export function ownSlabBytes(size: number): Uint8Array {
  if (size > PAGE_SLAB_BYTES) throw new RangeError(`a frame of ${size} bytes does not fit in a slab of ${PAGE_SLAB_BYTES}`);
  const spare = spareSlabs.pop();
  return (spare ? new Uint8Array(spare) : new Uint8Array(PAGE_SLAB_BYTES)).subarray(0, size);
}

/**
 * Whether `bytes` is everything cut from one slab: its page frames, all of them, or a frame of
 * many pages at the start of a slab of its own. A writer may give such bytes back once sent.
 */
export function isWholeSlab(bytes: Uint8Array): boolean {
  if (bytes.byteOffset !== 0 || bytes.buffer.byteLength !== PAGE_SLAB_BYTES) return false;
  return bytes.length === PAGE_SLAB_BYTES || (bytes[0] === FRAME_CODE.pages && bytes.length === frameLength(bytes, 0));
}

/**
 * Gives a slab back for new frames, when `bytes` is a whole one (`isWholeSlab`) that the
 * caller has finished with; anything else is left alone.
 */
export function recyclePageSlab(bytes: Uint8Array): void {
  if (!isWholeSlab(bytes) || spareSlabs.length >= SPARE_SLABS || spareSlabs.includes(bytes.buffer as ArrayBuffer)) return;
  if (bytes.buffer === slab.buffer) {
    // The slab frames are cut from: given back only once every frame of it is cut (it is full).
    if (slabUsed < slab.length) return;
    slab = new Uint8Array(0);
    slabUsed = 0;
  }
  spareSlabs.push(bytes.buffer as ArrayBuffer);
}

/**
 * A page frame, written straight rather than through its field table: the hot path of every
 * migration (no allocation of its own, one copy, one pass of CRC over the page). The frame's
 * CRC is made from the page's own (`pageCrc`, which the sender keeps for the memory check)
 * and that of the header and fields. The same bytes as `encodeFrame` gives.
 */
export function encodePageFrame(index: number, round: number, data: Uint8Array, pageCrc = crc32(data)): Uint8Array {
  const bytes = pageFrameBytes();
  bytes.set(PAGE_HEAD);
  setU32(bytes, FRAME_HEADER_SIZE, index);
  setU32(bytes, FRAME_HEADER_SIZE + 4, round);
  bytes.set(data, PAGE_DATA);
  setU32(bytes, 6, pageFrameCrc(bytes, pageCrc));
  return bytes;
}

/**
 * Frames of a page that travels as fewer bytes (`xbzrle`, `compressed`): index u32, round u32,
 * a u16 length and that many bytes — the layout FRAME_FIELDS gives them, checked below. Written straight,
 * into chunks shared by many frames, like page frames; the same bytes as `encodeFrame` gives.
 */
const RUN_FIELDS = 10;
export type RunFrameType = "xbzrle" | "compressed";
for (const type of ["xbzrle", "compressed"] as const) {
  const fields = FRAME_FIELDS[type].map((f) => `${f.type}:${"length" in f ? f.length : ""}`).join(",");
  if (fields !== "u32:,u32:,bytes:u16") throw new Error(`the ${type} frame's fast path does not match its fields (${fields})`);
}
const RUN_CHUNK_BYTES = 256 << 10;
let runChunk = new Uint8Array(0);
let runChunkUsed = 0;

function runFrameBytes(size: number): Uint8Array {
  if (runChunkUsed + size > runChunk.length) {
    runChunk = new Uint8Array(RUN_CHUNK_BYTES);
    runChunkUsed = 0;
  }
  const bytes = runChunk.subarray(runChunkUsed, runChunkUsed + size);
  runChunkUsed += size;
  return bytes;
}

/** An `xbzrle` or `compressed` frame of page `index` whose bytes are `payload[0, length)`. */
export function encodeRunFrame(type: RunFrameType, index: number, round: number, payload: Uint8Array, length: number): Uint8Array {
  const size = FRAME_HEADER_SIZE + RUN_FIELDS + length;
  const bytes = runFrameBytes(size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  bytes[0] = FRAME_CODE[type];
  bytes[1] = 0;
  view.setUint32(2, RUN_FIELDS + length, true);
  view.setUint32(FRAME_HEADER_SIZE, index, true);
  view.setUint32(FRAME_HEADER_SIZE + 4, round, true);
  view.setUint16(FRAME_HEADER_SIZE + 8, length, true);
  const at = FRAME_HEADER_SIZE + RUN_FIELDS;
  bytes.set(payload.length === length ? payload : payload.subarray(0, length), at);
  view.setUint32(6, crc32(bytes.subarray(FRAME_HEADER_SIZE), crc32(bytes.subarray(0, 6))), true);
  return bytes;
}

/** Where a page frame's page starts. */
const PAGE_DATA = FRAME_HEADER_SIZE + 8;

/** A page frame's CRC from its page's: header and fields, then the page appended. */
function pageFrameCrc(frame: Uint8Array, pageCrc: number): number {
  return appendPageCrc(crc32Range(frame, FRAME_HEADER_SIZE, PAGE_DATA, PAGE_HEAD_CRC), pageCrc);
}

/** Little-endian u32s in place: a DataView per page frame cost more than its header. */
export function setU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value;
  bytes[at + 1] = value >>> 8;
  bytes[at + 2] = value >>> 16;
  bytes[at + 3] = value >>> 24;
}

export function getU32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/** A page frame decoded, with its page's CRC (the receiver keeps it for the memory check). */
export interface DecodedPage {
  frame: FrameOf<"page">;
  pageCrc: number;
}

/**
 * Decodes `bytes` when they are a well-formed page frame (the bulk of every stream, one CRC
 * pass over the page), else returns null and `decodeFrame` says what they are or what is wrong.
 */
export function decodePageFrame(bytes: Uint8Array): DecodedPage | null {
  if (bytes.length !== PAGE_FRAME_SIZE || !hasPageHead(bytes)) return null;
  const data = bytes.subarray(PAGE_DATA);
  const pageCrc = crc32(data);
  if (getU32(bytes, 6) !== pageFrameCrc(bytes, pageCrc)) return null;
  return { frame: { type: "page", index: getU32(bytes, FRAME_HEADER_SIZE), round: getU32(bytes, FRAME_HEADER_SIZE + 4), data }, pageCrc };
}

/** Whether the frame's first 6 bytes are a page frame's (then their CRC is PAGE_HEAD_CRC). */
function hasPageHead(frame: Uint8Array): boolean {
  for (let i = 0; i < PAGE_HEAD.length; i++) if (frame[i] !== PAGE_HEAD[i]) return false;
  return true;
}

function frameCrc(frame: Uint8Array): number {
  const head = frame.length >= PAGE_HEAD.length && hasPageHead(frame) ? PAGE_HEAD_CRC : crc32(frame.subarray(0, 6));
  return crc32(frame.subarray(FRAME_HEADER_SIZE), head);
}

/** Size of the frame starting at `offset`, read from its header (header must be present). */
export function frameLength(bytes: Uint8Array, offset: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAME_HEADER_SIZE);
  return FRAME_HEADER_SIZE + view.getUint32(2, true);
}

/**
 * Decodes the frame that fills `bytes` exactly. `index` is the frame's position in its
 * direction of the stream (from 0), for messages; `label` names that direction in them.
 */
export function decodeFrame(bytes: Uint8Array, index: number, label = "frame"): Frame {
  const page = decodePageFrame(bytes);
  if (page) return page.frame;
  const code = bytes.length > 0 ? bytes[0]! : 0;
  const type = FRAME_TYPES[code - 1];
  const where = `${label} ${index}${type ? ` (${type})` : ""}`;
  const fail = (problem: string): never => {
    throw streamError(`${where}: ${problem}`);
  };
  if (bytes.length < FRAME_HEADER_SIZE) fail(`truncated in the header (${bytes.length} of ${FRAME_HEADER_SIZE} bytes)`);
  if (!type) fail(`unknown frame type ${code}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[1] !== 0) fail(`flags ${bytes[1]} are not 0`);
  const length = view.getUint32(2, true);
  if (length > MAX_PAYLOAD) fail(`payload length ${length} exceeds the limit of ${MAX_PAYLOAD}`);
  if (bytes.length < FRAME_HEADER_SIZE + length) {
    fail(`truncated (payload needs ${length} bytes, ${bytes.length - FRAME_HEADER_SIZE} present)`);
  }
  if (bytes.length > FRAME_HEADER_SIZE + length) fail(`${bytes.length - FRAME_HEADER_SIZE - length} bytes after the payload`);
  const stored = view.getUint32(6, true);
  const computed = frameCrc(bytes);
  if (stored !== computed) fail(`checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)})`);

  const format = PAYLOADS[type!] as RecordFormat<readonly Field[]>;
  const { record, end } = readRecord(format, bytes, FRAME_HEADER_SIZE, { source: `migration stream: ${where}`, record: "payload" });
  if (end !== bytes.length) fail(`payload is ${length} bytes but its fields take ${end - FRAME_HEADER_SIZE}`);
  return { type: type!, ...record } as Frame;
}

/** A whole stream (prologue + frames), as saved to a file. */
export function encodeStream(frames: readonly Frame[]): Uint8Array {
  const parts = [encodePrologue(), ...frames.map(encodeFrame)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Parses a whole stream; any damage is one UserError line. */
export function decodeStream(bytes: Uint8Array): Frame[] {
  checkPrologue(bytes);
  const frames: Frame[] = [];
  let at = PROLOGUE_SIZE;
  while (at < bytes.length) {
    const index = frames.length;
    if (bytes.length - at < FRAME_HEADER_SIZE) {
      frames.push(decodeFrame(bytes.subarray(at), index)); // reports the truncated header
    }
    const end = Math.min(bytes.length, at + frameLength(bytes, at));
    frames.push(decodeFrame(bytes.subarray(at, end), index));
    at = end;
  }
  return frames;
}
