/**
 * The compiler's cache for one CPU: one region per physical page (region.ts: the blocks
 * reachable from the page's hot entry points), compiled from the guest's words with
 * `new Function` once an entry has been reached often enough, recompiled with one more entry
 * when a start outside the region gets hot, and dropped when a word it was made from changes
 * (Memory.markCode / codeGen; the MMU sends stores to such pages through its slow path, and
 * stores to the page's other words leave its regions alone).
 * Compilation policy changes speed only, never results. The functions themselves hold no
 * machine state (they read it from their `cpu` argument), so every CPU in the process shares
 * one function per distinct region source.
 *
 * Bounded: a guest can write code without end, so what the caches keep is measured in
 * characters of source (a "nothing compiles here" mark counts MARK_CHARS). A CPU that would
 * pass CPU_CODE_MAX forgets all its regions and compiles afresh as they get hot again; the
 * shared cache starts over at SHARED_CODE_MAX.
 */
import { PAGE_SHIFT } from "../../arch.js";
import type { Memory } from "../../memory.js";
import { mulh } from "../arith.js";
import type { Cpu } from "../cpu.js";
import type { Mmu } from "../mmu.js";
import type { Block } from "./block.js";
import { CLOSURE, regionSource } from "./codegen.js";
import { discoverRegion, PAGE_WORDS, type Region } from "./region.js";
import { train } from "./train.js";

/**
 * Entries into a block start before it is compiled. A region costs about 5 ms to make
 * (codegen, `new Function`, training), which it repays only after some 10^6 instructions
 * run compiled rather than interpreted; code entered a thousand times mostly goes on to that,
 * code entered a few dozen times (a networked boot's kernel paths) mostly does not. A loop
 * or a recursion gets here within microseconds either way. At 24 that boot compiled 63
 * regions in 340 ms and ran 1.5× slower than interpreted; at 1024 it compiles 9.
 */
export const HOT_THRESHOLD = 1024;
const HOT_MASK = (1 << 12) - 1;
const HOT_MAX = 0xffff;
/** Source characters one CPU's regions may hold: a few hundred pages of hot code. */
export const CPU_CODE_MAX = 4 << 20;
/** Source characters the shared cache may hold. */
export const SHARED_CODE_MAX = 8 << 20;
const MARK_CHARS = 16;
const CLOSURE_VALUES: Record<(typeof CLOSURE)[number], unknown> = { mulh };

/**
 * Compiled blocks by source, for every CPU in the process: machines running the same guest
 * code (a monitor's VMs, the benchmark's fresh machines) share one function, which V8 has
 * often optimized already, instead of starting each copy cold.
 */
const sharedBlocks = new Map<string, Block>();
let sharedChars = 0;

function shared(source: string, region: Region, scratch: (size: number) => Cpu): Block {
  let block = sharedBlocks.get(source);
  if (block === undefined) {
    if (sharedChars + source.length > SHARED_CODE_MAX) {
      sharedBlocks.clear();
      sharedChars = 0;
    }
    const factory = new Function(...CLOSURE, source);
    block = factory(...CLOSURE.map((name) => CLOSURE_VALUES[name])) as Block;
    train(block, region.blocks, scratch);
    sharedBlocks.set(source, block);
    sharedChars += source.length;
  }
  return block;
}

/** Source characters in the shared cache (for tests). */
export function sharedCodeChars(): number {
  return sharedChars;
}

interface PageRegions {
  /** Memory.codeGen of the page when these were made. */
  readonly gen: number;
  /** By word: the region to enter there, null where nothing compiles (interpreter only). */
  readonly at: (Block | null | undefined)[];
  /** What the regions weigh against CPU_CODE_MAX. */
  chars: number;
  /**
   * Entries a new start of the page needs: the threshold, doubled for each region the page
   * has already. A page of loops gets its few regions at once; a kernel's page, entered at
   * many places that each run a little (system calls, interrupt paths, returns), stops paying
   * a compile and a training for each (a networked boot compiled ~100 regions on each kernel
   * page, and ran 3× slower compiled than interpreted).
   */
  need: number;
}

