/**
 * The real driver's source side: `startMigration(guest, options)` moves a guest that runs on
 * this host's loop to a destination's migration listener over TCP, with the protocol's source
 * machine (protocol/source.ts) on the wall clock.
 *
 *   const out = startMigration(guest, { host, port, token, strategy: "pre-copy", bandwidth: 1e9 });
 *   out.on("status", (status, detail) => …);    // setup, active, postcopy-active, postcopy-paused,
 *                                               // postcopy-recover, completed, failed, cancelled
 *   out.on("progress", (event) => …);           // phase, completed share, time left
 *   out.on("frame", (direction, bytes, length) => …);   // each frame sent ("forward") or come back ("return"): at least its header, and its length
 *   out.stats;                                  // live, as query-migrate shows them
 *   out.cancel(); out.startPostcopy(); out.recover({ host, port });
 *   const { status, migrated, stats, error } = await out.result;
 *
 * Two connections: the stream (setup, pages, state, completion), paced by a token bucket when
 * `bandwidth` is set and by the socket's backpressure always; and the urgent lane, which
 * carries the destination's return frames and, source to destination, requested pages and
 * the commit, so that they never wait behind background pages (QEMU's postcopy-preempt).
 * With `multifdChannels` N more connections carry the pages of stop-copy and pre-copy
 * (multifd.ts), within the same bucket.
 * The stream's bandwidth is measured every 100 ms and fed to the switch-over decision.
 *
 * Before the commit any failure — a refused hello, a reset, a stall, a cancel, the
 * destination's refusal — resumes the guest here and ends `failed` (or `cancelled`). After
 * it, a broken connection pauses (`postcopy-paused`, also for a stop-copy or pre-copy whose
 * last word was lost) and the driver reconnects by itself with growing delays, or at once on
 * `recover()`; the destination says which pages it still lacks and the migration goes on.
 */
import { EventEmitter } from "node:events";
import { UserError } from "../../../isa/errors.js";
import { autoConvergeOf, DEFAULTS, type PushOrder } from "../options.js";
import type { AutoConverge, ConvergeConfig } from "../protocol/converge.js";
import { MAIN, URGENT, type Lane as LaneNumber } from "../protocol/events.js";
import { Source } from "../protocol/source.js";
import { emptyStats, type MigrationStats, type ProgressEvent } from "../stats.js";
import { FRAME_CODE, type Strategy } from "../stream/frames.js";
import { MAX_GATHERED_RUN_PAGES, MAX_RUN_PAGES } from "../stream/pages-frame.js";
import { PAGE_SIZE } from "../../../isa/arch.js";
import { dial, type Address, type Dialled } from "./dial.js";
import type { GuestControl } from "./guest-control.js";
import { helloFrame, helloOpening } from "./hello.js";
import { Lane } from "./lane.js";
import { ChannelSender, channelLabel, FIRST_CHANNEL_LANE, MAX_MULTIFD_CHANNELS } from "./multifd.js";
import { TokenBucket } from "./token-bucket.js";
import { WallClock } from "./wall-clock.js";
import { WakeTimer } from "./wake-timer.js";
import { WINDOW_NS, WireMeter } from "./wire-meter.js";

export interface OutgoingOptions extends Address {
  /** The one-time token the destination prepared. */
  token: string;
  strategy: Strategy;
  /** Bytes per second on the stream; absent: as fast as the connection goes. */
  bandwidth?: number;
  downtimeTargetNs?: number;
  maxRounds?: number;
  pushOrder?: PushOrder;
  /** Connections for the pages beside the stream (multifd.ts; stop-copy and pre-copy); 0 or absent: none. */
  multifdChannels?: number;
  /** Pre-copy: QEMU's auto-converge (true: 20%, then 10% more, up to 99%), applied through the guest's `slow`. */
  autoConverge?: boolean | Partial<AutoConverge>;
  /** Pre-copy: most distinct pages the guest may dirty per second (QEMU's dirty limit); 0 or absent: none. */
  dirtyLimit?: number;
  /** Pre-copy: turn into post-copy after this many rounds (virsh --postcopy-after-precopy); absent: not. */
  postcopyAfterRounds?: number;
  /** Pre-copy: turn into post-copy when the model says pre-copy cannot reach the downtime target (policy auto, converge.ts). */
  postcopyAuto?: boolean;
  /** Pre-copy: XBZRLE's cache in bytes (0 or absent: off). */
  xbzrleCache?: number;
  /** Compress the pages that go whole (LZ4); its cost is the wall time it takes. */
  compress?: boolean;
  /** Nothing moving for this long counts as a broken connection (default 10 s). */
  stallTimeoutMs?: number;
  /** Connecting and the hello's answer, each (default 5 s). */
  connectTimeoutMs?: number;
  /** Reconnection after a break past the commit: the first delay, doubled up to the last (default 100 ms to 5 s). */
  reconnectDelayMs?: { first: number; max: number };
}

