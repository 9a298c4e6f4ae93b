/**
 * The analytic pre-copy model (Clark et al., "Live Migration of Virtual Machines", 2005):
 * memory M bytes, a guest dirtying D bytes per second, a link of B bytes per second. Round 0
 * sends M in M/B; while a round of V bytes is on the wire the guest dirties D·V/B, so round i
 * sends about M·(D/B)^i — capped by the writable working set W, since a page dirtied twice is
 * sent once. Rounds continue until the remainder fits the downtime target, the round limit is
 * reached, or a round fails to shrink; then stop-and-copy sends the rest and the state.
 *
 * Convergence control enters through the dirty rate (`dirtiedDuring`): auto-converge's throttle
 * p takes p% of the guest's instructions away, so it dirties D·(100 − p)/100; the dirty limit L
 * caps the rate of distinct pages at L. The throttle steps as the engine steps it — the same
 * `Convergence` (protocol/converge.ts) is told what each modelled round measured — and while it
 * can still rise, a round that does not shrink does not end pre-copy. The same `Convergence`,
 * with policy auto, says after which round `--postcopy-policy auto` would turn into post-copy.
 */
import { Convergence, type AutoConverge } from "./protocol/converge.js";

export interface PreCopyModelInput {
  /** Bytes round 0 puts on the wire (all pages, zero pages as markers). */
  memoryBytes: number;
  /** Bytes one dirty page costs on the wire. */
  pageBytes: number;
  /** Pages dirtied per second. */
  dirtyPagesPerSecond: number;
  /** Distinct pages the guest writes (the writable working set). */
  workingSetPages: number;
  bandwidth: number;
  latencyNs: number;
  stateBytes: number;
  downtimeTargetNs: number;
  maxRounds: number;
  /** Auto-converge's schedule (AUTO_CONVERGE_DEFAULTS: 20%, then 10% more, up to 99%); absent: off. */
  autoConverge?: AutoConverge | null;
  /** Most distinct pages dirtied per second (the dirty limit); absent or 0: none. */
  dirtyLimit?: number;
}

export interface PreCopyModel {
  /** Bytes per round, the last being the stop-and-copy round (pages only). */
  roundBytes: number[];
  /** Auto-converge's throttle (percent) during each live round; empty when it is off. */
  throttles: number[];
  rounds: number;
  totalBytes: number;
  downtimeNs: number;
  totalNs: number;
  /** When `--postcopy-policy auto` would turn into post-copy (after `rounds` live rounds, and why), or null: it would not. */
  postcopySwitch: { rounds: number; atNs: number; reason: string } | null;
}

export function preCopyModel(m: PreCopyModelInput): PreCopyModel {
  const ns = (bytes: number) => (bytes * 1e9) / m.bandwidth;
  const control = new ModelConvergence(m);
  const roundBytes = [m.memoryBytes];
  let elapsed = ns(m.memoryBytes);
  for (;;) {
    const last = roundBytes[roundBytes.length - 1]!;
    const dirtied = dirtiedDuring(m, ns(last), control.throttle);
    const next = Math.round(dirtied) * m.pageBytes;
    const downtime = ns(next + m.stateBytes) + m.latencyNs;
    const throttling = control.afterRound(roundBytes.length - 1, ns(last), dirtied, elapsed);
    const shrinking = roundBytes.length === 1 || next < last || throttling;
    const stop = downtime <= m.downtimeTargetNs || roundBytes.length >= m.maxRounds || !shrinking;
    roundBytes.push(next);
    elapsed += ns(next);
    if (stop) {
      const totalBytes = roundBytes.reduce((a, b) => a + b, 0) + m.stateBytes;
      return { roundBytes, throttles: control.throttles, rounds: roundBytes.length, totalBytes, downtimeNs: downtime, totalNs: elapsed + ns(m.stateBytes) + m.latencyNs, postcopySwitch: control.switch };
    }
  }
}

/**
 * Whether the number of rounds hangs on a few pages — at the edge of the target, or when D is
 * close to B and each of many rounds shrinks little — so that the downtime may jump by a
 * factor D/B: `by` (10%) more or less D changes the rounds (of `model`: plain pre-copy's, or
 * `encodedPreCopyModel` bound to its encoding).
 */
export function sensitiveToDirtyRate(m: PreCopyModelInput, rounds = preCopyModel(m).rounds, by = 0.1, model: (m: PreCopyModelInput) => PreCopyModel = preCopyModel): boolean {
  return [1 - by, 1 + by].some((f) => model({ ...m, dirtyPagesPerSecond: m.dirtyPagesPerSecond * f }).rounds !== rounds);
}

