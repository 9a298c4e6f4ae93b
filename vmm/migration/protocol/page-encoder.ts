/**
 * How a page that holds data goes on the wire when pages may travel as fewer bytes: as an
 * XBZRLE delta against the copy sent before (QEMU's order: only once the first pass over
 * memory is done, since in that pass every page is new), else compressed, else as a page
 * frame. A compressed page that would not be smaller goes plain (incompressible); either way
 * its bytes count as compressed, the work a driver may charge time for (`takeWork`).
 *
 * XBZRLE keeps, per cached page, exactly what the destination holds of it: a resent page found
 * in the cache (a hit) is encoded against that copy, and the copy becomes the page as sent; a
 * page not found (a miss) goes plain and takes a slot for its next time, unless it is the last
 * round; a hit whose delta would not be smaller than the page (an overflow) goes plain. A page
 * sent as a zero marker clears its cached copy. A hit's page is copied once into a buffer of
 * the encoder's own, whose word view the delta's word-at-a-time compares read.
 */
import { PAGE_SIZE } from "../../../isa/arch.js";
import { PageCache } from "../page-cache.js";
import { PAGE_FRAME_BYTES } from "../pages.js";
import type { CompressionStats, XbzrleStats } from "../stats.js";
import { compressPage } from "../compress.js";
import { encodePageFrame, encodeRunFrame } from "../stream/codec.js";
import { encodeDelta } from "../xbzrle.js";

export interface PageEncoding {
  /** XBZRLE's cache in bytes; 0: no XBZRLE. */
  xbzrleCache: number;
  /** Compress the pages that go whole (LZ4, compress.ts). */
  compress: boolean;
}

/** Bytes an xbzrle or compressed frame takes beyond its payload: header, index, round, length. */
const DELTA_OVERHEAD = PAGE_FRAME_BYTES - PAGE_SIZE + 2;
/** A delta (or compressed page) longer than this would not make the frame smaller than a page frame. */
const DELTA_LIMIT = PAGE_FRAME_BYTES - DELTA_OVERHEAD - 1;
const COMPRESSED_LIMIT = DELTA_LIMIT;

export class PageEncoder {
  readonly xbzrle: XbzrleStats | null;
  readonly compression: CompressionStats | null;
  /** Page bytes compressed since `takeWork` was last asked. */
  private work = 0;
  private readonly cache: PageCache | null;
  private readonly page = new Uint8Array(PAGE_SIZE);
  private readonly pageWords = new Int32Array(this.page.buffer);
  private readonly delta = new Uint8Array(PAGE_SIZE);

  constructor(encoding: PageEncoding, pageCount: number) {
    this.cache = encoding.xbzrleCache > 0 ? new PageCache(encoding.xbzrleCache, pageCount) : null;
    this.xbzrle = this.cache ? { cacheBytes: this.cache.size, hits: 0, misses: 0, overflows: 0, pages: 0, bytes: 0, bytesSaved: 0 } : null;
    this.compression = encoding.compress ? { pages: 0, bytes: 0, bytesSaved: 0, incompressible: 0 } : null;
  }

  /** Page bytes compressed since the last call. */
  takeWork(): number {
    const work = this.work;
    this.work = 0;
    return work;
  }

  /**
   * The frame of page `index`, holding `data` (not all zero) with CRC `pageCrc`, in `round`;
   * `resent` when it went out before, `final` in the round with the guest stopped.
   */
  frame(index: number, round: number, data: Uint8Array, pageCrc: number, resent: boolean, final: boolean): Uint8Array {
    const cache = this.cache;
    if (cache && resent && round > 0) {
      const at = cache.find(index);
      if (at < 0) {
        this.xbzrle!.misses++;
        if (!final) cache.insert(index, data, round);
      } else {
        const frame = this.deltaFrame(cache, at, index, round, data);
        if (frame) return frame;
      }
    }
    return this.compression ? this.compressedFrame(index, round, data, pageCrc) : encodePageFrame(index, round, data, pageCrc);
  }

  /** The page compressed, or plain when that is not smaller. */
  private compressedFrame(index: number, round: number, data: Uint8Array, pageCrc: number): Uint8Array {
    const stats = this.compression!;
    this.work += PAGE_SIZE;
    const packed = compressPage(data);
    if (packed.length > COMPRESSED_LIMIT) {
      stats.incompressible++;
      return encodePageFrame(index, round, data, pageCrc);
    }
    const frame = encodeRunFrame("compressed", index, round, packed, packed.length);
    stats.pages++;
    stats.bytes += frame.length;
    stats.bytesSaved += PAGE_FRAME_BYTES - frame.length;
    return frame;
  }

  /** Page `index` went as a zero marker: a cached copy of it is zeros now. */
  zero(index: number, round: number): void {
    const at = this.cache?.find(index) ?? -1;
    if (at >= 0) this.cache!.update(at, null, round);
  }

  /** A hit: the delta frame, or null on an overflow (the copy is the page as it goes plain, either way). */
  private deltaFrame(cache: PageCache, at: number, index: number, round: number, data: Uint8Array): Uint8Array | null {
    const stats = this.xbzrle!;
    stats.hits++;
    this.page.set(data);
    const length = encodeDelta(cache.bytes, cache.words, at, this.page, this.pageWords, this.delta, DELTA_LIMIT);
    cache.update(at, this.page, round);
    if (length < 0) {
      stats.overflows++;
      return null;
    }
    const frame = encodeRunFrame("xbzrle", index, round, this.delta, length);
    stats.pages++;
    stats.bytes += frame.length;
    stats.bytesSaved += PAGE_FRAME_BYTES - frame.length;
    return frame;
  }
}
