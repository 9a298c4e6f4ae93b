/**
 * Host A's side of post-copy. After the setup frame the guest stops, its state goes out, and
 * the destination runs it at once with every page missing. The sender then pushes pages in
 * the background and serves the destination's requests first; with the "fault-near" order the
 * background push continues right after the latest requested page (pre-paging, since guests
 * touch neighbouring pages). A page is sent once; only a page lost with a broken link is sent
 * again, after the destination said which pages it still misses.
 *
 * The source keeps its stopped VM until the destination's `started` frame says it holds that
 * very state (its CRC): until then any failure resumes the guest here. From then on the guest
 * lives only on the destination, and a broken link pauses the migration instead.
 */
import { crc32 } from "../../isa/crc32.js";
import type { EngineContext } from "./engine.js";
import { isZeroPage } from "./pages.js";
import type { RoundStats } from "./stats.js";
import { decodeFrame, encodeFrame, encodePrologue, streamError } from "./stream/codec.js";
import type { Frame } from "./stream/frames.js";
import { setupFrame } from "./sender-precopy.js";

const PROGRESS_EVERY = 64;
const utf8 = new TextEncoder();

export class PostCopySender {
  phase = "setup";
  private outbox: Uint8Array[];
  private readonly sent: Uint8Array;
  private sentCount = 0;
  private requests: number[] = [];
  private cursor = 0;
  private switched = false;
  /** The destination acknowledged the state: the guest is no longer ours. */
  private committed = false;
  private paused = false;
  private completeSent = false;
  private stateCrc = 0;
  /** A broken return path before the switch-over completed (the migration fails). */
  error: string | null = null;
  private round: RoundStats | null = null;
  private returnFrames = 0;
  private framesSent = 0;

  constructor(private readonly ctx: EngineContext) {
    this.outbox = [encodePrologue(), encodeFrame(setupFrame(ctx))];
    this.sent = new Uint8Array(ctx.source.memory.pageCount);
  }

  wantsToSend(): boolean {
    return this.outbox.length > 0 || (!this.paused && !this.completeSent);
  }

  next(): Uint8Array | null {
    const queued = this.outbox.shift();
    if (queued) return queued;
    if (this.paused || this.completeSent) return null;
    if (!this.switched) return this.switchOver();
    while (this.requests.length > 0) {
      const page = this.requests.shift()!;
      if (!this.sent[page]) return this.pageFrame(page, false);
    }
    const page = this.nextUnsent();
    if (page >= 0) return this.pageFrame(page, true);
    this.completeSent = true;
    if (this.committed) this.phase = "completion";
    const memory = this.ctx.source.memory;
    return encodeFrame({ type: "complete", pages: memory.pageCount, checkMemory: 0, memoryCrc: 0 });
  }

  /** The guest stops and its state leaves; the source keeps the VM until the destination acknowledges it. */
  private switchOver(): Uint8Array {
    const ctx = this.ctx;
    ctx.stopSource();
    const json = JSON.stringify(ctx.source.save());
    this.stateCrc = crc32(utf8.encode(json));
    this.switched = true;
    this.phase = "switch-over";
    this.round = { round: 0, pages: 0, zeroPages: 0, bytes: 0, startNs: ctx.now(), endNs: 0, resent: 0, dirtyPagesPerSecond: 0 };
    ctx.stats.rounds.push(this.round);
    return encodeFrame({ type: "state", json });
  }

  private nextUnsent(): number {
    const n = this.sent.length;
    for (let i = 0; i < n; i++) {
      const p = (this.cursor + i) % n;
      if (!this.sent[p]) return p;
    }
    return -1;
  }

  private pageFrame(first: number, background: boolean): Uint8Array {
    const ctx = this.ctx;
    const memory = ctx.source.memory;
    const round = this.round!;
    let count = 1;
    const zero = isZeroPage(memory, first);
    if (zero && background) {
      while (first + count < this.sent.length && !this.sent[first + count] && isZeroPage(memory, first + count)) count++;
    }
    for (let p = first; p < first + count; p++) this.sent[p] = 1;
    this.sentCount += count;
    if (background) this.cursor = (first + count) % this.sent.length;
    const frame: Frame = zero
      ? { type: "zero", first, count, round: 0 }
      : { type: "page", index: first, round: 0, data: memory.page(first) };
    const bytes = encodeFrame(frame);
    round.pages += count;
    round.bytes += bytes.length;
    round.endNs = ctx.now();
    ctx.stats.pagesSent += count;
    if (zero) {
      round.zeroPages += count;
      ctx.stats.zeroPages += count;
    }
    if (++this.framesSent % PROGRESS_EVERY === 0) {
      const total = this.sent.length;
      ctx.progress(this.phase, this.sentCount / total, (total - this.sentCount) * 4114);
    }
    return bytes;
  }

  /** Before the switch-over completed the engine fails the migration; after it, sending pauses until the link returns. */
  onCut(): void {
    if (!this.committed) return;
    this.outbox = [];
    this.requests = [];
    this.paused = true;
    this.phase = "post-copy (paused)";
  }

  onReturnFrame(bytes: Uint8Array): void {
    let frame: Frame;
    try {
      frame = decodeFrame(bytes, this.returnFrames++, "return frame");
    } catch (error) {
      // Before the acknowledgement the return path must be whole; after it a damaged request
      // is as if lost (the destination asks again after recovery).
      if (!this.committed) this.error = (error as Error).message;
      return;
    }
    const pages = this.sent.length;
    if (frame.type === "started") {
      if (!this.switched || this.committed) return;
      if (frame.stateCrc !== this.stateCrc) {
        const crc = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;
        const problem = `the destination holds a state with CRC ${crc(frame.stateCrc)}, not the one sent (${crc(this.stateCrc)})`;
        this.error = streamError(`return frame ${this.returnFrames - 1} (started): ${problem}`).message;
        return;
      }
      this.committed = true;
      this.phase = this.completeSent ? "completion" : "post-copy";
      this.ctx.commit();
    } else if (frame.type === "request") {
      if (frame.index >= pages) return;
      this.requests.push(frame.index);
      if (this.ctx.options.pushOrder === "fault-near") this.cursor = (frame.index + 1) % pages;
    } else if (frame.type === "resume") {
      const missing = frame.missing;
      this.sentCount = 0;
      for (let p = 0; p < pages; p++) {
        const lost = missing[p] ?? 1;
        this.sent[p] = lost ? 0 : 1;
        this.sentCount += this.sent[p]!;
      }
      this.completeSent = false;
      this.paused = false;
      this.phase = "post-copy";
    }
  }
}
