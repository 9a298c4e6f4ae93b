/**
 * What the encoded pre-copy model (model.ts, `encodedPreCopyModel`) needs to know of a guest's
 * pages, measured by the page encoder itself (protocol/page-encoder.ts), so that the model's
 * bytes are the frames the sender would make:
 *
 *   round 0         every page as it would go now: zero runs as markers, pages that hold data
 *                   compressed (or plain when that is not smaller, or without compression)
 *   a page whole    the pages a probe saw change, as they are after it: compressed or plain
 *   a delta         the same pages as XBZRLE deltas of the copy before the probe
 *
 * `before` is the guest's memory at the migration point, `after` a copy that ran on (a probe).
 */
import { PAGE_SIZE } from "../../isa/arch.js";
import type { Memory } from "../../isa/memory.js";
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

/** The sample for `encoding`; `costs`: the source's time per byte compressed, the destination's per byte decompressed. */
export function sampleEncoding(before: Memory, after: Memory, encoding: PageEncoding, costs: { compressCostPs: number; decompressCostPs: number }): EncodingSample {
  const whole = new PageEncoder({ xbzrleCache: 0, compress: encoding.compress }, 1);
  // Only a frame's length is wanted: the CRC it carries is not.
  const wholeBytes = (data: Uint8Array) => whole.frame(0, 0, data, 0, false, false).length;
  let memoryBytes = 0;
  let dataPages = 0;
  let previousZero = false;
  for (let p = 0; p < before.pageCount; p++) {
    const zero = isZeroPage(before, p);
    if (!zero) {
      memoryBytes += wholeBytes(before.page(p));
      dataPages++;
    } else if (!previousZero) memoryBytes += ZERO_FRAME_BYTES;
    previousZero = zero;
  }

  let changed = 0;
  let changedWhole = 0;
  let deltas = 0;
  const delta = encoding.xbzrleCache > 0 ? new PageEncoder({ xbzrleCache: PAGE_SIZE, compress: false }, 1) : null;
  for (let p = 0; p < before.pageCount; p++) {
    const now = after.page(p);
    if (isZeroPage(after, p) || Buffer.compare(before.page(p), now) === 0) continue;
    changed++;
    changedWhole += wholeBytes(now);
    if (delta) {
      // Sent once (a miss caches it), then again: a hit, encoded against the copy.
      delta.frame(0, 1, before.page(p), 0, true, false);
      deltas += delta.frame(0, 2, now, 0, true, false).length;
    }
  }
  return {
    memoryBytes,
    cacheSlots: encoding.xbzrleCache > 0 ? PageCache.slotsFor(encoding.xbzrleCache, before.pageCount) : 0,
    model: {
      dataPages,
      wholeBytes: changed > 0 ? changedWhole / changed : PAGE_FRAME_BYTES,
      deltaBytes: delta ? (changed > 0 ? deltas / changed : PAGE_FRAME_BYTES) : null,
      cpuNsPerPage: encoding.compress ? (costs.compressCostPs * PAGE_SIZE) / 1000 : 0,
      decompressNsPerPage: encoding.compress ? (costs.decompressCostPs * PAGE_SIZE) / 1000 : 0,
    },
  };
}