export type OutgoingStatus =
  | "setup"
  | "active"
  | "postcopy-active"
  | "postcopy-paused"
  | "postcopy-recover"
  | "completed"
  | "failed"
  | "cancelled";

export interface OutgoingResult {
  status: "completed" | "failed" | "cancelled";
  /** Whether the destination holds the guest (the guest here was released). */
  migrated: boolean;
  stats: MigrationStats;
  error: string | null;
}

/** What the switch-over decision assumes of an unlimited link until the wire has been measured. */
const UNLIMITED_ESTIMATE = 1_000_000_000;
/** The urgent lane is served first. */
const PUMP_ORDER: readonly LaneNumber[] = [URGENT, MAIN];

/** Auto-converge for the source machine's config (converge.ts); the host's own post-copy switch stays its own. */
function convergeOf(options: OutgoingOptions): { converge?: ConvergeConfig } {
  const autoConverge = autoConvergeOf(options.autoConverge);
  const after = options.postcopyAfterRounds;
  const postcopy = options.postcopyAuto ? "auto" : after ? "after" : "never";
  if ((!autoConverge && postcopy === "never") || options.strategy !== "pre-copy") return {};
  // The engine decides the switch as a round ends, before the next round starts: no race with it.
  return { converge: { autoConverge, postcopy, postcopyAfterRounds: after ?? 1 } };
}

export function startMigration(guest: GuestControl, options: OutgoingOptions): OutgoingMigration {
  return new OutgoingMigration(guest, options);
}

export class OutgoingMigration extends EventEmitter {
  readonly stats: MigrationStats;
  status: OutgoingStatus = "setup";
  readonly result: Promise<OutgoingResult>;
  private resolve!: (result: OutgoingResult) => void;
  private readonly clock = new WallClock();
  private readonly machine: Source;
  private address: Address;
  private lanes: [Lane, Lane] | null = null;
  /** The multifd channels of the first connection; a reconnection (past the commit) has none. */
  private channels: ChannelSender | null = null;
  private session = "";
  private generation = 0;
  private readonly timer = new WakeTimer(this.clock, () => this.step((now) => this.machine.handle(now, { kind: "timer" })));
  private reconnectTimer: NodeJS.Timeout | null = null;
  private meterTimer: NodeJS.Timeout | null = null;
  private meter: WireMeter | null = null;
  private readonly bucket: TokenBucket | null;
  private reconnectDelay: number;
  private reconnecting = false;
  private cancelled = false;
  private ended = false;
  private readonly ticksAtStart: number;
  /** What the dirty limit had held the guest before this migration (the runner counts from its start). */
  private heldAtStart = 0;
  /** Bytes of the lanes of earlier connections, each direction. */
  private bytesBefore = { sent: 0, received: 0 };

