/**
 * Console output of several machines on one terminal: each complete line gets the machine's
 * name in front (`[solo] hello`); with a single machine (label null) the bytes pass through
 * untouched. Output is written a line at a time; `flush()` writes what is left.
 */
export class LabelledLines {
  private readonly pending: number[] = [];

  constructor(
    private readonly label: string | null,
    private readonly write: (chunk: string | Uint8Array) => void,
  ) {}

  /** The console sink for one machine. */
  readonly sink = (byte: number): void => {
    this.pending.push(byte);
    if (byte === 10) this.emit();
  };

  /** Writes a last line that has no newline (labelled: ends it with one). */
  flush(): void {
    if (this.pending.length === 0) return;
    if (this.label !== null) this.pending.push(10);
    this.emit();
  }

  private emit(): void {
    const bytes = Uint8Array.from(this.pending);
    this.pending.length = 0;
    this.write(this.label === null ? bytes : `[${this.label}] ${Buffer.from(bytes).toString("utf8")}`);
  }
}
