/**
 * Cuts a TCP byte stream back into the transmissions the sender made: the prologue (when the
 * connection opens with one), then one frame each, found by the length in its header. The
 * length is checked as soon as the header is in, so a peer cannot make the reader wait for (or
 * buffer) more than `maxPayload` bytes; what a frame contains is the decoder's business.
 *
 * A frame that lies inside one chunk is handed on as a view of it (no copy); one that spans
 * chunks is copied together once — with `reuse`, into one buffer of the reader's, which the next
 * such frame overwrites: a fresh 256 KiB for each run of pages (stream/pages-frame.ts), which
 * spans the socket's 64 KiB reads, cost the destination a page fault per 4 KiB of it and the
 * garbage collector as much again. The views are plain Uint8Arrays: a Buffer's `subarray`
 * builds a Buffer, which cost about as much as decoding the page frame in it.
 *
 * Chunks may be lent (a socket's one read buffer, read-buffer.ts): then `keep()` follows each
 * one's transmissions and copies what is left into the reader's store, where a frame that
 * arrives in pieces is put together as they come, and handed on from there: copied once, as a
 * frame gathered from chunks of its own is.
 */
import { streamError } from "../stream/codec.js";
import { FRAME_HEADER_SIZE, PROLOGUE_SIZE } from "../stream/frames.js";

export class FrameReader {
  private parts: Uint8Array[] = [];
  /** Bytes of parts[0] already handed on. */
  private head = 0;
  private buffered = 0;
  private wantPrologue: boolean;
  /**
   * Whether a frame that spans chunks may be gathered into the reader's one buffer: only for a
   * consumer that is done with each transmission before it asks for the next (a Lane's handlers).
   */
  reuse = false;
  private gathered = new Uint8Array(0);
  /** Bytes kept from lent chunks (`keep`); while `inStore`, parts[0] is a view of its start. */
  private store = new Uint8Array(0);
  private inStore = false;

  constructor(
    prologue: boolean,
    /** Largest payload accepted; more is an error at once. */
    public maxPayload: number,
    /** Names the connection in messages. */
    private readonly label: string,
  ) {
    this.wantPrologue = prologue;
  }

  /** Bytes pushed and not yet handed on. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.parts.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * Copies what is buffered and not yet handed on into the reader's store, once the chunks
   * pushed since the last call are about to change (they were lent). Only for a consumer done
   * with each transmission before it asks for the next: the store is overwritten.
   */
  keep(): void {
    if (this.buffered === 0) return;
    // Room for the whole frame when its header is in, so that its later pieces go straight after.
    const ahead = this.buffered >= FRAME_HEADER_SIZE && !this.wantPrologue ? FRAME_HEADER_SIZE + Math.min(this.lengthAhead(), this.maxPayload) : 0;
    const need = Math.max(this.buffered, ahead);
    let kept = 0;
    if (this.inStore) {
      const first = this.parts[0]!;
      kept = first.length - this.head;
      if (this.head > 0) this.store.copyWithin(0, this.head, first.length);
    }
    if (this.store.length < need) {
      const grown = new Uint8Array(need);
      grown.set(this.store.subarray(0, kept));
      this.store = grown;
    }
    let at = kept;
    for (let i = this.inStore ? 1 : 0; i < this.parts.length; i++) {
      const part = this.parts[i]!;
      const from = i === 0 ? this.head : 0;
      this.store.set(from === 0 ? part : part.subarray(from), at);
      at += part.length - from;
    }
    this.parts = [this.store.subarray(0, at)];
    this.head = 0;
    this.inStore = true;
  }

  /** The next whole transmission, or null until more bytes come. Throws a UserError for a length past the limit. */
  next(): Uint8Array | null {
    if (this.wantPrologue) {
      if (this.buffered < PROLOGUE_SIZE) return null;
      this.wantPrologue = false;
      return this.take(PROLOGUE_SIZE);
    }
    if (this.buffered < FRAME_HEADER_SIZE) return null;
    const length = this.lengthAhead();
    if (length > this.maxPayload) throw streamError(`${this.label}: a frame of ${length} bytes, more than the ${this.maxPayload} allowed here`);
    const size = FRAME_HEADER_SIZE + length;
    return this.buffered < size ? null : this.take(size);
  }

