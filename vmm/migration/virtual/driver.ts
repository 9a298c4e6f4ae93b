/**
 * The virtual driver: host A (source) and host B (destination) in one process on virtual
 * time, the protocol's two state machines (protocol/) on the simulated link (link.ts). One
 * loop takes the next event — a frame delivered, the transmitter free again, the link cut or
 * restored — runs whichever guest is running up to it (source before the switch-over,
 * destination after), and hands the event to the machine it concerns.
 *
 * The simulated link knows when a frame arrives, so the machines run with acks "link" and the
 * driver tells each what the link tells it: the source that the destination took the
 * completion frame or refused the migration, the destination that the source let the guest
 * go or kept it. Every run is exactly repeatable.
 *
 * A world (world.ts: the other VMs of a network) moves on with the clock: the guest never runs
 * past its horizon before the world has caught up.
 */
import { mulDivCeil, NS_PER_SECOND, VirtualClock } from "../clock.js";
import { FORWARD, RETURN, VirtualLink, type Channel } from "../link.js";
import { convergeConfig, pageEncoding, type ResolvedOptions } from "../options.js";
import { GuestPacer } from "../pacer.js";
import { DecompressQueue } from "./decompress-queue.js";
import { Destination } from "../protocol/destination.js";
import { MAIN } from "../protocol/events.js";
import { Source } from "../protocol/source.js";
import { emptyStats, type MigrationStats, type MigrationStatus } from "../stats.js";
import { formatNs } from "../units.js";
import type { MigratableVm } from "../vm-port.js";
import type { MigrationWorld } from "../world.js";

export interface MigrationResult {
  stats: MigrationStats;
  /** The VM that runs the guest now: the destination's when migrated, else the source's. */
  vm: MigratableVm;
  /** The source VM (destroyed when the migration switched over). */
  source: MigratableVm;
  migrated: boolean;
}

export class VirtualDriver {
  private readonly stats: MigrationStats;
  private readonly clock = new VirtualClock();
  private readonly link: VirtualLink;
  private readonly a: Channel;
  private readonly b: Channel;
  private readonly sourcePacer: GuestPacer;
  private sourceRunning = true;
  private readonly sender: Source;
  private readonly receiver: Destination;
  private destVm: MigratableVm | null = null;
  private destPacer: GuestPacer | null = null;
  private postcopyAsked = false;
  private cancelAsked = false;
  private readonly world: MigrationWorld | undefined;
  /** With compression: what B has received and not yet taken, behind its decompression. */
  private readonly inbox: DecompressQueue | null;

  constructor(
    private readonly source: MigratableVm,
    private readonly options: ResolvedOptions,
  ) {
    this.stats = emptyStats(options.strategy);
    this.world = options.world;
    if (options.compress) this.stats.compressNs = 0;
    this.inbox = options.compress ? new DecompressQueue(options.decompressCostPs) : null;
    this.link = new VirtualLink({
      bandwidth: options.bandwidth,
      latencyNs: options.latencyNs,
      faults: options.faults,
      onTransmit: options.onTransmit,
    });
    this.a = this.link.endpoint(FORWARD);
    this.b = this.link.endpoint(RETURN);
    this.sourcePacer = new GuestPacer(source, options.speed, 0, options.strategy === "pre-copy" ? options.dirtyLimit : 0);
    const { strategy, downtimeTargetNs, maxRounds, pushOrder, bandwidth, latencyNs, host } = options;
    const link = { acks: "link", urgentLane: false, stallTimeoutNs: Infinity } as const;
    const converge = convergeConfig(options);
    const encoding = pageEncoding(options);
    const controls = { ...(converge ? { converge } : {}), ...(encoding ? { encoding } : {}) };
    this.sender = new Source(source, { strategy, downtimeTargetNs, maxRounds, pushOrder, bandwidth, latencyNs, ...link, ...controls }, this.stats);
    this.receiver = new Destination({ host, ...link }, this.stats);
  }

  private now(): number {
    return this.clock.now();
  }

  /** Virtual time moves on to `t`, the world with it (the guest has run there). */
  private advanceTo(t: number): void {
    this.world?.advance(t);
    this.clock.advanceTo(t);
  }

