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
