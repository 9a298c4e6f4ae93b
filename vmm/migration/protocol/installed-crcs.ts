/**
 * The destination's CRC of each page as installed, for the memory check at the completion
 * (stream/page-crc.ts folds them into the CRC of all memory). A run of pages read into place
 * has one CRC for the whole run, taken in one native call: per page it cost twice as much, and
 * it is the destination's own work on the stream's path. Such a run keeps its CRC at its last
 * page and 0 at the others, which the fold turns into the same value as the pages' own CRCs
 * (as the source keeps its gathered runs, pages-frame.ts). When a page of such a run is
 * installed again, the run's other pages get their own CRCs back first, from memory, which
 * holds them as they were installed.
 */
import { PAGE_SHIFT, PAGE_SIZE } from "../../../isa/arch.js";
import { crc32 } from "../../../isa/crc32.js";
import type { Memory } from "../../../isa/memory.js";
import { memoryCrcOf, zeroPageCrcs } from "../stream/page-crc.js";

export class InstalledCrcs {
  private readonly crcs: Uint32Array;
  /** Per page of a run kept as one CRC: its last page + 1; 0 for a page with a CRC of its own. */
  private readonly runEnd: Int32Array;

  constructor(private readonly memory: Memory) {
    this.crcs = zeroPageCrcs(memory.pageCount);
    this.runEnd = new Int32Array(memory.pageCount);
  }

  /** Page `page` was installed, its CRC `crc`. */
  page(page: number, crc: number): void {
    this.separate(page, page);
    this.crcs[page] = crc;
  }

  /** Pages from `first` were installed, their CRCs `crcs`. */
  pages(first: number, crcs: Uint32Array): void {
    const last = first + crcs.length - 1;
    this.separate(first, last);
    this.crcs.set(crcs, first);
  }

  /** `count` pages from `first` were installed, the CRC of all of them `crc`. */
  run(first: number, count: number, crc: number): void {
    const last = first + count - 1;
    this.separate(first, last);
    this.crcs.fill(0, first, last);
    this.crcs[last] = crc;
    this.runEnd.fill(last + 1, first, last + 1);
  }

  /** The CRC of all memory as installed. */
  memoryCrc(): number {
    return memoryCrcOf(this.crcs);
  }

  /** Pages `first..last` are about to get new CRCs: no run kept as one CRC reaches past them. */
  private separate(first: number, last: number): void {
    this.split(first, first, last);
    this.split(last, first, last);
    this.runEnd.fill(0, first, last + 1);
  }

  /** The run holding `page`, if any, as pages with CRCs of their own outside `first..last`. */
  private split(page: number, first: number, last: number): void {
    const end = this.runEnd[page]!;
    if (end === 0) return;
    let start = page;
    while (start > 0 && this.runEnd[start - 1] === end) start--;
    const bytes = this.memory.bytes;
    for (let p = start; p < end; p++) {
      this.runEnd[p] = 0;
      if (p < first || p > last) this.crcs[p] = crc32(bytes.subarray(p << PAGE_SHIFT, (p << PAGE_SHIFT) + PAGE_SIZE));
    }
  }
}
