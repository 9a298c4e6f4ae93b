/**
 * A VM's console output as a host keeps it: the most recent CONSOLE_RING_SIZE bytes in a ring,
 * addressed by absolute offsets (byte n is the n-th the guest wrote on this host). Older bytes
 * are dropped and counted, so a guest that floods its console costs the host a fixed amount of
 * memory, and a reader asking for bytes that are gone is told how many it missed.
 *
 *   0            start = end - kept                           end
 *   |--dropped---|-------------- kept (≤ size) ---------------|
 */
export const CONSOLE_RING_SIZE = 64 * 1024;

export interface ConsoleSlice {
  bytes: Uint8Array;
  /** Where `bytes` starts (later than asked when the bytes before were dropped). */
  offset: number;
  /** Bytes between the asked offset and `offset` that are gone. */
  dropped: number;
}

export class ConsoleRing {
  private readonly ring: Uint8Array;
  /** Bytes written in all. */
  end = 0;

  constructor(readonly size = CONSOLE_RING_SIZE) {
    this.ring = new Uint8Array(size);
  }

  /** Bytes written before the oldest one kept. */
  get start(): number {
    return Math.max(0, this.end - this.size);
  }

  readonly writeByte = (byte: number): void => {
    this.ring[this.end % this.size] = byte;
    this.end++;
  };

  readonly write = (bytes: Uint8Array): void => {
    // Only the last `size` bytes of a long write can be kept.
    const kept = bytes.length > this.size ? bytes.subarray(bytes.length - this.size) : bytes;
    this.end += bytes.length - kept.length;
    for (const byte of kept) this.writeByte(byte);
  };

  /** Up to `max` bytes from `offset` (clamped to what is kept), copied out. */
  read(offset: number, max: number): ConsoleSlice {
    const from = Math.min(Math.max(offset, this.start), this.end);
    const to = Math.min(this.end, from + max);
    const bytes = new Uint8Array(to - from);
    for (let i = from; i < to; i++) bytes[i - from] = this.ring[i % this.size]!;
    return { bytes, offset: from, dropped: from - Math.min(offset, this.end) };
  }
}

/**
 * How many of `bytes` form whole UTF-8 characters when the last few may be the start of one
 * still being written: a cut character waits for the next read rather than turning into U+FFFD.
 */
export function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const byte = bytes[n - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? n - back : n;
  }
  return n;
}