  /**
   * Copies the first `into.length` bytes of the frame ahead into `into` when they are in and
   * the whole frame is not, so that every byte buffered is that frame's; says whether it did.
   * For a consumer that reads the rest of the frame to a place of its own (`handOver`).
   */
  headAhead(into: Uint8Array): boolean {
    if (this.wantPrologue || this.buffered < Math.max(into.length, FRAME_HEADER_SIZE)) return false;
    if (this.buffered >= FRAME_HEADER_SIZE + this.lengthAhead()) return false;
    for (let i = 0; i < into.length; i++) into[i] = this.peek(i);
    return true;
  }

  /**
   * Gives up the frame ahead to a consumer that reads its rest itself: drops its first `skip`
   * bytes (the head it took with `headAhead`), copies the others buffered into `into` (the
   * start of the rest) and returns their count; the reader then holds nothing.
   */
  handOver(skip: number, into: Uint8Array): number {
    let copied = 0;
    let from = this.head + skip;
    for (const part of this.parts) {
      if (from < part.length) {
        into.set(new Uint8Array(part.buffer, part.byteOffset + from, part.length - from), copied);
        copied += part.length - from;
        from = 0;
      } else from -= part.length;
    }
    this.parts = [];
    this.head = 0;
    this.buffered = 0;
    this.inStore = false;
    return copied;
  }

  /** The payload length in the header of the frame ahead (its header is in). */
  private lengthAhead(): number {
    const first = this.parts[0]!;
    const at = this.head + 2;
    // Straight from the first chunk when it holds it (nearly always), else byte by byte across chunks.
    return at + 4 <= first.length
      ? (first[at]! | (first[at + 1]! << 8) | (first[at + 2]! << 16) | (first[at + 3]! << 24)) >>> 0
      : (this.peek(2) | (this.peek(3) << 8) | (this.peek(4) << 16) | (this.peek(5) << 24)) >>> 0;
  }

  private peek(offset: number): number {
    let at = this.head + offset;
    for (const part of this.parts) {
      if (at < part.length) return part[at]!;
      at -= part.length;
    }
    return 0;
  }

  private take(size: number): Uint8Array {
    const first = this.parts[0]!;
    this.buffered -= size;
    if (first.length - this.head >= size) {
      const view = new Uint8Array(first.buffer, first.byteOffset + this.head, size);
      this.advance(size);
      return view;
    }
    if (this.inStore && this.head + size <= this.store.length) return this.completeInStore(size);
    const out = this.reuse ? this.gatherBuffer(size) : new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const part = this.parts[0]!;
      const n = Math.min(part.length - this.head, size - filled);
      out.set(new Uint8Array(part.buffer, part.byteOffset + this.head, n), filled);
      filled += n;
      this.advance(n);
    }
    return out;
  }

  /** The frame begun in the store, its rest appended there from the chunks after it. */
  private completeInStore(size: number): Uint8Array {
    const start = this.head;
    let end = this.parts[0]!.length;
    this.parts.shift();
    this.head = 0;
    this.inStore = false;
    while (end - start < size) {
      const part = this.parts[0]!;
      const n = Math.min(part.length - this.head, size - (end - start));
      this.store.set(new Uint8Array(part.buffer, part.byteOffset + this.head, n), end);
      end += n;
      this.advance(n);
    }
    return new Uint8Array(this.store.buffer, start, size);
  }

  /** `size` bytes of the reader's buffer, grown to the largest frame gathered so far (at most a frame the limit allows). */
  private gatherBuffer(size: number): Uint8Array {
    if (this.gathered.length < size) this.gathered = new Uint8Array(size);
    return new Uint8Array(this.gathered.buffer, 0, size);
  }

  private advance(n: number): void {
    this.head += n;
    if (this.head === this.parts[0]!.length) {
      this.parts.shift();
      this.head = 0;
      this.inStore = false;
    }
  }
}