  run(): MigrationResult {
    const stats = this.stats;
    let outcome: MigrationStatus | null = null;
    while (outcome === null) {
      const now = this.now();
      // Frames delivered by now first: a cut loses only what is still on the wire at its moment.
      for (const bytes of this.delivered(now)) {
        this.receiver.handle(now, { kind: "received", lane: MAIN, bytes });
        this.afterDestination(now);
        if (this.receiver.error) break;
      }
      if (this.receiver.error) {
        if (this.sender.committed) {
          stats.error = this.receiver.error;
          outcome = "paused";
        } else {
          this.sender.handle(now, { kind: "peer-failed", reason: this.receiver.error });
          outcome = this.failed(now);
        }
        continue;
      }
      for (const bytes of this.a.receive(now)) {
        this.sender.handle(now, { kind: "received", bytes });
        this.afterSource(now);
      }
      if (this.sender.status === "failed") {
        outcome = this.failed(now);
        continue;
      }
      // The source learns that the completion frame was delivered from the transport, as TCP acknowledges bytes.
      if (this.receiver.status === "completed") {
        this.sender.handle(now, { kind: "delivered" });
        this.afterSource(now);
      }
      if (this.sender.status === "completed") {
        outcome = "completed";
        continue;
      }
      const change = this.link.pollChange(now);
      if (change === "cut") {
        const reason = `the link was cut at ${formatNs(now)}`;
        this.sender.handle(now, { kind: "link-down", reason });
        this.afterSource(now);
        this.receiver.handle(now, { kind: "link-down", reason });
        this.afterDestination(now);
        if (this.sourceFailed()) outcome = this.failed(now);
        continue;
      }
      if (change === "restored") {
        this.sender.handle(now, { kind: "link-up" });
        this.afterSource(now);
        this.receiver.handle(now, { kind: "link-up" });
        this.afterDestination(now);
        continue;
      }
      if (!this.postcopyAsked && now >= this.options.startPostcopyAtNs) {
        this.postcopyAsked = true;
        this.sender.handle(now, { kind: "start-postcopy" });
        this.afterSource(now);
      }
      if (!this.cancelAsked && now >= this.options.cancelAtNs) {
        this.cancelAsked = true;
        this.sender.handle(now, { kind: "cancel" });
        if (this.sourceFailed()) outcome = this.failed(now);
        continue;
      }
      if (this.link.isUp(now) && this.a.freeAt(now) <= now && this.sender.wantsToTransmit(MAIN)) {
        const bytes = this.sender.pollTransmit(now, MAIN);
        this.afterSource(now);
        if (bytes) {
          // A compressed frame starts once the source has compressed it: the sender does one thing at a time.
          this.a.send(bytes, now + this.compressNs(this.sender.takeWork()));
          continue;
        }
      }

      let next = Math.min(this.link.nextArrival(), this.link.nextChange(), this.inbox?.nextReady() ?? Infinity);
      if (this.link.isUp(now) && this.sender.wantsToTransmit(MAIN)) next = Math.min(next, this.a.freeAt(now));
      if (!this.postcopyAsked) next = Math.min(next, this.options.startPostcopyAtNs);
      if (!this.cancelAsked) next = Math.min(next, this.options.cancelAtNs);
      if (next < now) next = now;
      if (next === Infinity) {
        outcome = this.runPaused();
        continue;
      }
      if (this.world) next = Math.min(next, Math.max(now, this.world.horizon(now)));
      if (this.sourceRunning) this.sourcePacer.runTo(next);
      const dest = this.destPacer;
      if (dest && this.receiver.stalledOn < 0) {
        const { exit, at } = dest.runTo(next);
        if (exit.reason === "page-missing") {
          this.advanceTo(Math.max(now, at));
          this.pageMissing(exit.page!);
          continue;
        }
      }
      this.advanceTo(next);
    }

    stats.status = outcome;
    stats.linkCuts = this.link.cuts;
    stats.bytesSent = this.link.bytesSent[FORWARD]!;
    stats.returnBytes = this.link.bytesSent[RETURN]!;
    stats.guestTicksDuringMigration = this.sourcePacer.ticksRun + (this.destPacer?.ticksRun ?? 0);
    stats.pagesReceivedMoreThanOnce = this.receiver.pagesReceivedMoreThanOnce();
    if (this.options.dirtyLimit > 0 && this.options.strategy === "pre-copy") stats.dirtyLimitHeldNs = this.sourcePacer.heldNs;
    if (this.inbox) stats.decompressNs = this.inbox.spentNs;
    if (outcome === "completed") {
      stats.totalNs = this.now();
      stats.downtimeNs = this.receiver.resumedAt - this.sender.stoppedAt;
    }
    const migrated = this.sender.committed;
    return { stats, vm: migrated ? this.destVm! : this.source, source: this.source, migrated };
  }

