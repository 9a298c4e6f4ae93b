/**
 * Splits a byte stream into lines of at most `max` bytes (the newline not counted; a CR before
 * it dropped). A line that grows past the bound is refused as soon as it does, without holding
 * more of it: the reader is then over and takes nothing more.
 */
export class LineReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Set once a line was too long. */
  overflowed = false;
  private readonly decoder = new TextDecoder();

  constructor(readonly max: number) {}

  /** The whole lines `chunk` completes; stops (and sets `overflowed`) at a line too long. */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    if (this.overflowed) return lines;
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (;;) {
      const newline = bytes.indexOf(10);
      const part = newline < 0 ? bytes : bytes.subarray(0, newline);
      if (this.pendingBytes + part.length > this.max) {
        this.overflowed = true;
        this.pending = [];
        return lines;
      }
      if (newline < 0) {
        if (part.length > 0) {
          // Copied: the caller may reuse its buffer.
          this.pending.push(Buffer.from(part));
          this.pendingBytes += part.length;
        }
        return lines;
      }
      const line = this.pending.length ? Buffer.concat([...this.pending, part]) : part;
      this.pending = [];
      this.pendingBytes = 0;
      const end = line.length > 0 && line[line.length - 1] === 13 ? line.length - 1 : line.length;
      lines.push(this.decoder.decode(line.subarray(0, end)));
      bytes = bytes.subarray(newline + 1);
    }
  }
}
