/**
 * Console input a host holds for one guest: at most INPUT_QUEUE_MAX bytes, handed to the
 * guest's console a chunk at a time and only once the guest has read the last chunk, so that a
 * client typing (or piping) faster than the guest reads holds the host to this bound and not to
 * the console's own, much larger, one.
 */
export const INPUT_QUEUE_MAX = 64 * 1024;
/** Bytes handed to the console at once. */
const CHUNK = 4096;

/** What the queue feeds: the guest's console device. */
export interface InputSink {
  hasInput(): boolean;
  feed(bytes: Uint8Array): number;
}

export class InputQueue {
  private queued = new Uint8Array(0);

  /** Bytes waiting here (not yet in the console). */
  get pending(): number {
    return this.queued.length;
  }

  /** Takes as much of `bytes` as fits; returns how many. */
  add(bytes: Uint8Array): number {
    const taken = Math.min(bytes.length, INPUT_QUEUE_MAX - this.queued.length);
    if (taken === 0) return 0;
    const grown = new Uint8Array(this.queued.length + taken);
    grown.set(this.queued);
    grown.set(bytes.subarray(0, taken), this.queued.length);
    this.queued = grown;
    return taken;
  }

  /**
   * Hands everything queued to `console` at once, for a VM that is saved or leaves the host:
   * the console's state travels with the VM, this queue does not. What the console cannot take
   * (past its own bound) stays here.
   */
  drainInto(console: InputSink): void {
    if (this.queued.length === 0) return;
    this.queued = this.queued.slice(console.feed(this.queued));
  }

  /** Hands the next chunk to `console` when it has read everything it was given; true when it did. */
  pump(console: InputSink): boolean {
    if (this.queued.length === 0 || console.hasInput()) return false;
    const chunk = this.queued.subarray(0, CHUNK);
    console.feed(chunk);
    this.queued = this.queued.slice(chunk.length);
    return true;
  }
}
