/**
 * Snapshots of one guest's past, for reverse execution: a full copy of memory at the start,
 * then every `interval` ticks the guest's state (its `save()`) and only the pages written since
 * the snapshot before (the memory's dirty bits, which nothing else reads while a debugger owns
 * the guest). Going back to tick T restores the last snapshot at or before T and replays the
 * rest: a guest is deterministic, so the replay is the past.
 *
 * Bounded: when the snapshots hold more than `maxBytes`, every other one is merged into the
 * next (its pages the next lacks move there) and the interval doubles, so a run of any length
 * keeps at most about `maxBytes` while going back stays proportional to the interval.
 */
import { PAGE_SIZE } from "../../isa/arch.js";
import type { Target } from "./target.js";

export const DEFAULT_INTERVAL = 10_000;
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

interface Snapshot {
  tick: number;
  state: unknown;
  /** Page number → its bytes at `tick`: every page for the first snapshot, else those written since the one before. */
  pages: Map<number, Uint8Array>;
  /** What it holds: its pages and the size of its state as JSON. */
  bytes: number;
}

export interface TimelineStats {
  snapshots: number;
  interval: number;
  bytes: number;
  /** Bytes per snapshot after the first (which holds all of memory). */
  bytesPerSnapshot: number;
  pagesPerSnapshot: number;
  firstTick: number;
  lastTick: number;
}

export class Timeline {
  private readonly snapshots: Snapshot[] = [];
  private total = 0;

  constructor(
    private readonly target: Target,
    public interval = DEFAULT_INTERVAL,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {
    const memory = target.memory;
    const pages = new Map<number, Uint8Array>();
    for (let p = 0; p < memory.pageCount; p++) pages.set(p, memory.page(p).slice());
    memory.dirty.fill(0);
    this.add({ tick: target.ticks, state: target.save(), pages, bytes: 0 });
  }

  /** The first tick the past reaches back to. */
  get start(): number {
    return this.snapshots[0]!.tick;
  }

  /** Takes a snapshot when the guest is `interval` ticks past the last one (call between ticks). */
  maybeSnapshot(): void {
    if (this.target.ticks >= this.snapshots[this.snapshots.length - 1]!.tick + this.interval) this.take();
  }

  /**
   * A snapshot now, whatever the interval. `untracked`: the dirty bits cannot be trusted since
   * the last snapshot (a migration reads and clears them for its rounds), so every page is
   * compared with its bytes there instead, and those that differ are kept.
   */
  snapshotNow(untracked = false): void {
    const last = this.snapshots[this.snapshots.length - 1]!;
    if (last.tick === this.target.ticks && !untracked) return;
    if (last.tick === this.target.ticks && this.snapshots.length > 1) this.total -= this.snapshots.pop()!.bytes;
    this.take(untracked);
  }

  private take(untracked = false): void {
    const memory = this.target.memory;
    const pages = new Map<number, Uint8Array>();
    const dirty = memory.dirty;
    const last = this.snapshots.length - 1;
    for (let p = 0; p < memory.pageCount; p++) {
      if (untracked ? !sameBytes(memory.page(p), this.pageAt(p, last)) : dirty[p]) pages.set(p, memory.page(p).slice());
    }
    dirty.fill(0);
    this.add({ tick: this.target.ticks, state: this.target.save(), pages, bytes: 0 });
    if (this.total > this.maxBytes) this.thin();
  }

  /**
   * Snapshots every `interval` ticks from the one at or before `tick` up to the next, by
   * replaying between them: for a stretch the guest ran without them (a migration). Leaves the
   * guest at the last one it took.
   */
  fillGap(tick: number): void {
    let k = this.indexAtOrBefore(tick);
    const end = this.snapshots[k + 1]?.tick ?? Infinity;
    this.goto(this.snapshots[k]!.tick);
    const memory = this.target.memory;
    while (this.target.ticks + this.interval < end && !this.target.outcome()) {
      const before = this.target.ticks;
      this.target.runFast(this.interval);
      if (this.target.ticks === before) break;
      // The dirty bits hold what was written since snapshot k: goto cleared them there.
      const pages = new Map<number, Uint8Array>();
      for (let p = 0; p < memory.pageCount; p++) if (memory.dirty[p]) pages.set(p, memory.page(p).slice());
      memory.dirty.fill(0);
      this.add({ tick: this.target.ticks, state: this.target.save(), pages, bytes: 0 }, ++k);
    }
    if (this.total > this.maxBytes) this.thin();
  }

  private add(snapshot: Snapshot, at = this.snapshots.length): void {
    snapshot.bytes = snapshot.pages.size * PAGE_SIZE + JSON.stringify(snapshot.state).length;
    this.snapshots.splice(at, 0, snapshot);
    this.total += snapshot.bytes;
  }

  /** Merges every other snapshot (never the first or the last) into the next one; doubles the interval. */
  private thin(): void {
    const kept: Snapshot[] = [this.snapshots[0]!];
    for (let i = 1; i < this.snapshots.length; i++) {
      const s = this.snapshots[i]!;
      const next = this.snapshots[i + 1];
      if (i % 2 === 1 && next) {
        // Pages s holds that next lacks were not written in between: their bytes at s are theirs at next.
        for (const [p, bytes] of s.pages) if (!next.pages.has(p)) next.pages.set(p, bytes);
        continue;
      }
      kept.push(s);
    }
    this.snapshots.length = 0;
    this.total = 0;
    for (const s of kept) this.add(s);
    this.interval *= 2;
  }

  /** Puts the guest at `tick`, any tick from `start` on that it reached before (or, replaying on, beyond). */
  goto(tick: number): void {
    const k = this.indexAtOrBefore(tick);
    const memory = this.target.memory;
    // Pages written after snapshot k: those of the later snapshots and those dirty since the last.
    const touched = new Set<number>();
    for (let i = k + 1; i < this.snapshots.length; i++) for (const p of this.snapshots[i]!.pages.keys()) touched.add(p);
    for (let p = 0; p < memory.pageCount; p++) if (memory.dirty[p]) touched.add(p);
    for (const p of touched) memory.fillPage(p, this.pageAt(p, k));
    memory.dirty.fill(0);
    const snapshot = this.snapshots[k]!;
    this.target.restore(snapshot.state);
    this.target.runFast(tick - snapshot.tick);
  }

  /** Tick of the last snapshot at or before `tick` (where a replay towards it starts). */
  snapshotTick(tick: number): number {
    return this.snapshots[this.indexAtOrBefore(tick)]!.tick;
  }

  private indexAtOrBefore(tick: number): number {
    let lo = 0;
    let hi = this.snapshots.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.snapshots[mid]!.tick <= tick) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Page `p`'s bytes at snapshot k: from the latest snapshot at or before k that holds it. */
  private pageAt(p: number, k: number): Uint8Array {
    for (let i = k; i >= 0; i--) {
      const bytes = this.snapshots[i]!.pages.get(p);
      if (bytes) return bytes;
    }
    throw new Error(`timeline: page ${p} is in no snapshot`);
  }

  stats(): TimelineStats {
    const later = this.snapshots.slice(1);
    const pages = later.reduce((n, s) => n + s.pages.size, 0);
    const bytes = later.reduce((n, s) => n + s.bytes, 0);
    return {
      snapshots: this.snapshots.length,
      interval: this.interval,
      bytes: this.total,
      bytesPerSnapshot: later.length ? Math.round(bytes / later.length) : 0,
      pagesPerSnapshot: later.length ? pages / later.length : 0,
      firstTick: this.start,
      lastTick: this.snapshots[this.snapshots.length - 1]!.tick,
    };
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}
