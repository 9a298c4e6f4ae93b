/**
 * What the encoded pre-copy model (model.ts, `encodedPreCopyModel`) needs to know of a guest's
 * pages, measured by the page encoder itself (protocol/page-encoder.ts), so that the model's
 * bytes are the frames the sender would make:
 *
 *   round 0         every page as it would go now: zero runs as markers, pages that hold data
 *                   compressed (or plain when that is not smaller, or without compression)
 *   a page whole    the pages seen to change between two copies of memory (`from`, `to`), as
 *                   they are in `to`: compressed or plain
 *   a delta         the same pages as XBZRLE deltas of their copy in `from`
 *
 * `memory` is the guest's memory at the migration point. The experiment runner takes the
 * changes from it to a copy that ran on (probe.ts); `migrate --predict` from the start of its
 * dirty-rate window to the migration point (cli/predict-options.ts).
 */
import { PAGE_SIZE } from "../../isa/arch.js";
import { Memory } from "../../isa/memory.js";
import type { PageEncodingModel } from "./model.js";
import { PageCache } from "./page-cache.js";
import { isZeroPage, PAGE_FRAME_BYTES, ZERO_FRAME_BYTES } from "./pages.js";
import { PageEncoder, type PageEncoding } from "./protocol/page-encoder.js";

export interface EncodingSample {
  /** Bytes round 0 would put on the wire. */
  memoryBytes: number;
  model: PageEncodingModel;
  /** XBZRLE's cache in pages as the encoder would use it (0 without XBZRLE). */
  cacheSlots: number;
}

/** How pages travel, and what compressing costs: the source's time per byte compressed, the destination's per byte decompressed. */
export interface EncodingParameters extends PageEncoding {
  compressCostPs: number;
  decompressCostPs: number;
}

/** Whether pages go other than plain (the encoded model applies). */
export const encodes = (encoding: PageEncoding): boolean => encoding.compress || encoding.xbzrleCache > 0;

/**
 * The sample a prediction of `strategy` needs, or null when its pages go plain: stop-and-copy
 * sends each page once, so only compression applies to it.
 */
export function encodingSampleFor(strategy: "stop-copy" | "pre-copy", memory: Memory, changes: () => { from: Memory; to: Memory }, encoding: EncodingParameters): EncodingSample | null {
  if (strategy === "stop-copy") return encoding.compress ? sampleEncoding(memory, { from: memory, to: memory }, { ...encoding, xbzrleCache: 0 }) : null;
  return encodes(encoding) ? sampleEncoding(memory, changes(), encoding) : null;
}

/** A copy of `memory`, written only where it holds data: the copy of a large, mostly zero memory stays mostly untouched. */
export function copyOfMemory(memory: Memory): Memory {
  const copy = new Memory(memory.size);
  for (let p = 0; p < memory.pageCount; p++) if (!isZeroPage(memory, p)) copy.bytes.set(memory.page(p), p * PAGE_SIZE);
  return copy;
}

/** The sample of `memory` for `encoding`, its changed pages those that differ from `from` to `to`. */
export function sampleEncoding(memory: Memory, { from, to }: { from: Memory; to: Memory }, encoding: EncodingParameters): EncodingSample {
  const whole = new PageEncoder({ xbzrleCache: 0, compress: encoding.compress }, 1);
  // Only a frame's length is wanted: the CRC it carries is not.
  const wholeBytes = (data: Uint8Array) => whole.frame(0, 0, data, 0, false, false).length;
  let memoryBytes = 0;
  let dataPages = 0;
  let previousZero = false;
  for (let p = 0; p < memory.pageCount; p++) {
    const zero = isZeroPage(memory, p);
    if (!zero) {
      memoryBytes += wholeBytes(memory.page(p));
      dataPages++;
    } else if (!previousZero) memoryBytes += ZERO_FRAME_BYTES;
    previousZero = zero;
  }

  let changed = 0;
  let changedWhole = 0;
  let deltas = 0;
  const delta = encoding.xbzrleCache > 0 ? new PageEncoder({ xbzrleCache: PAGE_SIZE, compress: false }, 1) : null;
  for (let p = 0; p < memory.pageCount; p++) {
    const now = to.page(p);
    if (isZeroPage(to, p) || Buffer.compare(from.page(p), now) === 0) continue;
    changed++;
    changedWhole += wholeBytes(now);
    if (delta) {
      // Sent once (a miss caches it), then again: a hit, encoded against the copy.
      delta.frame(0, 1, from.page(p), 0, true, false);
      deltas += delta.frame(0, 2, now, 0, true, false).length;
    }
  }
  return {
    memoryBytes,
    cacheSlots: encoding.xbzrleCache > 0 ? PageCache.slotsFor(encoding.xbzrleCache, memory.pageCount) : 0,
    model: {
      dataPages,
      wholeBytes: changed > 0 ? changedWhole / changed : PAGE_FRAME_BYTES,
      deltaBytes: delta ? (changed > 0 ? deltas / changed : PAGE_FRAME_BYTES) : null,
      cpuNsPerPage: encoding.compress ? (encoding.compressCostPs * PAGE_SIZE) / 1000 : 0,
      decompressNsPerPage: encoding.compress ? (encoding.decompressCostPs * PAGE_SIZE) / 1000 : 0,
    },
  };
}