  constructor(
    private readonly guest: GuestControl,
    private readonly options: OutgoingOptions,
  ) {
    super();
    const channels = options.multifdChannels ?? 0;
    if (!Number.isInteger(channels) || channels < 0 || channels > MAX_MULTIFD_CHANNELS) {
      throw new UserError(`multifd channels: ${channels} is not a whole number from 0 to ${MAX_MULTIFD_CHANNELS}`);
    }
    if (channels > 0 && options.strategy === "post-copy") {
      throw new UserError("multifd channels carry the pages of stop-copy and pre-copy; post-copy sends its pages on the stream and the urgent lane");
    }
    const now = this.clock.now();
    this.address = { host: options.host, port: options.port };
    this.stats = emptyStats(options.strategy);
    this.bucket = options.bandwidth ? new TokenBucket(options.bandwidth, Math.max(64 << 10, options.bandwidth / 100), now) : null;
    this.reconnectDelay = options.reconnectDelayMs?.first ?? 100;
    this.ticksAtStart = guest.vm.ticks;
    this.machine = new Source(
      guest.vm,
      {
        strategy: options.strategy,
        downtimeTargetNs: options.downtimeTargetNs ?? DEFAULTS.downtimeTargetNs,
        maxRounds: options.maxRounds ?? DEFAULTS.maxRounds,
        pushOrder: options.pushOrder ?? DEFAULTS.pushOrder,
        bandwidth: options.bandwidth ?? UNLIMITED_ESTIMATE,
        latencyNs: 0,
        acks: "frames",
        urgentLane: true,
        stallTimeoutNs: (options.stallTimeoutMs ?? 10_000) * 1e6,
        ...convergeOf(options),
        pageRun: this.pageRun,
        gatheredRun: this.gatheredRun,
        // The stream's lane writes a stopped guest's pages from its memory (a channel routes whole frames).
        gatherStopped: channels === 0,
        ...(options.xbzrleCache || options.compress ? { encoding: { xbzrleCache: options.xbzrleCache ?? 0, compress: options.compress ?? false } } : {}),
      },
      this.stats,
      now,
    );
    this.result = new Promise((resolve) => (this.resolve = resolve));
    if (this.dirtyLimit > 0) {
      guest.slow?.(0, this.dirtyLimit);
      this.heldAtStart = guest.dirtyLimitHeldNs?.() ?? 0;
      this.stats.dirtyLimitHeldNs = 0;
    }
    void this.connect(false);
  }

  /**
   * Most consecutive pages a frame carries (stream/pages-frame.ts): as many as a slab holds, and
   * no more than the token bucket's burst, so that a bandwidth limit still paces frame by frame.
   */
  private get pageRun(): number {
    return Math.max(1, Math.min(MAX_RUN_PAGES, this.burstPages));
  }

  /** Most consecutive pages a frame written from the stopped guest's memory carries: as many as such a frame may, within the burst. */
  private get gatheredRun(): number {
    return Math.max(1, Math.min(MAX_GATHERED_RUN_PAGES, this.burstPages));
  }

  private get burstPages(): number {
    return this.bucket ? Math.floor(this.bucket.burst / PAGE_SIZE) : Infinity;
  }

  /** The statistics' dirtyLimitHeldNs, as the guest's runner has counted it since the start, kept current for query-migrate. */
  private noteDirtyLimitHeld(): void {
    if (this.stats.dirtyLimitHeldNs === undefined) return;
    this.stats.dirtyLimitHeldNs = Math.round((this.guest.dirtyLimitHeldNs?.() ?? 0) - this.heldAtStart);
  }

  /** The dirty limit a pre-copy applies (0: none). */
  private get dirtyLimit(): number {
    return this.options.strategy === "pre-copy" ? (this.options.dirtyLimit ?? 0) : 0;
  }

  /** Whether a cancel would still resume the guest here (not once the destination holds it). */
  get canCancel(): boolean {
    return !this.ended && this.machine.canCancel;
  }

  /**
   * Ends a migration past its commit without finishing it (this host stops): the destination
   * holds the guest, and the pages it still lacks are lost with this side.
   */
  abandon(reason: string): void {
    if (this.ended) return;
    const lost = this.machine.committed && this.machine.status !== "completed" ? "; the pages the destination still lacked are lost" : "";
    this.end("failed", `${reason}${lost}`);
  }

  /** Gives up and resumes the guest here; refused once the destination holds the guest. */
  cancel(): void {
    if (this.ended) return;
    if (!this.machine.canCancel) throw new UserError("migrate-cancel: the destination already holds the guest; the migration can only go on");
    this.cancelled = true;
    this.step((now) => this.machine.handle(now, { kind: "cancel" }));
  }

