/**
 * One TCP connection carrying one lane of a migration: transmissions cut out of the byte
 * stream as they arrive, frames written with the socket's backpressure honoured (`writable`
 * turns false when `write()` does, and `onDrain` says when it is true again) and, for the
 * stream's sending side, a token bucket for a bandwidth limit. However the connection ends —
 * reset, closed by the peer, a frame too long, or closed here — `onBroken` is told once, with
 * the reason in words.
 */
import type { Socket } from "node:net";
import { isWholeSlab, PAGE_SLAB_BYTES, recyclePageSlab } from "../stream/codec.js";
import { FrameReader } from "./frame-reader.js";
import { isLending, LENT, PLACED, type LendingSocket } from "./read-buffer.js";
import { PAGES_HEAD_BYTES } from "../stream/pages-frame.js";
import type { TokenBucket } from "./token-bucket.js";

/** Frames gathered before they go to the socket in one write: whole slabs of page frames, at least. */
const PENDING_MAX = Math.max(256 << 10, PAGE_SLAB_BYTES);

export interface LaneHandlers {
  /** One transmission, whose bytes are the handler's only until it returns (the reader reuses its buffer). */
  onTransmission(bytes: Uint8Array): void;
  /** After the transmissions that came in one piece of the byte stream (a receiver acts on them once). */
  onTransmissionsEnd?(): void;
  onDrain(): void;
  onBroken(reason: string): void;
  /**
   * Where the rest of the pages frame whose head is `head` may be read straight to (its pages'
   * place in guest memory), or null to have it as bytes. Asked of a receiver whose socket can
   * read into a place (read-buffer.ts) when a pages frame's head has come and its rest has not.
   */
  place?(head: Uint8Array): Uint8Array | null;
  /** That frame, whole: its head, and its pages where `place` put them. */
  onPlaced?(head: Uint8Array, pages: Uint8Array): void;
  /** Bytes came, before the transmissions they complete if any: a frame still arriving is the peer heard. */
  onBytes?(): void;
}

/** A pages frame being read into place: where its pages go, and how many bytes of them are in. */
interface Placing {
  pages: Uint8Array;
  filled: number;
}

export class Lane {
  readonly reader: FrameReader;
  private blocked = false;
  private broken = false;
  private handlers: LaneHandlers | null = null;
  /** Whole slabs of frames handed to the socket, until it has given every byte to the kernel. */
  private slabsWritten: Uint8Array[] = [];
  /**
   * What was written this turn and not yet handed to the socket: stretches of buffers, one per
   * run of writes that lie side by side in one buffer (page frames cut from one slab).
   */
  private pending: Uint8Array[] = [];
  /** Bytes of the last piece: more than its first write's when the writes after it lay right behind. */
  private lastLength = 0;
  private pendingBytes = 0;
  private flushScheduled = false;
  /** Holding: what arrives waits (and the socket pauses) until `release()`. */
  private held = false;
  /** The head of the frame whose pages are being read into place (`placing`). */
  private readonly placedHead = new Uint8Array(PAGES_HEAD_BYTES);
  private placing: Placing | null = null;
  /** The reads since the last frame read into place are the next frame's head alone. */
  private readingHead = false;