/** Whether new CPUs compile blocks: on unless the environment says TOYVMM_JIT=0. */
export function jitByDefault(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.TOYVMM_JIT !== "0";
}

export class Jit {
  private readonly pages: (PageRegions | undefined)[] = [];
  /** Entry counts of not-yet-compiled starts, hashed by physical word. */
  private readonly heat = new Uint16Array(HOT_MASK + 1);
  private readonly threshold: number;
  /** Regions compiled so far (for tests and the benchmark). */
  compiled = 0;
  /** What this CPU's regions weigh, at most CPU_CODE_MAX. */
  heldChars = 0;

  constructor(
    private readonly memory: Memory,
    private readonly mmu: Mmu,
    /** Makes the machine new regions are trained on (train.ts), once per process. */
    private readonly scratch: (size: number) => Cpu,
    threshold = HOT_THRESHOLD,
    /** Whether a page's threshold doubles with each region on it (PageRegions.need). */
    private readonly pageBackoff = true,
  ) {
    this.threshold = Math.max(1, Math.min(HOT_MAX, Math.floor(threshold) || 1));
  }

  /** The region to enter at physical address `pa` (word aligned), or null: interpret it. */
  find(pa: number): Block | null {
    const ppn = pa >>> PAGE_SHIFT;
    const index = (pa >>> 2) & (PAGE_WORDS - 1);
    const page = this.pages[ppn];
    let need = this.threshold;
    if (page !== undefined && page.gen === this.memory.codeGen[ppn]) {
      const region = page.at[index];
      if (region !== undefined) return region;
      need = page.need;
    }
    const h = (pa >>> 2) & HOT_MASK;
    const heat = this.heat[h]! + 1;
    if (heat < need) {
      this.heat[h] = heat;
      return null;
    }
    this.heat[h] = 0;
    return this.compile(ppn, index);
  }

  /** Whether word `i` of page `ppn` has been entered (or hashes like a start that has). */
  private entered(ppn: number, i: number): boolean {
    const page = this.pages[ppn];
    if (page !== undefined && page.gen === this.memory.codeGen[ppn] && page.at[i]) return true;
    return this.heat[((ppn << (PAGE_SHIFT - 2)) | i) & HOT_MASK]! > 0;
  }

  /**
   * Compiles the region reachable from a hot start. Its blocks become entry points where the
   * page has none yet; a start that an earlier region already covers never gets here.
   */
  private compile(ppn: number, index: number): Block | null {
    const memory = this.memory;
    const region = discoverRegion(memory.words, ppn << (PAGE_SHIFT - 2), index, (i) => this.entered(ppn, i));
    const source = region.blocks.length > 0 ? regionSource(region, ppn) : null;
    const chars = source === null ? MARK_CHARS : source.length;
    if (this.heldChars + chars > CPU_CODE_MAX) {
      // Forgotten pages keep their Memory.code marks: a store to a marked word drops them.
      this.pages.length = 0;
      this.heldChars = 0;
    }
    let page = this.pages[ppn];
    if (page === undefined || page.gen !== memory.codeGen[ppn]) {
      if (page !== undefined) this.heldChars -= page.chars;
      page = { gen: memory.codeGen[ppn]!, at: [], chars: 0, need: this.threshold };
      this.pages[ppn] = page;
      // From now on stores to the page take the MMU's slow path, which drops its code when
      // they hit a word it was made from (a null mark's word included: a store may make it code).
      this.mmu.forgetWrites(ppn);
    }
    if (source === null) memory.markCode(ppn, index, index + 1);
    for (const b of region.blocks) memory.markCode(ppn, b.start, b.end);
    page.chars += chars;
    this.heldChars += chars;
    const block = source === null ? null : shared(source, region, this.scratch);
    page.at[index] = block;
    if (block !== null) {
      for (const b of region.blocks) page.at[b.start] ??= block;
      if (this.pageBackoff) page.need = Math.min(HOT_MAX, page.need * 2);
      this.compiled++;
    }
    return block;
  }
}
