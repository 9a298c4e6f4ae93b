/**
 * XBZRLE's cache of the pages as they were last sent (QEMU's migration/page_cache.c): a
 * power-of-two number of page slots, page p living only in slot p mod slots, each slot
 * tagged with its page and the round it was last sent in. A page put in a slot that holds
 * another page put there in one of the last two rounds is refused (QEMU's
 * CACHED_PAGE_LIFETIME; here a round is last sent), so two hot pages that share a slot do not evict each other every
 * round. The whole cache is one buffer allocated once: a slot is a 4 KiB window of it.
 */
import { PAGE_SIZE } from "../../isa/arch.js";

/** Rounds a cached page keeps its slot against another page. */
const LIFETIME = 2;
const EMPTY = -1;

const pow2floor = (n: number): number => 2 ** Math.floor(Math.log2(n));

export class PageCache {
  readonly slots: number;
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
  private readonly tags: Int32Array;
  private readonly ages: Int32Array;

  /** `cacheBytes` (at least a page) rounded down to a power of two of pages, and to no more than memory needs. */
  constructor(cacheBytes: number, pageCount: number) {
    this.slots = PageCache.slotsFor(cacheBytes, pageCount);
    this.bytes = new Uint8Array(this.slots * PAGE_SIZE);
    this.words = new Int32Array(this.bytes.buffer);
    this.tags = new Int32Array(this.slots).fill(EMPTY);
    this.ages = new Int32Array(this.slots);
  }

  /** The slots a cache of `cacheBytes` has for a memory of `pageCount` pages. */
  static slotsFor(cacheBytes: number, pageCount: number): number {
    return Math.min(pow2floor(cacheBytes / PAGE_SIZE), 2 ** Math.ceil(Math.log2(Math.max(1, pageCount))));
  }

  /** Bytes the cache holds. */
  get size(): number {
    return this.slots * PAGE_SIZE;
  }

  /** Byte offset in `bytes` of the page's copy, or -1 when it is not cached. */
  find(page: number): number {
    const slot = page & (this.slots - 1);
    return this.tags[slot] === page ? slot * PAGE_SIZE : -1;
  }

  /** Keeps `data` as the page's copy, unless its slot holds another page still fresh; returns whether it did. */
  insert(page: number, data: Uint8Array, round: number): boolean {
    const slot = page & (this.slots - 1);
    const tag = this.tags[slot]!;
    if (tag !== EMPTY && tag !== page && this.ages[slot]! + LIFETIME > round) return false;
    this.tags[slot] = page;
    this.ages[slot] = round;
    this.bytes.set(data, slot * PAGE_SIZE);
    return true;
  }

  /** The page now holds `data` (sent plain or as zeros): its copy, if cached, follows. */
  update(at: number, data: Uint8Array | null, round: number): void {
    this.ages[at / PAGE_SIZE] = round;
    if (data) this.bytes.set(data, at);
    else this.bytes.fill(0, at, at + PAGE_SIZE);
  }
}