/**
 * Pages the guest dirties while a round of `roundNs` is on the wire: at D less the throttle,
 * at most the dirty limit, and at most the working set (a page dirtied twice is sent once).
 */
export function dirtiedDuring(m: PreCopyModelInput, roundNs: number, throttlePercent: number): number {
  const rate = Math.min((m.dirtyPagesPerSecond * (100 - throttlePercent)) / 100, m.dirtyLimit ? m.dirtyLimit : Infinity);
  return Math.min(m.workingSetPages, (rate * roundNs) / 1e9);
}

/** The engine's convergence control told what each modelled round measured. */
class ModelConvergence {
  readonly throttles: number[] = [];
  switch: PreCopyModel["postcopySwitch"] = null;
  private readonly control: Convergence;

  constructor(private readonly m: PreCopyModelInput) {
    this.control = new Convergence({ autoConverge: m.autoConverge ?? null, postcopy: "auto", postcopyAfterRounds: 1 });
  }

  get throttle(): number {
    return this.control.throttle;
  }

  /** A live round of `roundNs` ended with `dirtied` pages dirty, `elapsedNs` in; true while auto-converge can still slow the guest. */
  afterRound(round: number, roundNs: number, dirtied: number, elapsedNs: number): boolean {
    const m = this.m;
    if (m.autoConverge) this.throttles.push(this.control.throttle);
    const decision = this.control.afterRound({
      round,
      dirtyPagesPerSecond: roundNs > 0 ? Math.round((dirtied * 1e9) / roundNs) : 0,
      bandwidth: m.bandwidth,
      remainingPages: Math.round(dirtied),
      stateBytes: m.stateBytes,
      latencyNs: m.latencyNs,
      downtimeTargetNs: m.downtimeTargetNs,
      maxRounds: m.maxRounds,
    });
    if (decision.postcopy !== null && this.switch === null) this.switch = { rounds: round + 1, atNs: elapsedNs, reason: decision.postcopy };
    return this.control.canSlowFurther;
  }
}

/** Stop-and-copy: everything while the guest is stopped. */
export function stopCopyModel(memoryBytes: number, stateBytes: number, bandwidth: number, latencyNs: number): { downtimeNs: number; totalNs: number } {
  const t = ((memoryBytes + stateBytes) * 1e9) / bandwidth + latencyNs;
  return { downtimeNs: t, totalNs: t };
}

/**
 * How pages travel in the encoded model (`encodedPreCopyModel`): bytes per page on the wire as
 * measured, the source's time per page compressed and the destination's per page decompressed.
 */
export interface PageEncodingModel {
  /** Pages that hold data in round 0 (each charged `cpuNsPerPage`). */
  dataPages: number;
  /** Bytes a page takes when it goes whole: a page frame, or compressed. */
  wholeBytes: number;
  /** Bytes a resent page the XBZRLE cache holds takes as a delta; null without XBZRLE. */
  deltaBytes: number | null;
  /** Source ns per page sent whole (compression's cost; 0 without compression). */
  cpuNsPerPage: number;
  /** Destination ns per page that arrives whole (decompression's cost; absent or 0 without compression). */
  decompressNsPerPage?: number;
}

/**
 * The destination's decompression: it takes one page at a time, so it finishes a round's `pages`
 * whole pages (sent until `sentBy`) after the rounds before and at least one page after the last
 * arrives (times on the source's clock, the latency left out).
 */
function decompressedBy(doneBefore: number, sentBy: number, pages: number, e: PageEncodingModel): number {
  const d = e.decompressNsPerPage ?? 0;
  return pages > 0 && d > 0 ? Math.max(doneBefore + pages * d, sentBy + d) : doneBefore;
}

/** Stop-and-copy with compression: round 0's bytes and compression at the source, then decompression behind it. */
export function encodedStopCopyModel(memoryBytes: number, stateBytes: number, bandwidth: number, latencyNs: number, e: PageEncodingModel): { downtimeNs: number; totalNs: number } {
  const sent = (memoryBytes * 1e9) / bandwidth + e.dataPages * e.cpuNsPerPage;
  const t = Math.max(sent + (stateBytes * 1e9) / bandwidth, decompressedBy(0, sent, e.dataPages, e)) + latencyNs;
  return { downtimeNs: t, totalNs: t };
}

