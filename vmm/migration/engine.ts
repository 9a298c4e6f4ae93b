/**
 * The migration engine: host A (source) and host B (destination) in one process on virtual
 * time. One loop takes the next event — a frame delivered, the transmitter free again, the
 * link cut or restored — runs whichever guest is running up to it (source before switchover,
 * destination after), and lets the source's sender and the destination's receiver react.
 *
 * The sender is strategy-specific (`sender-precopy.ts`, `sender-postcopy.ts`); the receiver is
 * one (`receiver.ts`). The source lets the guest go only once the destination holds it — the
 * commit: stop-copy/pre-copy when the completion frame is delivered (the destination resumes
 * the VM), post-copy when the destination's `started` frame reaches the source (it runs the
 * VM since the state arrived). Before the commit any failure drops what the destination built
 * and resumes the guest on the source; after it the source never runs the guest again, and a
 * broken link pauses the migration until it comes back (recovery), losing no page.
 */
import { crc32 } from "../../isa/crc32.js";
import { UserError } from "../../isa/errors.js";
import { mulDivCeil, NS_PER_SECOND, VirtualClock } from "./clock.js";
import { FORWARD, RETURN, VirtualLink, type Channel } from "./link.js";
import { resolveOptions, type MigrationOptions, type ResolvedOptions } from "./options.js";
import { GuestPacer } from "./pacer.js";
import { Receiver } from "./receiver.js";
import { PostCopySender } from "./sender-postcopy.js";
import { PreCopySender } from "./sender-precopy.js";
import { emptyStats, recordProgress, type MigrationStats } from "./stats.js";
import { encodeFrame } from "./stream/codec.js";
import type { Frame } from "./stream/frames.js";
import type { MigratableVm } from "./vm-port.js";

export interface MigrationResult {
  stats: MigrationStats;
  /** The VM that runs the guest now: the destination's when migrated, else the source's. */
  vm: MigratableVm;
  /** The source VM (destroyed when the migration switched over). */
  source: MigratableVm;
  migrated: boolean;
}

/** What senders and the receiver share. */
export interface EngineContext {
  readonly options: ResolvedOptions;
  readonly stats: MigrationStats;
  readonly source: MigratableVm;
  now(): number;
  /** Stops the guest on the source (the downtime starts). */
  stopSource(): void;
  /** The destination holds the guest: the source lets it go. */
  commit(): void;
  /** The source may run the guest again (a failed migration). */
  resumeSource(): void;
  progress(phase: string, completed: number, remainingBytes: number): void;
}

export function frameBytes(frame: Frame): Uint8Array {
  return encodeFrame(frame);
}

/** CRC-32 of all of a memory, as the completion frame carries it. */
export function memoryCrc(bytes: Uint8Array): number {
  return crc32(bytes);
}

export function migrate(vm: MigratableVm, options: MigrationOptions): MigrationResult {
  return new Engine(vm, resolveOptions(options)).run();
}

class Engine implements EngineContext {
  readonly stats: MigrationStats;
  private readonly clock = new VirtualClock();
  private readonly link: VirtualLink;
  private readonly a: Channel;
  private readonly b: Channel;
  private readonly sourcePacer: GuestPacer;
  private sourceRunning = true;
  private readonly sender: PreCopySender | PostCopySender;
  private readonly receiver: Receiver;
  private stopAt = -1;
  private committed = false;

  constructor(
    readonly source: MigratableVm,
    readonly options: ResolvedOptions,
  ) {
    this.stats = emptyStats(options.strategy);
    this.link = new VirtualLink({
      bandwidth: options.bandwidth,
      latencyNs: options.latencyNs,
      faults: options.faults,
      onTransmit: options.onTransmit,
    });
    this.a = this.link.endpoint(FORWARD);
    this.b = this.link.endpoint(RETURN);
    this.sourcePacer = new GuestPacer(source, options.speed, 0);
    this.sender = options.strategy === "post-copy" ? new PostCopySender(this) : new PreCopySender(this);
    this.receiver = new Receiver(this, (bytes) => this.b.send(bytes, this.now()));
  }

  now(): number {
    return this.clock.now();
  }

  stopSource(): void {
    this.sourceRunning = false;
    this.stopAt = this.now();
  }

  commit(): void {
    this.committed = true;
    this.stats.runsOn = "destination";
    this.source.destroy();
  }

  resumeSource(): void {
    this.sourceRunning = true;
    this.sourcePacer.resumeAt(this.now());
  }

