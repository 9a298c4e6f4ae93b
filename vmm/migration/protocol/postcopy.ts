/**
 * The frames of post-copy. After the setup frame the guest stops, its state goes out, and the
 * destination runs it with every page missing. The strategy then pushes pages in the
 * background and serves the destination's requests first — on the urgent lane when there is
 * one, else ahead of the background pages; with the "fault-near" order the background push
 * continues right after the latest requested page (pre-paging, since guests touch
 * neighbouring pages). A page is sent once; only a page lost with a broken link is sent again,
 * after the destination said which pages it still misses.
 *
 * A running pre-copy can turn into post-copy: then the prologue and setup are long gone, and a
 * `postcopy` frame before the state tells the destination which of its pages are stale.
 */
import { crc32 } from "../../../isa/crc32.js";
import { isZeroPage, PAGE_FRAME_BYTES } from "../pages.js";
import type { RoundStats } from "../stats.js";
import { encodeFrame, encodePageFrame, encodePrologue } from "../stream/codec.js";
import type { FrameOf } from "../stream/frames.js";
import { URGENT, type Lane } from "./events.js";
import { setupFrame } from "./setup-frame.js";
import type { SourceContext, SourceStrategy } from "./source-context.js";

const PROGRESS_EVERY = 64;

/** Where a post-copy that follows pre-copy rounds starts from. */
export interface AfterPreCopy {
  /** Frames the pre-copy had not put on the wire yet. */
  unsent: Uint8Array[];
  /** Pages the destination must fetch, a byte each; asked for once the guest has stopped. */
  stalePages: () => Uint8Array;
}

export class PostCopy implements SourceStrategy {
  private outbox: Uint8Array[];
  private readonly sent: Uint8Array;
  private sentCount = 0;
  private requests: number[] = [];
  private cursor = 0;
  private switched = false;
  private paused = false;
  private completeSent = false;
  private round: RoundStats | null = null;
  private framesSent = 0;

  constructor(
    private readonly ctx: SourceContext,
    private readonly after: AfterPreCopy | null = null,
  ) {
    this.outbox = after ? after.unsent : [encodePrologue(), encodeFrame(setupFrame(ctx.vm, ctx.config.strategy))];
    this.sent = new Uint8Array(ctx.vm.memory.pageCount);
  }

  wantsToSend(lane: Lane): boolean {
    if (lane === URGENT) return this.ctx.config.urgentLane && this.switched && !this.paused && this.requests.length > 0;
    return this.outbox.length > 0 || (!this.paused && !this.completeSent);
  }

  next(now: number, lane: Lane): Uint8Array | null {
    const urgentLane = this.ctx.config.urgentLane;
    if (lane === URGENT) return urgentLane && this.switched && !this.paused ? this.requested(now) : null;
    const queued = this.outbox.shift();
    if (queued) return queued;
    if (this.paused || this.completeSent) return null;
    if (!this.switched) return this.switchOver(now);
    const asked = urgentLane ? null : this.requested(now);
    if (asked) return asked;
    const page = this.nextUnsent();
    if (page >= 0) return this.pageFrame(now, page, true);
    this.completeSent = true;
    if (this.ctx.committed) this.ctx.phase = "completion";
    const memory = this.ctx.vm.memory;
    return encodeFrame({ type: "complete", pages: memory.pageCount, checkMemory: 0, memoryCrc: 0 });
  }

  /** The guest stops and its state leaves; the source keeps the VM until the destination acknowledges it. */
  private switchOver(now: number): Uint8Array {
    const ctx = this.ctx;
    ctx.stopGuest(now);
    const state = ctx.stateFrame();
    this.switched = true;
    ctx.phase = "switch-over";
    this.round = { round: ctx.stats.rounds.length, pages: 0, zeroPages: 0, bytes: 0, startNs: now, endNs: 0, resent: 0, dirtyPagesPerSecond: 0 };
    ctx.stats.rounds.push(this.round);
    if (!this.after) return state;
    const stale = this.after.stalePages();
    for (let p = 0; p < stale.length; p++) this.sent[p] = stale[p] ? 0 : 1;
    this.sentCount = stale.length - stale.reduce((n, s) => n + s, 0);
    this.outbox.push(state);
    return encodeFrame({ type: "postcopy", missing: stale });
  }

  /** The oldest request for a page not sent yet, as its frame, or null. */
  private requested(now: number): Uint8Array | null {
    while (this.requests.length > 0) {
      const page = this.requests.shift()!;
      if (!this.sent[page]) return this.pageFrame(now, page, false);
    }
    return null;
  }

  private nextUnsent(): number {
    const n = this.sent.length;
    for (let i = 0; i < n; i++) {
      const p = (this.cursor + i) % n;
      if (!this.sent[p]) return p;
    }
    return -1;
  }

  /** A page that holds data: sent once, so compressed when compression is on, never a delta. */
  private dataFrame(index: number, round: number, page: Uint8Array): Uint8Array {
    const encoder = this.ctx.encoder;
    return encoder ? encoder.frame(index, round, page, crc32(page), false, true) : encodePageFrame(index, round, page);
  }

  private pageFrame(now: number, first: number, background: boolean): Uint8Array {
    const ctx = this.ctx;
    const memory = ctx.vm.memory;
    const round = this.round!;
    let count = 1;
    const zero = isZeroPage(memory, first);
    if (zero && background) {
      while (first + count < this.sent.length && !this.sent[first + count] && isZeroPage(memory, first + count)) count++;
    }
    for (let p = first; p < first + count; p++) this.sent[p] = 1;
    this.sentCount += count;
    if (background) this.cursor = (first + count) % this.sent.length;
    const bytes = zero ? encodeFrame({ type: "zero", first, count, round: round.round }) : this.dataFrame(first, round.round, memory.page(first));
    round.pages += count;
    round.bytes += bytes.length;
    round.endNs = now;
    ctx.stats.pagesSent += count;
    if (zero) {
      round.zeroPages += count;
      ctx.stats.zeroPages += count;
    }
    if (++this.framesSent % PROGRESS_EVERY === 0) {
      const total = this.sent.length;
      ctx.progress(now, ctx.phase, this.sentCount / total, (total - this.sentCount) * PAGE_FRAME_BYTES);
    }
    return bytes;
  }

  onCommit(): void {
    this.ctx.phase = this.completeSent ? "completion" : "post-copy";
  }

  onLinkDown(): void {
    this.outbox = [];
    this.requests = [];
    this.paused = true;
    this.ctx.phase = "post-copy (paused)";
  }

  onReturnFrame(frame: FrameOf<"request"> | FrameOf<"resume">): void {
    const pages = this.sent.length;
    if (frame.type === "request") {
      if (frame.index >= pages) return;
      this.requests.push(frame.index);
      if (this.ctx.config.pushOrder === "fault-near") this.cursor = (frame.index + 1) % pages;
      return;
    }
    const missing = frame.missing;
    this.sentCount = 0;
    for (let p = 0; p < pages; p++) {
      const lost = missing[p] ?? 1;
      this.sent[p] = lost ? 0 : 1;
      this.sentCount += this.sent[p]!;
    }
    this.completeSent = false;
    this.paused = false;
    this.ctx.phase = "post-copy";
  }
}
