/**
 * A dirty-rate measurement of a running guest, as QEMU's `calc-dirty-rate` (migration/dirtyrate.c)
 * makes one: watch the guest's memory over a window while it runs, then say how fast it dirtied
 * pages. Two ways, as QEMU's modes:
 *
 *   dirty-bitmap    the MMU's dirty bitmap, drained at the end of every period (a thousand guest
 *                   instructions in the simulated world): the pages dirtied in each period, summed
 *                   over the window, per second — the rate the model's D is — and the distinct
 *                   pages over the whole window, its working set W. It takes the bitmap, so it
 *                   cannot run while the guest migrates (pre-copy takes the bitmap too).
 *   page-sampling   QEMU's default: a CRC-32 of `samplePages` pages, evenly spread, at the start
 *                   and at the end; the share that changed, times all pages, over the window. It
 *                   leaves the bitmap alone, so it can run during a migration; but it sees a page
 *                   once however often it was written, and a write that leaves the bytes as they
 *                   were not at all: it tells distinct pages per window, which is D only while
 *                   the window is shorter than the guest takes to sweep its working set.
 *
 * The meter is without I/O: a driver runs the guest and tells it where the periods end (the
 * simulated one in guest ticks, `measureDirtyRate`; a host on its wall clock).
 */
import { crc32 } from "../../isa/crc32.js";
import type { Memory } from "../../isa/memory.js";
import { drainDirty } from "./pages.js";
import type { MigratableVm } from "./vm-port.js";

export const DIRTY_RATE_MODES = ["dirty-bitmap", "page-sampling"] as const;
export type DirtyRateMode = (typeof DIRTY_RATE_MODES)[number];

/** Guest instructions per period of the dirty-bitmap mode in the simulated world: short enough that a working set is not swept twice within one. */
export const PERIOD_TICKS = 1000;
/** Pages page-sampling hashes (QEMU's sample-pages default is 512 per GiB; a small guest gets as many, or all its pages). */
export const DEFAULT_SAMPLE_PAGES = 512;

export interface DirtyRate {
  mode: DirtyRateMode;
  /** Guest instructions the window took, and its length on the clock that measured it. */
  windowTicks: number;
  windowNs: number;
  /** Pages dirtied per second. */
  dirtyPagesPerSecond: number;
  /** Distinct pages dirtied over the window (page-sampling: estimated from the share of samples). */
  workingSetPages: number;
  /** Pages watched: all of them (dirty-bitmap), or the samples. */
  sampledPages: number;
}

export class DirtyRateMeter {
  private readonly touched: Uint8Array | null = null;
  private readonly samples: Int32Array | null = null;
  private readonly crcs: Uint32Array | null = null;
  /** Dirty-bitmap: pages dirtied per period, summed. */
  private perPeriod = 0;

  constructor(
    private readonly memory: Memory,
    readonly mode: DirtyRateMode,
    samplePages = DEFAULT_SAMPLE_PAGES,
  ) {
    if (mode === "dirty-bitmap") {
      this.touched = new Uint8Array(memory.pageCount);
      drainDirty(memory, () => {}); // from now on a dirty bit means "dirtied in the window"
    } else {
      const count = Math.min(memory.pageCount, Math.max(1, samplePages));
      this.samples = Int32Array.from({ length: count }, (_, i) => Math.floor((i * memory.pageCount) / count));
      this.crcs = Uint32Array.from(this.samples, (page) => crc32(memory.page(page)));
    }
  }

  /** The end of a period (dirty-bitmap: the pages dirtied in it are counted; page-sampling: nothing). */
  period(): void {
    const touched = this.touched;
    if (!touched) return;
    drainDirty(this.memory, (page) => {
      this.perPeriod++;
      touched[page] = 1;
    });
  }

  /** The window ends after `windowTicks` and `windowNs`; `perSecond` turns pages over the window into pages per second. */
  finish(windowTicks: number, windowNs: number, perSecond: (pages: number) => number): DirtyRate {
    this.period();
    const base = { mode: this.mode, windowTicks, windowNs };
    if (this.touched) {
      const workingSetPages = this.touched.reduce((n, t) => n + t, 0);
      return { ...base, dirtyPagesPerSecond: perSecond(this.perPeriod), workingSetPages, sampledPages: this.memory.pageCount };
    }
    const samples = this.samples!;
    let changed = 0;
    for (let i = 0; i < samples.length; i++) if (crc32(this.memory.page(samples[i]!)) !== this.crcs![i]) changed++;
    const workingSetPages = Math.round((changed * this.memory.pageCount) / samples.length);
    return { ...base, dirtyPagesPerSecond: perSecond(workingSetPages), workingSetPages, sampledPages: samples.length };
  }
}

/**
 * Runs `vm` for `windowTicks` guest instructions at `speed` instructions per virtual second
 * and measures its dirty rate meanwhile (fewer ticks when the guest ends or blocks first).
 * Everything is in guest ticks, so the measurement is as repeatable as the run.
 */
export function measureDirtyRate(vm: MigratableVm, windowTicks: number, speed: number, mode: DirtyRateMode = "dirty-bitmap", samplePages?: number): DirtyRate {
  const meter = new DirtyRateMeter(vm.memory, mode, samplePages);
  let ran = 0;
  while (ran < windowTicks) {
    const before = vm.ticks;
    const exit = vm.run(Math.min(PERIOD_TICKS, windowTicks - ran));
    ran += vm.ticks - before;
    meter.period();
    if (exit.reason !== "budget" || vm.ticks === before) break;
  }
  return meter.finish(ran, Math.round((ran * 1e9) / speed), (pages) => (ran > 0 ? Math.round((pages * speed) / ran) : 0));
}
