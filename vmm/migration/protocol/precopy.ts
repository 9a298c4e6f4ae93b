/**
 * The frames of stop-and-copy and pre-copy.
 *
 * Pre-copy: round 0 sends every page while the guest keeps running; each later round sends
 * the pages dirtied since they were last sent. After each round the strategy estimates the
 * downtime of stopping now — remaining pages and state at the bandwidth measured (on the wire
 * when the driver measures it, else over the round), plus the latency — and stops when it
 * meets the target, at the round limit, or when rounds stop shrinking. Then the guest stops
 * and the last dirty pages, the state and the completion frame (with a CRC of all memory)
 * follow. Stop-and-copy is that last step alone. The CRC of all memory is made from the CRC
 * of each page as it was last sent (stream/page-crc.ts): a page not dirtied since still holds
 * those bytes, and the stop need not read all memory once more.
 *
 * A page is read and its dirty bit cleared at the moment its frame is taken for the wire, so a
 * store after that moment puts it into the next round. Consecutive pages that hold data may go
 * in one `pages` frame (config `pageRun`): all of them read at that moment, as one page is.
 */
import { crc32 } from "../../../isa/crc32.js";
import { memoryCrcOf, ZERO_PAGE_CRC, zeroPageCrcs } from "../stream/page-crc.js";
import { mulDivCeil, NS_PER_SECOND } from "../clock.js";
import { countDirty, isZeroPage, PAGE_FRAME_BYTES } from "../pages.js";
import type { RoundStats } from "../stats.js";
import { encodeFrame, encodePageFrame, encodePrologue } from "../stream/codec.js";
import { FRAME_HEADER_SIZE } from "../stream/frames.js";
import { encodePagesFrame, MAX_GATHERED_RUN_PAGES, MAX_RUN_PAGES, pagesFrameHead } from "../stream/pages-frame.js";
import { PAGE_SHIFT } from "../../../isa/arch.js";
import { MAIN, type Lane } from "./events.js";
import { setupFrame } from "./setup-frame.js";
import type { SourceContext, SourceStrategy } from "./source-context.js";

/** Progress every this many frames, a frame of many pages counting as that many. */
const PROGRESS_EVERY = 64;

export class PreCopy implements SourceStrategy {
  private readonly outbox: Uint8Array[];
  /** The round's pages in order; null: every page of memory (round 0, a stop-and-copy from the start), with no array of them. */
  private queue: number[] | null = null;
  private queueLength = 0;
  private at = 0;
  private round: RoundStats | null = null;
  private final = false;
  /** Everything is on its way; what is left is the commit. */
  private committing = false;
  private readonly everSent: Uint8Array;
  /** Per page: the CRC of its contents as last sent (a stopped guest's runs: the run's CRC at its last page, 0 before it; the same fold, pages-frame.ts). */
  private readonly pageCrcs: Uint32Array;
  /** Frames sent, a frame of many pages counted as that many (progress comes as often either way). */
  private framesSent = 0;
  /** Bytes of the round's frames of pages that hold data (not zero markers). */
  private dataBytes = 0;
  /** Convergence control chose post-copy: no more rounds; the source switches once the round's end is out. */
  parked = false;
  /** The pages that follow the head `next` just gave (config `gatherStopped`), until taken. */
  private body: Uint8Array | null = null;
  /** Most pages one frame carries (config `pageRun`; pages that may travel as fewer bytes go one by one). */
  private readonly runMax: number;
  /** Most pages one frame written from stopped guest memory carries (config `gatheredRun`). */
  private readonly gatheredMax: number;

  constructor(private readonly ctx: SourceContext) {
    this.runMax = ctx.encoder ? 1 : Math.max(1, Math.min(MAX_RUN_PAGES, ctx.config.pageRun ?? 1));
    this.gatheredMax = ctx.encoder ? 1 : Math.max(1, Math.min(MAX_GATHERED_RUN_PAGES, ctx.config.gatheredRun ?? this.runMax));
    this.outbox = [encodePrologue(), encodeFrame(setupFrame(ctx.vm, ctx.config.strategy))];
    this.everSent = new Uint8Array(ctx.vm.memory.pageCount);
    this.pageCrcs = zeroPageCrcs(ctx.vm.memory.pageCount);
  }

  wantsToSend(lane: Lane): boolean {
    return lane === MAIN && (this.outbox.length > 0 || (!this.committing && !this.parked));
  }

