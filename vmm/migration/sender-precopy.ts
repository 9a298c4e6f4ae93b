/**
 * Host A's side of stop-and-copy and pre-copy.
 *
 * Pre-copy: round 0 sends every page while the guest keeps running; each later round sends
 * the pages dirtied since they were last sent. After each round the sender estimates the
 * downtime of stopping now — remaining pages and state at the bandwidth measured in the round,
 * plus the latency — and stops when it meets the target, at the round limit, or when rounds
 * stop shrinking. Then the guest stops and the last dirty pages, the state and the completion
 * frame (with a CRC of all memory) follow. Stop-and-copy is that last step alone.
 *
 * A page is read and its dirty bit cleared at the moment its frame starts on the wire, so a
 * store after that moment puts it into the next round.
 */
import { PAGE_SIZE } from "../../isa/arch.js";
import { mulDivCeil, NS_PER_SECOND } from "./clock.js";
import { memoryCrc, type EngineContext } from "./engine.js";
import { isZeroPage, PAGE_FRAME_BYTES } from "./pages.js";
import type { RoundStats } from "./stats.js";
import { encodeFrame, encodePrologue } from "./stream/codec.js";
import { FRAME_HEADER_SIZE, STRATEGIES, type Frame } from "./stream/frames.js";

const PROGRESS_EVERY = 64;

export function setupFrame(ctx: EngineContext): Frame {
  const vm = ctx.source;
  return {
    type: "setup",
    name: vm.name,
    memorySize: vm.memory.size,
    pageSize: PAGE_SIZE,
    strategy: STRATEGIES.indexOf(ctx.options.strategy),
    config: JSON.stringify(vm.config() ?? null),
  };
}

export class PreCopySender {
  phase = "setup";
  private readonly outbox: Uint8Array[];
  private queue: number[] = [];
  private at = 0;
  private round: RoundStats | null = null;
  private final = false;
  private committing = false;
  private readonly everSent: Uint8Array;
  private framesSent = 0;

  constructor(private readonly ctx: EngineContext) {
    this.outbox = [encodePrologue(), encodeFrame(setupFrame(ctx))];
    this.everSent = new Uint8Array(ctx.source.memory.pageCount);
  }

  wantsToSend(): boolean {
    return this.outbox.length > 0 || !this.committing;
  }

  /** The next transmission, or null when everything is sent. */
  next(): Uint8Array | null {
    for (;;) {
      const queued = this.outbox.shift();
      if (queued) return queued;
      if (this.committing) return null;
      if (!this.round) this.begin();
      else if (this.at < this.queue.length) return this.pageFrame();
      else this.endRound();
    }
  }

  /** Stop-copy and pre-copy use no return path, so nothing on it can go wrong. */
  readonly error = null;
  /** A cut before the commit fails the migration (the engine's rule): nothing to undo here. */
  onCut(): void {}
  onReturnFrame(): void {}

  private begin(): void {
    const memory = this.ctx.source.memory;
    memory.takeDirty(); // from now on a store means "send again"
    const all = Array.from({ length: memory.pageCount }, (_, i) => i);
    if (this.ctx.options.strategy === "stop-copy") this.stopAndCopy(0, all);
    else this.startRound(0, all);
  }

  private startRound(round: number, pages: number[]): void {
    this.queue = pages;
    this.at = 0;
    this.phase = this.final ? "stop-and-copy" : `round ${round}`;
    this.round = { round, pages: 0, zeroPages: 0, bytes: 0, startNs: this.ctx.now(), endNs: 0, resent: 0, dirtyPagesPerSecond: 0 };
  }

  private stopAndCopy(round: number, pages: number[]): void {
    this.ctx.stopSource();
    this.final = true;
    this.startRound(round, pages);
  }

  private pageFrame(): Uint8Array {
    const ctx = this.ctx;
    const memory = ctx.source.memory;
    const round = this.round!;
    const first = this.queue[this.at++]!;
    let count = 1;
    const zero = isZeroPage(memory, first);
    if (zero) {
      while (this.at < this.queue.length && this.queue[this.at] === first + count && isZeroPage(memory, first + count)) {
        this.at++;
        count++;
      }
    }
    for (let p = first; p < first + count; p++) {
      memory.dirty[p] = 0;
      if (this.everSent[p]!++ > 0) {
        round.resent++;
        ctx.stats.pagesResent++;
      }
    }
    const bytes = encodeFrame(
      zero
        ? { type: "zero", first, count, round: round.round }
        : { type: "page", index: first, round: round.round, data: memory.page(first) },
    );
    round.pages += count;
    round.bytes += bytes.length;
    ctx.stats.pagesSent += count;
    if (zero) {
      round.zeroPages += count;
      ctx.stats.zeroPages += count;
    }
    if (++this.framesSent % PROGRESS_EVERY === 0) this.reportProgress();
    return bytes;
  }

  private reportProgress(): void {
    const stats = this.ctx.stats;
    const remainingPages = this.queue.length - this.at + (this.final ? 0 : this.ctx.source.memory.dirtyCount());
    const remaining = remainingPages * PAGE_FRAME_BYTES;
    const sent = stats.rounds.reduce((n, r) => n + r.bytes, 0) + (this.round?.bytes ?? 0);
    this.ctx.progress(this.phase, sent / (sent + remaining), remaining);
  }

  private endRound(): void {
    const ctx = this.ctx;
    const options = ctx.options;
    const memory = ctx.source.memory;
    const round = this.round!;
    round.endNs = ctx.now();
    ctx.stats.rounds.push(round);
    this.outbox.push(encodeFrame({ type: "round", round: round.round, pages: round.pages }));
    const duration = round.endNs - round.startNs;
    const remaining = memory.dirtyCount();
    round.dirtyPagesPerSecond = duration > 0 ? Math.round((remaining * NS_PER_SECOND) / duration) : 0;

    if (this.final) {
      const state = JSON.stringify(ctx.source.save());
      this.outbox.push(encodeFrame({ type: "state", json: state }));
      this.outbox.push(encodeFrame({ type: "complete", pages: memory.pageCount, checkMemory: 1, memoryCrc: memoryCrc(memory.bytes) }));
      this.committing = true;
      this.phase = "completion";
      this.reportProgress();
      return;
    }

    const measured = duration > 0 ? Math.max(1, Math.round((round.bytes * NS_PER_SECOND) / duration)) : options.bandwidth;
    const stateBytes = FRAME_HEADER_SIZE + 4 + JSON.stringify(ctx.source.save()).length;
    const expected = mulDivCeil(remaining * PAGE_FRAME_BYTES + stateBytes, NS_PER_SECOND, measured) + options.latencyNs;
    const shrinking = round.round === 0 || remaining < round.pages;
    const last = expected <= options.downtimeTargetNs || round.round + 1 >= options.maxRounds || !shrinking;
    this.reportProgress();
    if (last) {
      ctx.stats.expectedDowntimeNs = expected;
      this.stopAndCopy(round.round + 1, memory.takeDirty());
    } else {
      this.startRound(round.round + 1, memory.takeDirty());
    }
  }
}