  /** Turns the running pre-copy into post-copy now (QEMU's migrate-start-postcopy). */
  startPostcopy(): void {
    if (!this.machine.canStartPostcopy) {
      throw new UserError("migrate-start-postcopy: only a pre-copy whose rounds still run can turn into post-copy");
    }
    this.step((now) => this.machine.handle(now, { kind: "start-postcopy" }));
  }

  /** After a break past the commit: reconnect now, to `address` if given (the destination listens elsewhere). */
  recover(address?: Address): void {
    if (this.status !== "postcopy-paused" && this.status !== "postcopy-recover") {
      throw new UserError("migrate-recover: the migration is not paused");
    }
    if (address) this.address = address;
    this.reconnectDelay = this.options.reconnectDelayMs?.first ?? 100;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (!this.reconnecting) void this.connect(true);
  }

  private async connect(recover: boolean): Promise<void> {
    const generation = ++this.generation;
    this.dropLanes();
    this.reconnecting = recover;
    if (recover) this.setStatus("postcopy-recover");
    const timeout = this.options.connectTimeoutMs ?? 5_000;
    const hello = { token: this.options.token, session: this.session, recover };
    let main: Dialled | null = null;
    /** The lanes dialled beside the stream, to close if another fails. */
    const dialled: Dialled[] = [];
    try {
      // The stream's prologue opens the first connection; a reconnection opens with its own.
      const opening = recover ? helloOpening({ ...hello, lane: MAIN }) : this.firstOpening(hello);
      main = await dial(this.address, opening, "the stream", timeout);
      this.session = main.session;
      const urgent = await dial(this.address, helloOpening({ ...hello, session: this.session, lane: URGENT }), "the urgent lane", timeout);
      dialled.push(urgent);
      const count = recover ? 0 : (this.options.multifdChannels ?? 0);
      // All at once; each that opened is closed below if another did not.
      const attempts = await Promise.allSettled(
        Array.from({ length: count }, (_, i) => dial(this.address, helloOpening({ ...hello, session: this.session, lane: FIRST_CHANNEL_LANE + i }), channelLabel(i), timeout)),
      );
      const channels = attempts.flatMap((attempt) => (attempt.status === "fulfilled" ? [attempt.value] : []));
      dialled.push(...channels);
      const refused = attempts.find((attempt) => attempt.status === "rejected");
      if (refused) throw refused.reason;
      if (generation !== this.generation || this.ended) {
        for (const lane of [main, ...dialled]) lane.socket.destroy();
        return;
      }
      this.up(main, urgent, channels, recover);
    } catch (error) {
      for (const lane of [main, ...dialled]) lane?.socket.destroy();
      if (generation !== this.generation || this.ended) return;
      this.reconnecting = false;
      const reason = (error as Error).message;
      if (!recover) return this.step((now) => this.machine.handle(now, { kind: "link-down", reason }));
      if (/the destination refused/.test(reason)) return this.end("failed", `the destination will not resume the migration: ${reason}`);
      this.setStatus("postcopy-paused", reason);
      this.scheduleReconnect();
    }
  }

  private firstOpening(hello: { token: string; session: string; recover: boolean }): Uint8Array {
    const prologue = this.machine.pollTransmit(this.clock.now(), MAIN)!;
    const frame = helloFrame({ ...hello, lane: MAIN });
    const bytes = new Uint8Array(prologue.length + frame.length);
    bytes.set(prologue);
    bytes.set(frame, prologue.length);
    return bytes;
  }