  /** The frames the destination takes by `now`: as delivered, or with compression after decompressing those before them. */
  private delivered(now: number): Iterable<Uint8Array> {
    const inbox = this.inbox;
    if (!inbox) return this.b.receive(now);
    for (const bytes of this.b.receive(now)) inbox.push(now, bytes);
    const frames: Uint8Array[] = [];
    for (let bytes = inbox.take(now); bytes; bytes = inbox.take(now)) frames.push(bytes);
    return frames;
  }

  /** Virtual ns the source spends compressing `bytes` page bytes (counted in the statistics). */
  private compressNs(bytes: number): number {
    if (bytes === 0) return 0;
    const ns = mulDivCeil(bytes, this.options.compressCostPs, 1000);
    this.stats.compressNs! += ns;
    return ns;
  }

  /** The source machine's actions: the guest on A, progress, and what the link tells B of the commit. */
  private afterSource(now: number): void {
    for (let action = this.sender.pollAction(); action; action = this.sender.pollAction()) {
      switch (action.kind) {
        case "stop-guest":
          this.sourceRunning = false;
          break;
        case "resume-guest":
          this.sourceRunning = true;
          this.sourcePacer.release(now);
          break;
        case "throttle":
          this.sourcePacer.throttle(now, action.percent);
          break;
        case "release-guest":
          this.source.destroy();
          this.world?.released(now);
          this.receiver.handle(now, { kind: "committed" });
          this.afterDestination(now);
          break;
        case "progress":
          this.options.onProgress?.(action.event);
          break;
      }
    }
  }

  /** The destination machine's actions on B's guest, then its return frames onto the link. */
  private afterDestination(now: number): void {
    for (let action = this.receiver.pollAction(); action; action = this.receiver.pollAction()) {
      switch (action.kind) {
        case "restored":
          this.destVm = action.vm;
          break;
        case "resume-guest":
          this.destPacer = new GuestPacer(this.destVm!, this.options.speed, now);
          this.world?.arrived(this.destVm!, now);
          break;
        case "wake-guest":
          this.destPacer!.resumeAt(now);
          break;
        case "discard-guest":
          this.destVm!.destroy();
          this.destVm = null;
          this.destPacer = null;
          break;
      }
    }
    while (this.link.isUp(now)) {
      const bytes = this.receiver.pollTransmit();
      if (!bytes) break;
      this.b.send(bytes, now);
    }
  }

  private pageMissing(page: number): void {
    this.receiver.handle(this.now(), { kind: "page-missing", page });
    this.afterDestination(this.now());
  }

  /** (A method, so that the check is made after the events that may have failed it.) */
  private sourceFailed(): boolean {
    return this.sender.status === "failed";
  }

  /** Before the commit: the destination drops what it built and the guest goes on here. */
  private failed(now: number): "failed" {
    this.afterSource(now);
    this.stats.error = this.sender.error;
    this.stats.totalNs = now;
    this.receiver.handle(now, { kind: "abort", reason: this.sender.error! });
    this.afterDestination(now);
    return "failed";
  }

  /** Nothing more will happen on the link: let the destination guest run until it needs a page. */
  private runPaused(): "paused" | "failed" {
    const now = this.now();
    const dest = this.destPacer;
    if (!this.sender.committed || !dest) {
      this.sender.handle(now, { kind: "link-down", reason: "the migration stalled" });
      this.afterSource(now);
      return this.failed(now);
    }
    if (this.receiver.stalledOn < 0) {
      const limit = now + mulDivCeil(this.options.pausedRunLimit, NS_PER_SECOND, this.options.speed);
      const { exit, at } = dest.runTo(limit);
      this.advanceTo(Math.max(now, at));
      if (exit.reason === "page-missing") this.pageMissing(exit.page!);
    }
    this.stats.error ??= "the link is down; the destination waits for it to come back";
    return "paused";
  }
}
