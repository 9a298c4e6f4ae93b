/**
 * XBZRLE, QEMU's delta encoding of a resent page (migration/xbzrle.c): the page as it is now
 * against the copy that was sent last, as runs
 *
 *   delta  = zrun nzrun | zrun nzrun delta
 *   zrun   = length                   bytes unchanged since the copy (0 only at the start)
 *   nzrun  = length byte…              that many bytes (≥ 1) as they are now
 *   length = ULEB128, at most 14 bits (two bytes)
 *
 * A trailing unchanged run is not written, so an unchanged page encodes to nothing. Both
 * directions are integer loops over typed arrays that allocate nothing: the unchanged runs are
 * compared a 32-bit word at a time, and a changed run grows a word at a time while no byte of
 * the word is equal (the xor has no zero byte), as QEMU does with `long`s.
 */
import { PAGE_SIZE } from "../../isa/arch.js";

/** Room for one length (ULEB128 of a number < 2^14). */
const LENGTH_MAX_BYTES = 2;

function putLength(out: Uint8Array, at: number, n: number): number {
  if (n < 0x80) {
    out[at] = n;
    return at + 1;
  }
  out[at] = (n & 0x7f) | 0x80;
  out[at + 1] = n >>> 7;
  return at + 2;
}

/**
 * Encodes `page` (a page at offset 0 of its own buffer, `pageWords` its word view) against
 * `old` (the page at byte `oldAt`, a multiple of 4, of `oldWords`' buffer) into `out`. Returns
 * the delta's length: 0 when the page did not change, -1 when the delta would take more than
 * `limit` bytes (an overflow: the page goes plain).
 */
export function encodeDelta(old: Uint8Array, oldWords: Int32Array, oldAt: number, page: Uint8Array, pageWords: Int32Array, out: Uint8Array, limit: number): number {
  const ow = oldAt >>> 2;
  let i = 0;
  let d = 0;
  while (i < PAGE_SIZE) {
    const zeroStart = i;
    while ((i & 3) !== 0 && old[oldAt + i] === page[i]) i++;
    if ((i & 3) === 0) {
      while (i < PAGE_SIZE && oldWords[ow + (i >>> 2)] === pageWords[i >>> 2]) i += 4;
      while (i < PAGE_SIZE && old[oldAt + i] === page[i]) i++;
    }
    if (i === PAGE_SIZE) return d;
    if (d + LENGTH_MAX_BYTES > limit) return -1;
    d = putLength(out, d, i - zeroStart);

    const start = i;
    while ((i & 3) !== 0 && i < PAGE_SIZE && old[oldAt + i] !== page[i]) i++;
    if ((i & 3) === 0) {
      while (i < PAGE_SIZE) {
        const x = oldWords[ow + (i >>> 2)]! ^ pageWords[i >>> 2]!;
        if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break; // some byte equal: the run ends in this word
        i += 4;
      }
      while (i < PAGE_SIZE && old[oldAt + i] !== page[i]) i++;
    }
    const n = i - start;
    if (d + LENGTH_MAX_BYTES + n > limit) return -1;
    d = putLength(out, d, n);
    for (let k = start; k < i; k++) out[d++] = page[k]!;
  }
  return d;
}

/** Where the length `readLength` read last ends. */
let after = 0;
const PAST_END = -1;
const TOO_LONG = -2;

/** The length at `src[at]` (before `end`): its value, PAST_END or TOO_LONG; `after` is where it ends. */
function readLength(src: Uint8Array, at: number, end: number): number {
  if (at >= end) return PAST_END;
  const first = src[at]!;
  if (first < 0x80) {
    after = at + 1;
    return first;
  }
  if (at + 1 >= end) return PAST_END;
  const second = src[at + 1]!;
  if (second >= 0x80) return TOO_LONG;
  after = at + 2;
  return (first & 0x7f) | (second << 7);
}

const lengthProblem = (code: number, what: string, at: number): string =>
  code === TOO_LONG ? `the length of ${what} at byte ${at} is longer than 14 bits` : `ends inside the length of ${what} at byte ${at}`;

/**
 * Applies the delta `src[from, end)` to `page` (a page holding the copy it was made against),
 * each length checked before it is used: returns null when applied, else the problem, with
 * the delta's byte where it is (the page may then be half changed; the caller drops it).
 */
export function applyDelta(src: Uint8Array, from: number, end: number, page: Uint8Array): string | null {
  let i = from;
  let d = 0;
  while (i < end) {
    const zrun = readLength(src, i, end);
    if (zrun < 0) return lengthProblem(zrun, "an unchanged run", i - from);
    if (zrun === 0 && i !== from) return `an unchanged run of 0 bytes at byte ${i - from} (only the first may be empty)`;
    d += zrun;
    if (d >= PAGE_SIZE) return `the unchanged run at byte ${i - from} reaches the end of the page (${d} bytes) with no change after it`;
    i = after;
    const nzrun = readLength(src, i, end);
    if (nzrun < 0) return lengthProblem(nzrun, "a changed run", i - from);
    if (nzrun === 0) return `a changed run of 0 bytes at byte ${i - from}`;
    if (d + nzrun > PAGE_SIZE) return `the changed run at byte ${i - from} reaches past the page (${d} + ${nzrun} bytes)`;
    i = after;
    if (i + nzrun > end) return `the changed run at byte ${i - from} needs ${nzrun} bytes, ${end - i} present`;
    for (let k = 0; k < nzrun; k++) page[d++] = src[i++]!;
  }
  return null;
}