  private up(main: Dialled, urgent: Dialled, channels: Dialled[], recovered: boolean): void {
    const generation = this.generation;
    const lanes: [Lane, Lane] = [
      new Lane(main.socket, "the stream", main.reader, this.bucket),
      new Lane(urgent.socket, "the urgent lane", urgent.reader),
    ];
    this.lanes = lanes;
    if (channels.length > 0) this.upChannels(lanes[MAIN], channels, generation);
    this.reconnecting = false;
    this.reconnectDelay = this.options.reconnectDelayMs?.first ?? 100;
    const now = this.clock.now();
    this.meter = new WireMeter(now);
    this.meterTimer = setInterval(() => this.measure(), WINDOW_NS / 1e6);
    // The machine hears that the link is back before any frame that came with the welcome.
    if (recovered) {
      const cut = this.stats.linkCuts[this.stats.linkCuts.length - 1];
      if (cut) cut.restoredAt = now;
      this.step((t) => this.machine.handle(t, { kind: "link-up" }));
    } else {
      this.stats.setupNs = now;
      // The hello's round trip: the one-way latency the downtime estimate adds.
      this.machine.config.latencyNs = Math.round(main.rttNs / 2);
      this.step(() => {});
    }
    for (const lane of lanes) {
      lane.attach({
        onTransmission: (bytes) => {
          // The destination counts its requests as it sends them; the source counts those that came.
          if (bytes[0] === FRAME_CODE.request) this.stats.postcopyRequests++;
          this.emit("frame", "return", bytes, bytes.length);
          this.step((t) => this.machine.handle(t, { kind: "received", bytes }));
        },
        onDrain: () => this.step(() => {}),
        onBroken: (reason) => this.broken(generation, reason),
      });
    }
  }

  /** The channels carry pages one way: anything the destination sends on one is a broken channel. */
  private upChannels(main: Lane, dialled: Dialled[], generation: number): void {
    const channels = dialled.map((channel, i) => new Lane(channel.socket, channelLabel(i), channel.reader));
    this.channels = new ChannelSender(main, channels);
    this.stats.multifd = { channels: channels.length, channelBytes: channels.map(() => 0), syncPoints: 0 };
    for (const channel of channels) {
      channel.attach({
        onTransmission: () => channel.drop("the destination sent a frame on a channel that carries pages to it"),
        onDrain: () => this.step(() => {}),
        onBroken: (reason) => this.broken(generation, reason),
      });
    }
  }

  /** Bytes the kernel took on the stream and its channels. */
  private get streamBytesWritten(): number {
    return this.lanes![MAIN].bytesWritten + (this.channels?.channelBytes.reduce((sum, n) => sum + n, 0) ?? 0);
  }

  private measure(): void {
    if (!this.lanes || !this.meter) return;
    const now = this.clock.now();
    const bytesPerSecond = this.meter.sample(now, this.streamBytesWritten);
    this.recordChannels();
    if (bytesPerSecond !== null) this.step((t) => this.machine.handle(t, { kind: "bandwidth", bytesPerSecond }));
  }

  private broken(generation: number, reason: string): void {
    if (generation !== this.generation || this.ended) return;
    this.generation++;
    this.dropLanes();
    this.stats.linkCuts.push({ at: this.clock.now(), restoredAt: null });
    this.step((now) => this.machine.handle(now, { kind: "link-down", reason }));
  }

  /** Runs one change of the machine, then its actions, the lanes' frames, and what follows from its status. */
  private step(change: (now: number) => void): void {
    if (this.ended) return;
    change(this.clock.now());
    this.act();
    this.pump();
    this.settle();
  }

  private act(): void {
    this.noteDirtyLimitHeld();
    for (let action = this.machine.pollAction(); action; action = this.machine.pollAction()) {
      switch (action.kind) {
        case "stop-guest":
          this.guest.stop();
          break;
        case "resume-guest":
          this.guest.slow?.(0, 0);
          this.guest.resume();
          break;
        case "throttle":
          this.guest.slow?.(action.percent, this.dirtyLimit);
          break;
        case "release-guest":
          this.guest.release();
          break;
        case "progress":
          this.emit("progress", action.event satisfies ProgressEvent);
          break;
        case "close":
          this.generation++;
          this.dropLanes();
          this.stats.linkCuts.push({ at: this.clock.now(), restoredAt: null });
          break;
      }
    }
  }

