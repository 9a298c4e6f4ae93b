/**
 * The block compiler's cache for one CPU: blocks keyed by physical address, compiled from the
 * guest's words with `new Function` once their start has been reached often enough, and
 * dropped when their page's contents change (Memory.code / codeGen; the MMU sends stores to
 * such pages through its slow path). Compilation policy changes speed only, never results.
 * The functions themselves hold no machine state (they read it from their `cpu` argument), so
 * every CPU in the process shares one function per distinct block source.
 *
 * Bounded: a guest can write code without end, so what the caches keep is measured in
 * characters of block source (a "no block starts here" mark counts MARK_CHARS). A CPU that
 * would pass CPU_CODE_MAX forgets all its blocks and compiles afresh as they get hot again;
 * the shared cache starts over at SHARED_CODE_MAX.
 */
import { PAGE_SHIFT, PAGE_SIZE } from "../../arch.js";
import type { Memory } from "../../memory.js";
import { mulh } from "../arith.js";
import type { Mmu } from "../mmu.js";
import type { Block } from "./block.js";
import { blockSource, CLOSURE, discover } from "./codegen.js";

/** Entries into a block start before it is compiled. */
export const HOT_THRESHOLD = 24;
const HOT_MASK = (1 << 12) - 1;
const HOT_MAX = 0xffff;
const PAGE_WORDS = PAGE_SIZE >>> 2;
/** Source characters one CPU's blocks may hold: about a thousand blocks of a few instructions. */
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

function shared(source: string): Block {
  let block = sharedBlocks.get(source);
  if (block === undefined) {
    if (sharedChars + source.length > SHARED_CODE_MAX) {
      sharedBlocks.clear();
      sharedChars = 0;
    }
    const factory = new Function(...CLOSURE, `return function block(cpu, regs, pc0, n, k) {\n${source}\n};`);
    block = factory(...CLOSURE.map((name) => CLOSURE_VALUES[name])) as Block;
    sharedBlocks.set(source, block);
    sharedChars += source.length;
  }
  return block;
}

/** Source characters in the shared cache (for tests). */
export function sharedCodeChars(): number {
  return sharedChars;
}

interface PageBlocks {
  /** Memory.codeGen of the page when these blocks were made. */
  readonly gen: number;
  /** By word in the page: the block, null where none can start (interpreter only). */
  readonly blocks: (Block | null | undefined)[];
  /** What the blocks weigh against CPU_CODE_MAX. */
  chars: number;
}

/** Whether new CPUs compile blocks: on unless the environment says TOYVMM_JIT=0. */
export function jitByDefault(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.TOYVMM_JIT !== "0";
}

export class Jit {
  private readonly pages: (PageBlocks | undefined)[] = [];
  /** Entry counts of not-yet-compiled block starts, hashed by physical word. */
  private readonly heat = new Uint16Array(HOT_MASK + 1);
  private readonly threshold: number;
  /** Blocks compiled so far (for tests and the benchmark). */
  compiled = 0;
  /** What this CPU's pages of blocks weigh, at most CPU_CODE_MAX. */
  heldChars = 0;

  constructor(
    private readonly memory: Memory,
    private readonly mmu: Mmu,
    threshold = HOT_THRESHOLD,
  ) {
    this.threshold = Math.max(1, Math.min(HOT_MAX, Math.floor(threshold) || 1));
  }

  /** The block starting at physical address `pa` (word aligned), or null: interpret it. */
  find(pa: number): Block | null {
    const ppn = pa >>> PAGE_SHIFT;
    const index = (pa >>> 2) & (PAGE_WORDS - 1);
    const page = this.pages[ppn];
    if (page !== undefined && page.gen === this.memory.codeGen[ppn]) {
      const block = page.blocks[index];
      if (block !== undefined) return block;
    }
    const h = (pa >>> 2) & HOT_MASK;
    const heat = this.heat[h]! + 1;
    if (heat < this.threshold) {
      this.heat[h] = heat;
      return null;
    }
    this.heat[h] = 0;
    return this.compile(ppn, index);
  }

  private compile(ppn: number, index: number): Block | null {
    const memory = this.memory;
    const steps = discover(memory.words, ppn << (PAGE_SHIFT - 2), index);
    const source = steps.length > 0 ? blockSource(steps, ppn, index) : null;
    const chars = source === null ? MARK_CHARS : source.length;
    if (this.heldChars + chars > CPU_CODE_MAX) {
      // Forgotten pages keep their Memory.code marks: their next store just drops them.
      this.pages.length = 0;
      this.heldChars = 0;
    }
    let page = this.pages[ppn];
    if (page === undefined || page.gen !== memory.codeGen[ppn]) {
      if (page !== undefined) this.heldChars -= page.chars;
      page = { gen: memory.codeGen[ppn]!, blocks: [], chars: 0 };
      this.pages[ppn] = page;
      // From now on stores to the page take the MMU's slow path, which drops its code.
      memory.code[ppn] = 1;
      this.mmu.forgetWrites(ppn);
    }
    const block = source === null ? null : shared(source);
    if (block !== null) this.compiled++;
    page.blocks[index] = block;
    page.chars += chars;
    this.heldChars += chars;
    return block;
  }
}