  constructor(
    readonly socket: Socket,
    /** Names the connection in messages: "the stream to 127.0.0.1:4000". */
    readonly label: string,
    reader: FrameReader,
    readonly bucket: TokenBucket | null = null,
  ) {
    this.reader = reader;
    // Each transmission goes to a handler that is done with it before the next is read.
    reader.reuse = true;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    // A socket that reads into one buffer of its own (read-buffer.ts): what is left of each read is copied before the next.
    socket.on(LENT, (chunk: Uint8Array) => {
      this.onData(chunk);
      if (isLending(socket)) this.startPlacing(socket);
      this.reader.keep();
    });
    socket.on(PLACED, (length: number) => this.onPlacedRead(socket as LendingSocket, length));
    socket.on("drain", () => {
      this.blocked = false;
      this.recycleWritten();
      this.handlers?.onDrain();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => this.fail(describeError(error)));
    socket.on("end", () => this.fail("closed by the peer"));
    socket.on("close", () => this.fail("closed"));
  }

  /** Starts delivering to `handlers` (transmissions already buffered first). */
  attach(handlers: LaneHandlers): void {
    this.handlers = handlers;
    this.drainReader();
    if (this.socket.destroyed) this.fail("closed");
    else if (!this.held) this.socket.resume();
  }

  /** Whether the socket takes more now: false from a write the socket's buffer could not take until it drained. */
  get writable(): boolean {
    return !this.blocked && !this.broken;
  }

  /** Bytes the kernel has taken from this socket so far. */
  get bytesWritten(): number {
    return this.socket.bytesWritten;
  }

  /**
   * Writes one transmission, or a part of one (a frame's head, then its pages from guest
   * memory). What is written in one turn of the event loop leaves together, in one gathered
   * write, and writes that lie side by side in one buffer as one piece: a socket write per
   * 4 KiB page cost more than the page's CRC, and a write per piece a system call each.
   */
  write(bytes: Uint8Array): void {
    if (this.broken) return;
    const pending = this.pending;
    const last = pending.length > 0 ? pending[pending.length - 1]! : null;
    if (last && last.buffer === bytes.buffer && last.byteOffset + this.lastLength === bytes.byteOffset) this.lastLength += bytes.length;
    else {
      this.closeLast();
      pending.push(bytes);
      this.lastLength = bytes.length;
    }
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= PENDING_MAX) return this.flush();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  /**
   * Hands what was gathered to the socket now (else it goes at the end of the turn): for frames
   * the peer waits on — the commit, the return path's — which would otherwise wait for all the
   * turn does after writing them. Nothing but this lane holds a frame once it is written (the
   * driver keeps none), so a whole slab of page frames goes back for reuse once the kernel has it.
   */
  flush(): void {
    const pending = this.pending;
    if (pending.length === 0 || this.broken) return;
    this.closeLast();
    this.pending = [];
    this.pendingBytes = 0;
    let taken = true;
    // Corked, the pieces go to the kernel in one writev of them all (no copy).
    if (pending.length > 1) this.socket.cork();
    for (const bytes of pending) {
      if (isWholeSlab(bytes)) this.slabsWritten.push(bytes);
      taken = this.socket.write(bytes);
    }
    if (pending.length > 1) this.socket.uncork();
    if (!taken) this.blocked = true;
    // Most writes on loopback go to the kernel at once, and the pump goes on cutting frames.
    if (this.socket.writableLength === 0) this.recycleWritten();
  }

  /** The last piece as long as the writes it gathered. */
  private closeLast(): void {
    const pending = this.pending;
    const last = pending[pending.length - 1];
    if (last && last.length !== this.lastLength) pending[pending.length - 1] = new Uint8Array(last.buffer, last.byteOffset, this.lastLength);
  }

  /**
   * Once the socket holds nothing (the write went to the kernel at once, or at 'drain') its
   * slabs are free again: given back before the next frames are cut, so one slab, warm in the
   * cache, serves again and again. (A write's own callback comes a tick later, after 'drain',
   * when the pump has already taken a fresh slab: a page fault per page of it.)
   */
  private recycleWritten(): void {
    for (const slab of this.slabsWritten) recyclePageSlab(slab);
    this.slabsWritten.length = 0;
  }

  /** Ends the connection once what was written has left. */
  finish(): void {
    if (this.broken) return;
    this.flush();
    this.broken = true;
    this.handlers = null;
    this.socket.end();
    this.socket.setTimeout(5_000, () => this.socket.destroy());
  }

  /**
   * Ends the connection once `first` has closed (or after a while): the peer reads the last
   * word on `first` before it sees this connection end, though the two are separate sockets.
   */
  finishAfter(first: Lane): void {
    if (first.socket.destroyed) return this.finish();
    first.socket.once("close", () => this.finish());
    setTimeout(() => this.finish(), 1_000).unref();
  }

  /** Stops delivering transmissions after the one being delivered, and reading the socket, until `release()`. */
  hold(): void {
    this.held = true;
    this.socket.pause();
  }

  /** Goes on delivering (from the next turn: the caller may be in the middle of another lane's delivery). */
  release(): void {
    if (!this.held) return;
    this.held = false;
    process.nextTick(() => {
      if (this.held || this.broken) return;
      if (this.handlers) this.drainReader();
      this.socket.resume();
    });
  }

  /** Drops the connection now; `onBroken` is told `reason`. */
  drop(reason: string): void {
    this.fail(reason);
  }

  /**
   * After a read: the frame ahead, when it is a run of pages only begun, is read the rest of the
   * way straight to where the receiver places it. Only from a read's listener, as `readInto` asks.
   */
  private startPlacing(socket: LendingSocket): void {
    const handlers = this.handlers;
    if (this.placing) return;
    const pages = handlers?.place && !this.broken && !this.held && this.reader.headAhead(this.placedHead) ? handlers.place(this.placedHead) : null;
    if (!pages) {
      // A head read alone may come in parts: the rest of it alone too; else reads as large as they come.
      const missing = PAGES_HEAD_BYTES - this.reader.bufferedBytes;
      if (this.readingHead && missing > 0 && missing < PAGES_HEAD_BYTES) return socket.readOwn(missing);
      this.readingHead = false;
      return socket.readOwn();
    }
    const filled = this.reader.handOver(PAGES_HEAD_BYTES, pages);
    this.placing = { pages, filled };
    socket.readInto(pages.subarray(filled));
  }

  private onPlacedRead(socket: LendingSocket, length: number): void {
    this.handlers?.onBytes?.();
    const placing = this.placing!;
    placing.filled += length;
    if (placing.filled < placing.pages.length) return socket.readInto(placing.pages.subarray(placing.filled));
    this.placing = null;
    // Runs of pages come one after another: read the next frame's head alone, to read its pages into place too.
    this.readingHead = true;
    socket.readOwn(PAGES_HEAD_BYTES);
    const handlers = this.handlers;
    if (this.broken || !handlers) return;
    try {
      handlers.onPlaced!(this.placedHead, placing.pages);
      this.handlers?.onTransmissionsEnd?.();
    } catch (error) {
      this.fail((error as Error).message);
    }
  }

  private onData(chunk: Uint8Array): void {
    this.handlers?.onBytes?.();
    this.reader.push(chunk);
    if (this.handlers) this.drainReader();
  }

  private drainReader(): void {
    const handlers = this.handlers!;
    try {
      while (!this.broken && !this.held) {
        const bytes = this.reader.next();
        if (!bytes) break;
        handlers.onTransmission(bytes);
      }
      this.handlers?.onTransmissionsEnd?.();
    } catch (error) {
      this.fail((error as Error).message);
    }
  }

  private fail(reason: string): void {
    if (this.broken) {
      if (!this.socket.destroyed) this.socket.destroy();
      return;
    }
    this.broken = true;
    this.socket.destroy();
    this.handlers?.onBroken(`${this.label}: ${reason}`);
  }
}

/** A socket error in words: what happened, and the system's code. */
export function describeError(error: NodeJS.ErrnoException): string {
  const words: Record<string, string> = {
    ECONNRESET: "reset by the peer",
    ECONNREFUSED: "refused (nothing listens there)",
    EPIPE: "broken (the peer has gone)",
    ETIMEDOUT: "timed out",
    EHOSTUNREACH: "host unreachable",
    ENETUNREACH: "network unreachable",
  };
  return error.code && words[error.code] ? `${words[error.code]} (${error.code})` : error.message;
}
