/** The real world's Clock: monotonic wall-clock nanoseconds since the clock was made. */
import type { Clock } from "../clock.js";

export class WallClock implements Clock {
  private readonly origin = process.hrtime.bigint();

  now(): number {
    return Number(process.hrtime.bigint() - this.origin);
  }
}
