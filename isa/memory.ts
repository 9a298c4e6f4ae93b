/**
 * Guest-physical memory: one byte array with word, half and byte views, a dirty bit per page
 * that stores set and live migration reads and clears, and an optional "missing" bit per page
 * for post-copy migration (a touch of a missing page stops the CPU until it arrives).
 *
 * The views share one buffer and assume a little-endian host (checked below).
 *
 * Code is data: a CPU's block compiler (isa/cpu/jit) marks the pages it translated in `code`,
 * and in `codeWords` the words of those pages it translated. Every host-side write (write,
 * markDirty, fillPage) and every guest store that takes the MMU's slow path to such a page
 * and touches one of those words drops the page's marks and bumps its `codeGen`, which makes
 * the compiled blocks of the page stale before the next fetch from it. Writes to the page's
 * other words (a kernel's variables beside its code, a device's DMA into a buffer there)
 * leave its code alone.
 */
import { MAX_MEMORY, PAGE_SHIFT, PAGE_SIZE } from "./arch.js";
import { UserError } from "./errors.js";

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error("toyvmm needs a little-endian host");
}

const ZERO_PAGE = Buffer.alloc(PAGE_SIZE);

export class Memory {
  readonly size: number;
  readonly pageCount: number;
  readonly bytes: Uint8Array;
  readonly sbytes: Int8Array;
  readonly halves: Int16Array;
  readonly uhalves: Uint16Array;
  readonly words: Int32Array;
  /** 1 where a page was written since the bit was last cleared. */
  readonly dirty: Uint8Array;
  /** 1 where a page has not arrived yet (post-copy destination); all 0 otherwise. */
  readonly missing: Uint8Array;
  /** How many pages are missing; 0 means the CPU need not look at `missing`. */
  missingCount = 0;
  /** 1 where a compiled block was made from the page's current contents. */
  readonly code: Uint8Array;
  /** Per page: bumped each time its `code` mark is dropped (compiled blocks remember it). */
  readonly codeGen: Int32Array;
  /** Per page with a `code` mark: a bit per word compiled from it (made when first marked). */
  private readonly codeWords: (Uint32Array | undefined)[] = [];
  /** `bytes` as a Buffer (the same memory), for native compares. */
  private readonly view: Buffer;

  /**
   * `buffer`: memory of `size` bytes to reuse (a VM that has left), cleared here unless `clear`
   * is false — then its bytes stay as they were, and the caller fills or clears every page
   * before anything reads it (a migration's destination, which writes nearly every page anyway:
   * protocol/destination.ts). Absent: fresh memory, all zeros.
   */
  constructor(size: number, buffer?: ArrayBuffer, clear = true) {
    if (!Number.isInteger(size) || size < PAGE_SIZE || size > MAX_MEMORY || size % PAGE_SIZE !== 0) {
      throw new UserError(
        `memory size ${size} must be a multiple of ${PAGE_SIZE} between ${PAGE_SIZE} and ${MAX_MEMORY}`,
      );
    }
    this.size = size;
    this.pageCount = size >>> PAGE_SHIFT;
    if (buffer && buffer.byteLength !== size) throw new RangeError(`a buffer of ${buffer.byteLength} bytes is not a memory of ${size}`);
    const memory = buffer ?? new ArrayBuffer(size);
    this.bytes = new Uint8Array(memory);
    if (buffer && clear) this.bytes.fill(0);
    this.sbytes = new Int8Array(memory);
    this.halves = new Int16Array(memory);
    this.uhalves = new Uint16Array(memory);
    this.words = new Int32Array(memory);
    this.dirty = new Uint8Array(this.pageCount);
    this.missing = new Uint8Array(this.pageCount);
    this.code = new Uint8Array(this.pageCount);
    this.codeGen = new Int32Array(this.pageCount);
    this.view = Buffer.from(memory);
  }

  /**
   * Whether every byte of the page is 0: its first and last words, which hold data in most pages
   * that have any (a native call cost more than that), then one native compare, several times a
   * word loop's speed.
   */
  isZeroPage(index: number): boolean {
    const start = index << PAGE_SHIFT;
    const word = start >>> 2;
    if (this.words[word] !== 0 || this.words[word + (PAGE_SIZE >>> 2) - 1] !== 0) return false;
    return this.view.compare(ZERO_PAGE, 0, PAGE_SIZE, start, start + PAGE_SIZE) === 0;
  }

  /** Words `start` up to `end` (word indices in the page) of `page` are compiled: marks them. */
  markCode(page: number, start: number, end: number): void {
    this.code[page] = 1;
    const bits = (this.codeWords[page] ??= new Uint32Array(PAGE_SIZE >>> 7));
    for (let i = start; i < end; i++) bits[i >>> 5]! |= 1 << (i & 31);
  }

  /** Whether any compiled word of the page lies in its bytes `from` to `to` (inclusive). */
  private holdsCode(page: number, from: number, to: number): boolean {
    if (this.code[page] === 0) return false;
    const bits = this.codeWords[page];
    if (bits === undefined) return true;
    for (let i = from >>> 2; i <= to >>> 2; i++) if ((bits[i >>> 5]! & (1 << (i & 31))) !== 0) return true;
    return false;
  }