/**
 * Pre-copy with XBZRLE and compression: the rounds of `preCopyModel`, each page costing its
 * encoded bytes at the bandwidth plus the source's time to compress it (a page sent whole; a
 * delta costs no compression) and the destination's time to decompress it (which delays the
 * switch-over when the destination is behind), and the rounds stopping by the engine's own
 * estimate (the round just ended's bytes a page, at its bytes a second), since with compression
 * the wire is not what limits a round. `m.pageBytes` is unused.
 *
 * XBZRLE's cache warms up (`xbzrleHits`): round 0 does not touch it, and a resent page is a hit
 * only once an earlier resend put it there. The guest is taken to sweep its working set in
 * order, as memwriter does: round i+1 resends the pages written during round i, the stretch of
 * the sweep that follows round i's, so the cache holds the last U pages of the sweep and a
 * round of n pages finds U + n − W of them there. The cache is taken to have a slot for every
 * page of the working set; the pages compress alike.
 */
export function encodedPreCopyModel(m: PreCopyModelInput, e: PageEncodingModel): PreCopyModel {
  const wireNs = (bytes: number) => (bytes * 1e9) / m.bandwidth;
  const roundBytes = [m.memoryBytes];
  let roundNs = wireNs(m.memoryBytes) + e.dataPages * e.cpuNsPerPage;
  let roundPages = e.dataPages;
  let perPageNow = m.memoryBytes / Math.max(1, e.dataPages);
  let cached = 0;
  let elapsed = roundNs;
  let decompressed = decompressedBy(0, elapsed, e.dataPages, e);
  for (;;) {
    const pages = Math.round(Math.min(m.workingSetPages, (m.dirtyPagesPerSecond * roundNs) / 1e9));
    // The engine decides as it measured the round just ended: its bytes a page, at its bytes a second.
    const estimate = ((pages * perPageNow + m.stateBytes) * roundNs) / roundBytes[roundBytes.length - 1]! + m.latencyNs;
    const stop = estimate <= m.downtimeTargetNs || roundBytes.length >= m.maxRounds || (roundBytes.length > 1 && pages >= roundPages);
    const hits = e.deltaBytes === null ? 0 : xbzrleHits(cached, pages, m.workingSetPages);
    const whole = pages - hits;
    const next = whole * e.wholeBytes + hits * (e.deltaBytes ?? 0);
    const nextNs = wireNs(next) + whole * e.cpuNsPerPage;
    cached = Math.min(m.workingSetPages, cached + whole);
    roundBytes.push(next);
    const stoppedAt = elapsed;
    elapsed += nextNs;
    decompressed = decompressedBy(decompressed, elapsed, whole, e);
    roundNs = nextNs;
    roundPages = pages;
    perPageNow = pages > 0 ? next / pages : e.wholeBytes;
    if (stop) {
      const totalBytes = roundBytes.reduce((a, b) => a + b, 0) + m.stateBytes;
      // The state frame is taken once it is sent and every page before it is decompressed.
      const end = Math.max(elapsed + wireNs(m.stateBytes), decompressed) + m.latencyNs;
      return { roundBytes, throttles: [], rounds: roundBytes.length, totalBytes, downtimeNs: end - stoppedAt, totalNs: end, postcopySwitch: null };
    }
  }
}

/**
 * Of `pages` resent pages, those XBZRLE's cache holds, when it holds the `cached` pages of the
 * sweep just before them in a working set of `workingSet` (the sweep wraps around onto them).
 */
export function xbzrleHits(cached: number, pages: number, workingSet: number): number {
  return Math.max(0, Math.min(pages, cached + pages - workingSet));
}

/**
 * Whether XBZRLE's warm-up hangs on a few pages: `by` (8%) more or less working set changes the
 * encoded model's rounds. Whether the cache holds a round's pages yet turns on whether the
 * resends so far covered the working set, and the engine's first resend is smaller than D times
 * round 0 by as many pages as the writer wrote ahead of the sender (its phase, which the model
 * does not know): up to 8 of memwriter's 128 (encoded-model.test.ts), so the margin is 8%.
 */
export function sensitiveToWarmUp(m: PreCopyModelInput, e: PageEncodingModel, rounds = encodedPreCopyModel(m, e).rounds, by = 0.08): boolean {
  if (e.deltaBytes === null) return false;
  return [1 - by, 1 + by].some((f) => encodedPreCopyModel({ ...m, workingSetPages: Math.round(m.workingSetPages * f) }, e).rounds !== rounds);
}
