/**
 * Bandwidth as the wire carried it, in windows of about 100 ms (QEMU measures its migration
 * stream so, for the switch-over decision): bytes the kernel took from the socket over the
 * window's length. A window in which nothing moved says nothing and is skipped.
 */
import { NS_PER_SECOND } from "../clock.js";

export const WINDOW_NS = 100_000_000;

export class WireMeter {
  private windowStart: number;
  private bytesAtStart = 0;

  constructor(now: number) {
    this.windowStart = now;
  }

  /** With the socket's total bytes written so far: the window's bytes per second once it is over, else null. */
  sample(now: number, bytesWritten: number): number | null {
    const elapsed = now - this.windowStart;
    if (elapsed < WINDOW_NS) return null;
    const moved = bytesWritten - this.bytesAtStart;
    this.windowStart = now;
    this.bytesAtStart = bytesWritten;
    return moved > 0 ? (moved * NS_PER_SECOND) / elapsed : null;
  }
}