  next(now: number, lane: Lane): Uint8Array | null {
    if (lane !== MAIN) return null;
    for (;;) {
      const queued = this.outbox.shift();
      if (queued) return queued;
      if (this.committing || this.parked) return null;
      if (!this.round) this.begin(now);
      else if (this.at < this.queueLength) return this.pageFrame(now);
      else this.endRound(now);
    }
  }

  takeBody(): Uint8Array | null {
    const body = this.body;
    this.body = null;
    return body;
  }

  /** Stop-copy and pre-copy ask nothing of the source on the way. */
  onReturnFrame(): void {}
  onCommit(): void {}
  /** A broken link after the commit leaves nothing to send again (the commit itself is the machine's). */
  onLinkDown(): void {}

  /** Whether the rounds still run, so that the migration may turn into post-copy. */
  get live(): boolean {
    return !this.final;
  }

  /**
   * Turning into post-copy: the round under way ends now, and the frames not yet on the wire
   * (the prologue and setup, a round's end) go to post-copy to send first.
   */
  handOver(now: number): Uint8Array[] {
    if (this.round) {
      this.round.endNs = now;
      this.ctx.stats.rounds.push(this.round);
    }
    return this.outbox.splice(0);
  }

  /** A byte per page, 1 where the destination's copy is stale or absent: for a switch to post-copy, with the guest stopped. */
  stalePages(): Uint8Array {
    const memory = this.ctx.vm.memory;
    const stale = new Uint8Array(memory.pageCount);
    for (let p = 0; p < stale.length; p++) stale[p] = !this.everSent[p] || memory.dirty[p] ? 1 : 0;
    for (let i = this.at; i < this.queueLength; i++) stale[this.pageAt(i)] = 1;
    return stale;
  }

  private begin(now: number): void {
    const memory = this.ctx.vm.memory;
    memory.dirty.fill(0); // from now on a store means "send again"
    if (this.ctx.config.strategy === "stop-copy") this.stopAndCopy(now, 0, null);
    else this.startRound(now, 0, null);
  }

  private pageAt(i: number): number {
    return this.queue ? this.queue[i]! : i;
  }

  private startRound(now: number, round: number, pages: number[] | null): void {
    this.queue = pages;
    this.queueLength = pages ? pages.length : this.ctx.vm.memory.pageCount;
    this.at = 0;
    this.ctx.phase = this.final ? "stop-and-copy" : `round ${round}`;
    this.round = { round, pages: 0, zeroPages: 0, bytes: 0, startNs: now, endNs: 0, resent: 0, dirtyPagesPerSecond: 0 };
    this.dataBytes = 0;
    const throttle = this.ctx.throttle;
    if (throttle !== null) this.round.throttle = throttle;
  }

  private stopAndCopy(now: number, round: number, pages: number[] | null): void {
    this.ctx.stopGuest(now);
    this.final = true;
    this.startRound(now, round, pages);
  }

  private pageFrame(now: number): Uint8Array {
    const ctx = this.ctx;
    const memory = ctx.vm.memory;
    const round = this.round!;
    const first = this.pageAt(this.at++);
    let count = 1;
    const zero = isZeroPage(memory, first);
    const gathered = this.final && ctx.config.gatherStopped === true;
    const limit = zero ? Infinity : gathered ? this.gatheredMax : this.runMax;
    while (count < limit && this.at < this.queueLength && this.pageAt(this.at) === first + count && isZeroPage(memory, first + count) === zero) {
      this.at++;
      count++;
    }
    const resent = this.everSent[first]! > 0;
    for (let p = first; p < first + count; p++) {
      memory.dirty[p] = 0;
      if (zero) {
        this.pageCrcs[p] = ZERO_PAGE_CRC;
        ctx.encoder?.zero(p, round.round);
      }
      if (this.everSent[p]!++ > 0) {
        round.resent++;
        ctx.stats.pagesResent++;
      }
    }
    let bytes: Uint8Array;
    if (zero) bytes = encodeFrame({ type: "zero", first, count, round: round.round });
    else if (count > 1) {
      const pages = memory.bytes.subarray(first << PAGE_SHIFT, (first + count) << PAGE_SHIFT);
      // The guest is stopped: its memory stays as it is until the write is done.
      if (gathered) bytes = pagesFrameHead(first, round.round, (this.body = pages), this.pageCrcs);
      else bytes = encodePagesFrame(first, round.round, pages, this.pageCrcs);
    } else {
      const page = memory.page(first);
      const crc = (this.pageCrcs[first] = crc32(page));
      bytes = ctx.encoder ? ctx.encoder.frame(first, round.round, page, crc, resent, this.final) : encodePageFrame(first, round.round, page, crc);
    }
    const size = bytes.length + (this.body?.length ?? 0);
    round.pages += count;
    round.bytes += size;
    if (!zero) this.dataBytes += size;
    ctx.stats.pagesSent += count;
    if (zero) {
      round.zeroPages += count;
      ctx.stats.zeroPages += count;
    }
    const before = this.framesSent;
    this.framesSent += zero ? 1 : count;
    if (Math.floor(this.framesSent / PROGRESS_EVERY) > Math.floor(before / PROGRESS_EVERY)) this.reportProgress(now);
    return bytes;
  }

