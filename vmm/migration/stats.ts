/**
 * What a migration reports, in the spirit of QEMU's query-migrate: JSON-able numbers, times in
 * nanoseconds (virtual on the simulated link, wall-clock from the migration's start over TCP),
 * plus progress events whose completed share never goes backwards.
 */
import type { Strategy } from "./stream/frames.js";

export type MigrationStatus = "completed" | "failed" | "paused";

export interface RoundStats {
  round: number;
  /** Pages in the round, full and zero. */
  pages: number;
  zeroPages: number;
  bytes: number;
  startNs: number;
  endNs: number;
  /** Pages of this round that had been sent before. */
  resent: number;
  /** Pages the guest dirtied while this round was on the wire, per virtual second. */
  dirtyPagesPerSecond: number;
  /** With auto-converge: percent of the guest's instructions taken away during the round. */
  throttle?: number;
}

/** Why and when a pre-copy turned into post-copy (policy "after" or "auto", converge.ts). */
export interface PostcopySwitch {
  atNs: number;
  /** Live rounds finished before the switch. */
  rounds: number;
  reason: string;
}

/**
 * XBZRLE at the source (query-migrate's xbzrle-cache): a resent page found in the cache is a
 * hit, sent as a delta unless the delta would not be smaller (an overflow, sent plain).
 */
export interface XbzrleStats {
  /** The cache's size as used (a power of two of pages). */
  cacheBytes: number;
  hits: number;
  misses: number;
  overflows: number;
  /** Pages sent as deltas, and the bytes of their frames. */
  pages: number;
  bytes: number;
  /** Bytes those pages would have taken as page frames, less what their deltas took. */
  bytesSaved: number;
}

/** Compression of the pages that go whole (LZ4). */
export interface CompressionStats {
  /** Pages sent compressed, and the bytes of their frames. */
  pages: number;
  bytes: number;
  /** Bytes those pages would have taken as page frames, less what they took. */
  bytesSaved: number;
  /** Pages that did not compress to less than a page: sent plain. */
  incompressible: number;
}

export interface ProgressEvent {
  atNs: number;
  phase: string;
  /** 0..1, never decreasing. */
  completed: number;
  /** Estimated virtual ns until completion at the measured bandwidth. */
  remainingNs: number;
}

export interface MigrationStats {
  strategy: Strategy;
  status: MigrationStatus;
  error: string | null;
  /** Which host holds the guest: the source until the destination holds it and the source let go. */
  runsOn: "source" | "destination";
  totalNs: number;
  setupNs: number;
  downtimeNs: number;
  /** Pre-copy: downtime the engine expected when it decided to stop. */
  expectedDowntimeNs: number;
  rounds: RoundStats[];
  pagesSent: number;
  pagesResent: number;
  zeroPages: number;
  bytesSent: number;
  returnBytes: number;
  postcopyRequests: number;
  postcopyStallNs: number;
  postcopyFaults: number;
  /** Guest ticks executed on either host between the start and the end of migration. */
  guestTicksDuringMigration: number;
  /** Pages the destination received per page (post-copy: every page exactly once). */
  pagesReceivedMoreThanOnce: number;
  linkCuts: { at: number; restoredAt: number | null }[];
  /** With a dirty limit: virtual ns it held the source's guest (absent otherwise). */
  dirtyLimitHeldNs?: number;
  /** With multifd channels (the real driver, source side): the bytes each carried, and the sync points placed. */
  multifd?: { channels: number; channelBytes: number[]; syncPoints: number };
  /** Set when a post-copy policy switched the migration (absent otherwise). */
  postcopySwitch?: PostcopySwitch;
  /** With XBZRLE (absent otherwise). */
  xbzrle?: XbzrleStats;
  /** With compression (absent otherwise). */
  compression?: CompressionStats;
  /** With compression on the virtual driver: virtual ns the source spent compressing. */
  compressNs?: number;
  /** With compression on the virtual driver: virtual ns the destination spent decompressing. */
  decompressNs?: number;
  progress: ProgressEvent[];
}

export function emptyStats(strategy: Strategy): MigrationStats {
  return {
    strategy,
    status: "failed",
    error: null,
    runsOn: "source",
    totalNs: 0,
    setupNs: 0,
    downtimeNs: 0,
    expectedDowntimeNs: 0,
    rounds: [],
    pagesSent: 0,
    pagesResent: 0,
    zeroPages: 0,
    bytesSent: 0,
    returnBytes: 0,
    postcopyRequests: 0,
    postcopyStallNs: 0,
    postcopyFaults: 0,
    guestTicksDuringMigration: 0,
    pagesReceivedMoreThanOnce: 0,
    linkCuts: [],
    progress: [],
  };
}

/** Records progress so that the completed share never goes backwards; returns the event as recorded. */
export function recordProgress(stats: MigrationStats, event: ProgressEvent): ProgressEvent {
  const last = stats.progress[stats.progress.length - 1];
  const completed = Math.min(1, Math.max(last?.completed ?? 0, event.completed));
  const e = { ...event, completed };
  stats.progress.push(e);
  return e;
}
