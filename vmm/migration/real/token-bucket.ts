/**
 * A token bucket for a bandwidth limit: `rate` bytes per second, bursts of up to `burst`
 * bytes. A frame may go when the bucket is not in debt, and takes its bytes even if that puts
 * the bucket in debt, so frames larger than the burst still pass at the average rate.
 */
import { NS_PER_SECOND } from "../clock.js";

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    now: number,
  ) {
    if (!(rate > 0) || !(burst > 0)) throw new RangeError("a token bucket needs a positive rate and burst");
    this.tokens = burst;
    this.last = now;
  }

  /** Nanoseconds until a frame may go (0: now). */
  waitNs(now: number): number {
    this.refill(now);
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * NS_PER_SECOND) / this.rate);
  }

  /** A frame of `bytes` went. */
  take(bytes: number, now: number): void {
    this.refill(now);
    this.tokens -= bytes;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / NS_PER_SECOND);
    this.last = now;
  }
}