  /**
   * Bytes a dirty page is expected to take: a page frame, or, when pages may travel as fewer
   * bytes, what those of the round just ended took on average (rounded up).
   */
  private pageBytesLately(round: RoundStats): number {
    const dataPages = round.pages - round.zeroPages;
    return this.ctx.encoder && dataPages > 0 ? Math.ceil(this.dataBytes / dataPages) : PAGE_FRAME_BYTES;
  }

  private reportProgress(now: number): void {
    const stats = this.ctx.stats;
    const remainingPages = this.queueLength - this.at + (this.final ? 0 : countDirty(this.ctx.vm.memory));
    const remaining = remainingPages * PAGE_FRAME_BYTES;
    const sent = stats.rounds.reduce((n, r) => n + r.bytes, 0) + (this.round?.bytes ?? 0);
    this.ctx.progress(now, this.ctx.phase, sent / (sent + remaining), remaining);
  }

  private endRound(now: number): void {
    const ctx = this.ctx;
    const config = ctx.config;
    const memory = ctx.vm.memory;
    const round = this.round!;
    round.endNs = now;
    ctx.stats.rounds.push(round);
    this.outbox.push(encodeFrame({ type: "round", round: round.round, pages: round.pages }));
    const duration = round.endNs - round.startNs;
    const remaining = countDirty(memory);
    round.dirtyPagesPerSecond = duration > 0 ? Math.round((remaining * NS_PER_SECOND) / duration) : 0;

    if (this.final) {
      this.outbox.push(ctx.stateFrame());
      this.outbox.push(encodeFrame({ type: "complete", pages: memory.pageCount, checkMemory: 1, memoryCrc: memoryCrcOf(this.pageCrcs) }));
      this.committing = true;
      ctx.phase = "completion";
      this.reportProgress(now);
      return;
    }

    // A round that moved nothing says nothing of the link: keep the configured bandwidth then.
    const overRound =
      duration > 0 && round.bytes > 0 ? Math.max(1, Math.round((round.bytes * NS_PER_SECOND) / duration)) : config.bandwidth;
    const measured = ctx.wireBandwidth ?? overRound;
    const stateBytes = FRAME_HEADER_SIZE + 4 + JSON.stringify(ctx.vm.save()).length;
    const expected = mulDivCeil(remaining * this.pageBytesLately(round) + stateBytes, NS_PER_SECOND, measured) + config.latencyNs;
    this.reportProgress(now);
    const { latencyNs, downtimeTargetNs, maxRounds } = config;
    const end = { round: round.round, dirtyPagesPerSecond: round.dirtyPagesPerSecond, bandwidth: measured, remainingPages: remaining, stateBytes, latencyNs, downtimeTargetNs, maxRounds };
    const control = ctx.afterRound(now, end);
    if (control === "post-copy") {
      this.parked = true;
      this.round = null;
      return;
    }
    // Rounds that stop shrinking end pre-copy, unless auto-converge can still slow the guest down.
    const shrinking = round.round === 0 || remaining < round.pages || control === "throttling";
    const last = expected <= config.downtimeTargetNs || round.round + 1 >= config.maxRounds || !shrinking;
    if (last) {
      ctx.stats.expectedDowntimeNs = expected;
      this.stopAndCopy(now, round.round + 1, memory.takeDirty());
    } else {
      this.startRound(now, round.round + 1, memory.takeDirty());
    }
  }
}
