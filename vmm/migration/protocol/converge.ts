/**
 * Convergence control for pre-copy, decided at the end of each live round from what that round
 * measured (its dirty rate D, the bandwidth B it had, the pages left):
 *
 *   auto-converge   QEMU's: when the guest dirtied more than `threshold` of what the link moved
 *                   in two rounds, throttle it — take `initial`% of its instructions away, then
 *                   `increment`% more every two such rounds, up to `max`% (20, 10, 99).
 *   post-copy       when to turn into post-copy (Source's start-postcopy):
 *                     never        pre-copy to its end (the default)
 *                     manual       when the driver says (QEMU's migrate-start-postcopy)
 *                     after        after `postcopyAfterRounds` rounds (virsh --postcopy-after-precopy)
 *                     auto         at the first round after which the model says pre-copy cannot
 *                                  reach the downtime target within the rounds left: every later
 *                                  round would resend about D·T of pages and leave as many stale,
 *                                  so the cheapest moment to switch is the first that knows.
 *
 * The dirty limit (QEMU's dirty-limit) caps the guest's dirtying rather than its speed and is
 * the driver's (pacer.ts): it holds the guest whenever it dirtied pages faster than the limit.
 */
import { PAGE_FRAME_BYTES } from "../pages.js";

export const POSTCOPY_POLICIES = ["never", "manual", "after", "auto"] as const;
export type PostcopyPolicy = (typeof POSTCOPY_POLICIES)[number];

export interface AutoConverge {
  /** Percent of the guest's instructions taken away at the first throttle. */
  initial: number;
  increment: number;
  max: number;
  /** Dirtied bytes over moved bytes above which a round counts as too fast. */
  threshold: number;
}

/** QEMU's defaults: cpu-throttle-initial 20, cpu-throttle-increment 10, max 99, throttle-trigger-threshold 50%. */
export const AUTO_CONVERGE_DEFAULTS: AutoConverge = { initial: 20, increment: 10, max: 99, threshold: 0.5 };

export interface ConvergeConfig {
  autoConverge: AutoConverge | null;
  postcopy: PostcopyPolicy;
  /** For "after": live rounds before the switch (1: after round 0). */
  postcopyAfterRounds: number;
}

/** What a round that just ended measured. */
export interface RoundEnd {
  /** The round's number (0 for the first). */
  round: number;
  dirtyPagesPerSecond: number;
  /** Bytes per second the round moved (or the wire measured). */
  bandwidth: number;
  /** Pages dirty now: the next round's. */
  remainingPages: number;
  stateBytes: number;
  latencyNs: number;
  downtimeTargetNs: number;
  maxRounds: number;
}

export type RoundDecision = { throttle: number | null; postcopy: string | null };

/**
 * Why pre-copy will not reach the target (the model's reason), or null when it will: rounds
 * shrink by r = D·frame/B each, so reaching `target` pages takes log(target/remaining)/log(r)
 * more rounds; it never does when r ≥ 1.
 */
export function wontConverge(e: RoundEnd): string | null {
  const dirtyBytesPerSecond = e.dirtyPagesPerSecond * PAGE_FRAME_BYTES;
  const ratio = dirtyBytesPerSecond / e.bandwidth;
  const fitNs = (pages: number) => ((pages * PAGE_FRAME_BYTES + e.stateBytes) * 1e9) / e.bandwidth + e.latencyNs;
  if (fitNs(e.remainingPages) <= e.downtimeTargetNs) return null;
  const mbps = (b: number) => `${(b / 1e6).toFixed(1)} MB/s`;
  if (ratio >= 1) return `after round ${e.round} the guest dirties ${mbps(dirtyBytesPerSecond)}, at least the ${mbps(e.bandwidth)} the link moves: rounds cannot shrink`;
  const targetPages = Math.max(0, ((e.downtimeTargetNs - e.latencyNs) * e.bandwidth) / 1e9 - e.stateBytes) / PAGE_FRAME_BYTES;
  const needed = targetPages < 1 ? Infinity : Math.ceil(Math.log(targetPages / e.remainingPages) / Math.log(ratio));
  const left = e.maxRounds - e.round - 1;
  if (needed <= left) return null;
  return `after round ${e.round} the guest dirties ${mbps(dirtyBytesPerSecond)} of the link's ${mbps(e.bandwidth)}: ` +
    `${needed === Infinity ? "no number of" : needed} more rounds to fit the target, ${left} left`;
}

/** The decisions pre-copy takes at the end of each live round. */
export class Convergence {
  /** Percent of the guest's instructions taken away now. */
  throttle = 0;
  private strikes = 0;

  constructor(readonly config: ConvergeConfig) {}

  /** Whether auto-converge is on and below its maximum: rounds that do not shrink may still, once it bites. */
  get canSlowFurther(): boolean {
    const ac = this.config.autoConverge;
    return ac !== null && this.throttle < ac.max;
  }

  afterRound(e: RoundEnd): RoundDecision {
    return { throttle: this.nextThrottle(e), postcopy: this.switchReason(e) };
  }

  private nextThrottle(e: RoundEnd): number | null {
    const ac = this.config.autoConverge;
    if (!ac) return null;
    if (e.dirtyPagesPerSecond * PAGE_FRAME_BYTES <= ac.threshold * e.bandwidth) return null;
    if (++this.strikes < 2) return null;
    this.strikes = 0;
    const next = this.throttle === 0 ? ac.initial : Math.min(ac.max, this.throttle + ac.increment);
    if (next === this.throttle) return null;
    this.throttle = next;
    return next;
  }

  private switchReason(e: RoundEnd): string | null {
    switch (this.config.postcopy) {
      case "after":
        return e.round + 1 >= this.config.postcopyAfterRounds ? `after ${e.round + 1} round${e.round === 0 ? "" : "s"} (fixed)` : null;
      case "auto":
        return wontConverge(e);
      default:
        return null;
    }
  }
}
