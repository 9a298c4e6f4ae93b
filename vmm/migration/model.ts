/**
 * The analytic pre-copy model (Clark et al., "Live Migration of Virtual Machines", 2005):
 * memory M bytes, a guest dirtying D bytes per second, a link of B bytes per second. Round 0
 * sends M in M/B; while a round of V bytes is on the wire the guest dirties D·V/B, so round i
 * sends about M·(D/B)^i — capped by the writable working set W, since a page dirtied twice is
 * sent once. Rounds continue until the remainder fits the downtime target, the round limit is
 * reached, or a round fails to shrink; then stop-and-copy sends the rest and the state.
 */
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
}

export interface PreCopyModel {
  /** Bytes per round, the last being the stop-and-copy round (pages only). */
  roundBytes: number[];
  rounds: number;
  totalBytes: number;
  downtimeNs: number;
  totalNs: number;
}

export function preCopyModel(m: PreCopyModelInput): PreCopyModel {
  const ns = (bytes: number) => (bytes * 1e9) / m.bandwidth;
  const roundBytes = [m.memoryBytes];
  let elapsed = ns(m.memoryBytes);
  for (;;) {
    const last = roundBytes[roundBytes.length - 1]!;
    const dirtied = Math.min(m.workingSetPages, (m.dirtyPagesPerSecond * ns(last)) / 1e9);
    const next = Math.round(dirtied) * m.pageBytes;
    const downtime = ns(next + m.stateBytes) + m.latencyNs;
    const stop = downtime <= m.downtimeTargetNs || roundBytes.length >= m.maxRounds || (roundBytes.length > 1 && next >= last);
    roundBytes.push(next);
    elapsed += ns(next);
    if (stop) {
      const totalBytes = roundBytes.reduce((a, b) => a + b, 0) + m.stateBytes;
      return { roundBytes, rounds: roundBytes.length, totalBytes, downtimeNs: downtime, totalNs: elapsed + ns(m.stateBytes) + m.latencyNs };
    }
  }
}

/** Stop-and-copy: everything while the guest is stopped. */
export function stopCopyModel(memoryBytes: number, stateBytes: number, bandwidth: number, latencyNs: number): { downtimeNs: number; totalNs: number } {
  const t = ((memoryBytes + stateBytes) * 1e9) / bandwidth + latencyNs;
  return { downtimeNs: t, totalNs: t };
}

/**
 * How pages travel in the encoded model (`encodedPreCopyModel`): bytes per page on the wire as
 * measured ratios, and the source's time per page compressed.
 */
export interface PageEncodingModel {
  /** Pages that hold data in round 0 (each charged `cpuNsPerPage`). */
  dataPages: number;
  /** Bytes a resent page takes the first time it is resent: a page frame, or compressed. */
  firstResendBytes: number;
  /** Bytes a page takes when resent again: XBZRLE's delta when the cache holds it, else `firstResendBytes`. */
  laterResendBytes: number;
  /** Source ns per page sent whole (compression's cost; 0 without compression). */
  cpuNsPerPage: number;
}

/**
 * Pre-copy with XBZRLE and compression: the rounds of `preCopyModel`, each page costing its
 * encoded bytes at the bandwidth plus the source's time to compress it. It applies where the
 * guest rewrites the same working set each round (so round 1 resends it whole and every later
 * round resends pages already resent: the cache holds them when it has a slot for each) and
 * where the pages compress alike; `m.pageBytes` is unused.
 */
export function encodedPreCopyModel(m: PreCopyModelInput, e: PageEncodingModel): PreCopyModel {
  const wireNs = (bytes: number) => (bytes * 1e9) / m.bandwidth;
  const roundBytes = [m.memoryBytes];
  let roundNs = wireNs(m.memoryBytes) + e.dataPages * e.cpuNsPerPage;
  let perPageNow = m.memoryBytes / Math.max(1, e.dataPages);
  let elapsed = roundNs;
  for (;;) {
    const pages = Math.round(Math.min(m.workingSetPages, (m.dirtyPagesPerSecond * roundNs) / 1e9));
    // The engine decides as it measured the round just ended: its bytes a page, at its bytes a second.
    const estimate = ((pages * perPageNow + m.stateBytes) * roundNs) / roundBytes[roundBytes.length - 1]! + m.latencyNs;
    const perPage = roundBytes.length === 1 ? e.firstResendBytes : e.laterResendBytes;
    const cpu = roundBytes.length > 1 && e.laterResendBytes !== e.firstResendBytes ? 0 : e.cpuNsPerPage;
    const next = pages * perPage;
    const nextNs = wireNs(next) + pages * cpu;
    const last = roundBytes[roundBytes.length - 1]!;
    const stop = estimate <= m.downtimeTargetNs || roundBytes.length >= m.maxRounds || (roundBytes.length > 1 && next >= last);
    roundBytes.push(next);
    elapsed += nextNs;
    roundNs = nextNs;
    perPageNow = perPage;
    if (stop) {
      const totalBytes = roundBytes.reduce((a, b) => a + b, 0) + m.stateBytes;
      const downtimeNs = nextNs + wireNs(m.stateBytes) + m.latencyNs;
      return { roundBytes, rounds: roundBytes.length, totalBytes, downtimeNs, totalNs: elapsed + wireNs(m.stateBytes) + m.latencyNs };
    }
  }
}
