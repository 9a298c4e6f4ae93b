/**
 * Console output of several machines on one terminal: each line gets the machine's name in
 * front (`[solo] hello`); with a single machine (label null) the bytes pass through untouched.
 *
 * Bounded by construction: a guest that never writes a newline cannot make the host hold more
 * than LINE_LIMIT bytes for it. Unlabelled, the bytes are written as they fill a chunk (or at
 * a newline), so the output is byte for byte the guest's. Labelled, a line longer than the
 * limit is written in labelled pieces of LINE_LIMIT bytes, each ended with a newline, and
 * `splitLines` counts the cuts.
 */
export const LINE_LIMIT = 4096;

export class LabelledLines {
  private readonly pending = new Uint8Array(LINE_LIMIT);
  private length = 0;
  /** Lines cut because they were longer than LINE_LIMIT. */
  splitLines = 0;

  constructor(
    private readonly label: string | null,
    private readonly write: (chunk: string | Uint8Array) => void,
  ) {}

  /** The console sink for one machine. */
  readonly sink = (byte: number): void => {
    this.pending[this.length++] = byte;
    if (byte === 10) this.emit(false);
    else if (this.length === LINE_LIMIT) {
      if (this.label !== null) this.splitLines++;
      this.emit(this.label !== null);
    }
  };

  /** Writes a last line that has no newline (labelled: ends it with one). */
  flush(): void {
    if (this.length > 0) this.emit(this.label !== null);
  }

  private emit(endLine: boolean): void {
    const bytes = this.pending.slice(0, this.length);
    this.length = 0;
    if (this.label === null) this.write(bytes);
    else this.write(`[${this.label}] ${Buffer.from(bytes).toString("utf8")}${endLine ? "\n" : ""}`);
  }
}