  /** Frames onto the lanes while they take them: urgent first, the stream within its bucket. */
  private pump(): void {
    const lanes = this.lanes;
    if (!lanes) return this.armTimer(Infinity);
    let wait = Infinity;
    const channels = this.channels;
    for (const number of PUMP_ORDER) {
      const lane = lanes[number];
      const viaChannels = number === MAIN && channels !== null;
      while (lane.writable && (!viaChannels || channels.writable) && this.machine.wantsToTransmit(number)) {
        const now = this.clock.now();
        const bucketWait = lane.bucket?.waitNs(now) ?? 0;
        if (bucketWait > 0) {
          wait = bucketWait;
          break;
        }
        const bytes = this.machine.pollTransmit(now, number);
        this.act();
        if (!bytes) break;
        const body = this.machine.takeBody();
        if (viaChannels) channels.write(bytes, !this.machine.postCopy);
        else lane.write(bytes);
        if (body) lane.write(body);
        const length = bytes.length + (body?.length ?? 0);
        lane.bucket?.take(length, now);
        this.emit("frame", "forward", bytes, length);
      }
      // The commit, an abort, a requested page: out before the rest of the turn (the status's listeners).
      if (number === URGENT) lane.flush();
    }
    this.armTimer(wait);
  }

  /** One timer: the machine's (a stalled link) or the bucket's (tokens again), whichever is first. */
  private armTimer(bucketWaitNs: number): void {
    if (this.ended) return;
    this.timer.at(Math.min(this.machine.nextTimer(), this.clock.now() + bucketWaitNs));
  }

  private settle(): void {
    const m = this.machine;
    if (m.status === "completed") return this.end("completed", null);
    if (m.status === "failed") return this.end(this.cancelled ? "cancelled" : "failed", m.error);
    if (m.status === "paused") {
      if (this.reconnecting) return;
      this.setStatus("postcopy-paused", m.phase);
      return this.scheduleReconnect();
    }
    if (!this.lanes) return;
    const postcopy = m.stoppedAt >= 0 && this.machine.postCopy;
    this.setStatus(postcopy ? "postcopy-active" : "active", m.phase);
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.ended) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, this.options.reconnectDelayMs?.max ?? 5_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect(true);
    }, delay);
  }

  private dropLanes(): void {
    if (!this.lanes) return;
    if (this.meterTimer) clearInterval(this.meterTimer);
    this.meterTimer = null;
    for (const lane of this.countLanes()) lane.drop("closed here");
    this.lanes = null;
    this.channels = null;
  }

  /** The lanes and channels now, their bytes added to those of earlier connections. */
  private countLanes(): Lane[] {
    const channels = this.channels;
    const lanes = [...(this.lanes ?? []), ...(channels?.channels ?? [])];
    for (const lane of lanes) {
      this.bytesBefore.sent += lane.bytesWritten;
      this.bytesBefore.received += lane.socket.bytesRead;
    }
    this.recordChannels();
    return lanes;
  }

  /** The channels' figures into the statistics (at each bandwidth sample, and at the end). */
  private recordChannels(): void {
    const channels = this.channels;
    if (!channels || !this.stats.multifd) return;
    this.stats.multifd.channelBytes = channels.channelBytes;
    this.stats.multifd.syncPoints = channels.syncPoints;
  }

  private end(status: OutgoingResult["status"], error: string | null): void {
    if (this.ended) return;
    this.ended = true;
    this.timer.clear();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.meterTimer) clearInterval(this.meterTimer);
    const now = this.clock.now();
    const stats = this.stats;
    if (this.lanes) {
      const [main, urgent, ...channels] = this.countLanes();
      // A failure's abort travels on the urgent lane: the stream and the channels end after it.
      urgent!.finish();
      for (const lane of [main!, ...channels]) lane.finishAfter(urgent!);
      this.lanes = null;
      this.channels = null;
    }
    stats.status = status === "completed" ? "completed" : "failed";
    stats.error = error;
    stats.totalNs = now;
    stats.bytesSent = this.bytesBefore.sent;
    stats.returnBytes = this.bytesBefore.received;
    stats.guestTicksDuringMigration = this.guest.vm.ticks - this.ticksAtStart;
    this.noteDirtyLimitHeld();
    this.setStatus(status, error ?? undefined);
    this.resolve({ status, migrated: this.machine.committed, stats, error });
  }

  private setStatus(status: OutgoingStatus, detail?: string): void {
    if (status === this.status) return;
    this.status = status;
    this.emit("status", status, detail);
  }
}
