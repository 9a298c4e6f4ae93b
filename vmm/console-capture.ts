/**
 * A guest's console output as the host keeps it: passed on live to a listener when one is
 * attached, else kept as text up to a bound. Past the bound the oldest text is dropped and
 * counted, so a guest that floods its console costs the host at most CAPTURE_LIMIT characters.
 */
export const CAPTURE_LIMIT = 1 << 20;

export class ConsoleCapture {
  private kept = "";
  /** Characters dropped at the front because the capture was full. */
  dropped = 0;
  private readonly decoder = new TextDecoder();
  /** Receives the bytes instead of the capture, e.g. a terminal's line writer. */
  private live: ((byte: number) => void) | null = null;
  private readonly one = new Uint8Array(1);

  constructor(private readonly limit = CAPTURE_LIMIT) {}

  readonly writeByte = (byte: number): void => {
    if (this.live) this.live(byte);
    else {
      this.one[0] = byte;
      this.keep(this.one);
    }
  };

  readonly write = (bytes: Uint8Array): void => {
    if (this.live) for (const byte of bytes) this.live(byte);
    else this.keep(bytes);
  };

  private keep(bytes: Uint8Array): void {
    this.kept += this.decoder.decode(bytes, { stream: true });
    // Trim in halves so that a flood costs amortised constant time per character.
    if (this.kept.length > this.limit) {
      const cut = this.kept.length - (this.limit >>> 1);
      this.dropped += cut;
      this.kept = this.kept.slice(cut);
    }
  }

  /** What is kept (the most recent output). */
  get text(): string {
    return this.kept;
  }

  /** Hands what is kept to `listener` and sends everything after it there too. */
  attach(listener: (byte: number) => void): void {
    for (const byte of new TextEncoder().encode(this.kept)) listener(byte);
    this.kept = "";
    this.live = listener;
  }
}