  progress(phase: string, completed: number, remainingBytes: number): void {
    const remainingNs = mulDivCeil(remainingBytes, NS_PER_SECOND, this.options.bandwidth) + this.options.latencyNs;
    recordProgress(this.stats, { atNs: this.now(), phase, completed, remainingNs }, this.options.onProgress);
  }

  run(): MigrationResult {
    const stats = this.stats;
    let outcome: "completed" | "failed" | "paused" | null = null;
    while (outcome === null) {
      const now = this.now();
      // Frames delivered by now first: a cut loses only what is still on the wire at its moment.
      for (const bytes of this.b.receive(now)) {
        this.receiver.handle(bytes);
        if (this.receiver.error) break;
      }
      if (this.receiver.error) {
        if (this.committed) {
          stats.error = this.receiver.error;
          outcome = "paused";
        } else {
          outcome = this.fail(this.receiver.error);
        }
        continue;
      }
      for (const bytes of this.a.receive(now)) this.sender.onReturnFrame(bytes);
      if (this.sender.error) {
        outcome = this.fail(this.sender.error);
        continue;
      }
      // The source learns that the completion frame was delivered from the transport, as TCP acknowledges bytes.
      if (this.receiver.completed && this.options.strategy !== "post-copy") this.commit();
      if (this.receiver.completed && this.committed) {
        outcome = "completed";
        continue;
      }
      const change = this.link.pollChange(now);
      if (change === "cut") {
        this.sender.onCut();
        if (!this.committed) outcome = this.fail(`the link was cut at ${formatNs(now)} during ${this.sender.phase}`);
        continue;
      }
      if (change === "restored") {
        this.receiver.onRestore();
        continue;
      }
      if (this.link.isUp(now) && this.a.freeAt(now) <= now && this.sender.wantsToSend()) {
        const bytes = this.sender.next();
        if (bytes) {
          this.a.send(bytes, now);
          continue;
        }
      }

      let next = Math.min(this.link.nextArrival(), this.link.nextChange());
      if (this.link.isUp(now) && this.sender.wantsToSend()) next = Math.min(next, this.a.freeAt(now));
      if (next < now) next = now;
      if (next === Infinity) {
        outcome = this.runPaused();
        continue;
      }
      if (this.sourceRunning) this.sourcePacer.runTo(next);
      const dest = this.receiver.pacer;
      if (dest && this.receiver.stalledOn < 0) {
        const { exit, at } = dest.runTo(next);
        if (exit.reason === "page-missing") {
          this.clock.advanceTo(Math.max(now, at));
          this.receiver.onFault(exit.page!);
          continue;
        }
      }
      this.clock.advanceTo(next);
    }

    stats.status = outcome;
    stats.linkCuts = this.link.cuts;
    stats.bytesSent = this.link.bytesSent[FORWARD]!;
    stats.returnBytes = this.link.bytesSent[RETURN]!;
    stats.guestTicksDuringMigration = this.sourcePacer.ticksRun + (this.receiver.pacer?.ticksRun ?? 0);
    stats.pagesReceivedMoreThanOnce = this.receiver.pagesReceivedMoreThanOnce();
    if (outcome === "completed") {
      stats.totalNs = this.now();
      stats.downtimeNs = this.receiver.resumedAt - this.stopAt;
      this.progress("completed", 1, 0);
    }
    const migrated = this.committed;
    const vm = migrated ? this.receiver.vm! : this.source;
    return { stats, vm, source: this.source, migrated };
  }

  /** Before the commit: the destination drops what it built and the guest goes on here. */
  private fail(error: string): "failed" {
    this.stats.error = `${error}; the guest goes on at the source`;
    this.stats.totalNs = this.now();
    this.resumeSource();
    this.receiver.discard();
    return "failed";
  }

  /** Nothing more will happen on the link: let the destination guest run until it needs a page. */
  private runPaused(): "paused" | "failed" {
    const dest = this.receiver.pacer;
    if (!this.committed || !dest) return this.fail(`the migration stalled during ${this.sender.phase}`);
    if (this.receiver.stalledOn < 0) {
      const limit = this.now() + mulDivCeil(this.options.pausedRunLimit, NS_PER_SECOND, this.options.speed);
      const { exit, at } = dest.runTo(limit);
      this.clock.advanceTo(Math.max(this.now(), at));
      if (exit.reason === "page-missing") this.receiver.onFault(exit.page!);
    }
    this.stats.error ??= "the link is down; the destination waits for it to come back";
    return "paused";
  }
}

export function formatNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(3)} us`;
  return `${ns} ns`;
}

export { UserError };