  /** The page's contents change: compiled blocks made from it are stale. */
  dropCode(page: number): void {
    if (this.code[page] === 0) return;
    this.code[page] = 0;
    this.codeWords[page]?.fill(0);
    this.codeGen[page] = (this.codeGen[page]! + 1) | 0;
  }

  /**
   * `length` bytes at physical `address` (within one page) change: drops the page's code when
   * they overlap a compiled word, and says whether they did.
   */
  storeDropsCode(address: number, length: number): boolean {
    const page = address >>> PAGE_SHIFT;
    const offset = address & (PAGE_SIZE - 1);
    if (!this.holdsCode(page, offset, offset + length - 1)) return false;
    this.dropCode(page);
    return true;
  }

  /** Copies bytes in from the host side (loader, devices), marking the pages dirty. */
  write(address: number, data: Uint8Array): void {
    if (address < 0 || address + data.length > this.size) {
      throw new RangeError(`write of ${data.length} bytes at 0x${address.toString(16)} is outside memory`);
    }
    this.bytes.set(data, address);
    this.markDirty(address, data.length);
  }

  /** A copy of `length` bytes at `address`. */
  read(address: number, length: number): Uint8Array {
    if (address < 0 || length < 0 || address + length > this.size) {
      throw new RangeError(`read of ${length} bytes at 0x${address.toString(16)} is outside memory`);
    }
    return this.bytes.slice(address, address + length);
  }

  markDirty(address: number, length: number): void {
    if (length <= 0) return;
    const last = (address + length - 1) >>> PAGE_SHIFT;
    const end = address + length - 1;
    for (let p = address >>> PAGE_SHIFT; p <= last; p++) {
      this.dirty[p] = 1;
      if (this.code[p] === 0) continue;
      const from = p === address >>> PAGE_SHIFT ? address & (PAGE_SIZE - 1) : 0;
      const to = p === last ? end & (PAGE_SIZE - 1) : PAGE_SIZE - 1;
      if (this.holdsCode(p, from, to)) this.dropCode(p);
    }
  }

  /** The page's bytes, as a view (no copy). */
  page(index: number): Uint8Array {
    return this.bytes.subarray(index << PAGE_SHIFT, (index + 1) << PAGE_SHIFT);
  }

  /** Page numbers written since the last call, in ascending order; clears their dirty bits. */
  takeDirty(): number[] {
    const pages: number[] = [];
    const dirty = this.dirty;
    for (let p = 0; p < this.pageCount; p++) {
      if (dirty[p]) {
        pages.push(p);
        dirty[p] = 0;
      }
    }
    return pages;
  }

  dirtyCount(): number {
    let n = 0;
    for (let p = 0; p < this.pageCount; p++) n += this.dirty[p]!;
    return n;
  }

  /**
   * Marks every page missing (a post-copy destination before any page arrived). Only before a
   * CPU runs on this memory: a TLB filled earlier would still reach the pages without a check.
   */
  markAllMissing(): void {
    this.missing.fill(1);
    this.missingCount = this.pageCount;
  }

  /** Installs an arrived page's contents and clears its missing bit. */
  fillPage(index: number, data: Uint8Array | null): void {
    // Straight into `bytes` at the page's offset: a view of the page per call cost as much as the copy.
    if (!(index >= 0 && index < this.pageCount)) throw new RangeError(`page ${index} is outside memory`);
    if (data && data.length > PAGE_SIZE) throw new RangeError(`${data.length} bytes do not fit in a page`);
    const start = index << PAGE_SHIFT;
    this.dropCode(index);
    if (data) this.bytes.set(data, start);
    // A page that is zero already is left unwritten: a fresh destination's memory stays untouched.
    else if (!this.isZeroPage(index)) this.bytes.fill(0, start, start + PAGE_SIZE);
    if (this.missing[index]) {
      this.missing[index] = 0;
      this.missingCount--;
    }
  }

  /**
   * Installs arrived pages from `first`, their contents one after another in `data`: fillPage
   * for each, in one copy, or none when `data` is those pages of this memory (read into place).
   */
  fillPages(first: number, data: Uint8Array): void {
    const count = data.length >>> PAGE_SHIFT;
    if (count === 0 || data.length !== count << PAGE_SHIFT) throw new RangeError(`${data.length} bytes are not a whole number of pages`);
    if (!(first >= 0 && first <= this.pageCount - count)) throw new RangeError(`pages ${first}..${first + count - 1} are outside memory`);
    const bytes = this.bytes;
    if (data.buffer !== bytes.buffer || data.byteOffset !== bytes.byteOffset + (first << PAGE_SHIFT)) bytes.set(data, first << PAGE_SHIFT);
    for (let p = first; p < first + count; p++) {
      this.dropCode(p);
      if (this.missing[p]) {
        this.missing[p] = 0;
        this.missingCount--;
      }
    }
  }
}
