/**
 * The real driver's destination side: one incoming migration, the protocol's destination
 * machine (protocol/destination.ts) on the wall clock, fed by the lanes the listener
 * (listener.ts) hands it.
 *
 *   const slot = listener.expect({ guest: (vm) => new WallClockGuest(vm, { speed, running: false }) });
 *   slot.token;                                  // give it to the source
 *   slot.on("status", (status, detail) => …);    // waiting, active, postcopy-active,
 *                                                // postcopy-paused, in-doubt, completed, failed, cancelled
 *   slot.on("guest", (guest) => …);              // the guest runs here from now on
 *   const { status, guest, stats, error } = await slot.result;
 *
 * Its lanes are the stream, the urgent lane and, with multifd, the channels, whose pages the
 * machine takes as the stream's while a gate (multifd.ts) holds both sides at each sync point.
 * The VM is built through the listener's `VmHost` once its state has arrived and checked, and
 * handed to the owner's `guest` factory, which returns it stopped; the driver resumes it once
 * the source has let it go. `in-doubt`: the connection broke after this side said it holds the
 * guest and before the source's commit came; the guest waits here, not running, until the
 * source reconnects (it committed) or the owner cancels (it knows the source kept the guest).
 * `postcopy-paused`: the guest is here, pages are still at the source, and the connection
 * broke; the guest runs until it needs one of them, and the source reconnects to send them.
 * If the source is gone for good, those pages are lost with it: the destination stays paused
 * and says so; nothing can finish the guest then.
 */
import { EventEmitter } from "node:events";
import type { Memory } from "../../../isa/memory.js";
import { UserError } from "../../../isa/errors.js";
import { Destination } from "../protocol/destination.js";
import { MAIN, URGENT, type Lane as LaneNumber } from "../protocol/events.js";
import { emptyStats, type MigrationStats } from "../stats.js";
import type { MigratableVm, VmHost } from "../vm-port.js";
import type { GuestControl } from "./guest-control.js";
import type { Lane } from "./lane.js";
import { ChannelGate, channelLabel, FIRST_CHANNEL_LANE, isSync } from "./multifd.js";
import { WakeTimer } from "./wake-timer.js";
import { WallClock } from "./wall-clock.js";

export type IncomingStatus =
  | "waiting"
  | "active"
  | "postcopy-active"
  | "postcopy-paused"
  | "in-doubt"
  | "completed"
  | "failed"
  | "cancelled";

export interface IncomingResult {
  status: "completed" | "failed" | "cancelled";
  /** The guest, running here, when the migration completed. */
  guest: GuestControl | null;
  stats: MigrationStats;
  error: string | null;
}

export interface IncomingSettings {
  host: VmHost;
  stallTimeoutNs: number;
  /** Builds the owner's control of a VM that arrived, stopped. */
  guest: (vm: MigratableVm) => GuestControl;
  /** Memory to reuse for the VM, when there is some of its size, its bytes as the last VM left them (spare-memory.ts). */
  memory?: (size: number) => Memory | null;
}

export class IncomingMigration extends EventEmitter {
  readonly stats = emptyStats("stop-copy");
  status: IncomingStatus = "waiting";
  guest: GuestControl | null = null;
  readonly result: Promise<IncomingResult>;
  /** The session the source's lanes name, once the first lane came. */
  session: string | null = null;
  private resolve!: (result: IncomingResult) => void;
  private readonly clock = new WallClock();
  private machine: Destination | null = null;
  private lanes: [Lane | null, Lane | null] = [null, null];
  /** The multifd channels of this connection of the source's, by number, as they came (none without multifd). */
  private channels: Lane[] = [];
  private gate = this.newGate();
  private generation = 0;
  /** The time of the transmissions being received now, or null between turns. */
  private turnNow: number | null = null;
  private readonly timer = new WakeTimer(this.clock, () => this.step((now) => this.machine!.handle(now, { kind: "timer" })));
  private cancelled = false;
  /** The result is given (a completed migration still answers a source that reconnects to hear `done`). */
  private resolved = false;
  /** Failed, cancelled, or forgotten by the listener: nothing more happens. */
  private closed = false;
  private ticksAtRestore = 0;
  private bytes = { sent: 0, received: 0 };

  constructor(
    readonly token: string,
    private readonly settings: IncomingSettings,
  ) {
    super();
    this.result = new Promise((resolve) => (this.resolve = resolve));
  }

  /** Whether a new first lane may start the migration (the token is spent once one has). */
  get unused(): boolean {
    return this.machine === null && !this.closed;
  }

  /** Whether lanes of this session may connect: its urgent lane, or either lane reconnecting. */
  get open(): boolean {
    return this.machine !== null && !this.closed;
  }

  /** Whether a cancel would give the migration up (not once the guest is the only copy, here). */
  get canCancel(): boolean {
    return !this.resolved && (!this.machine || this.machine.canCancel);
  }

  /** Gives up before the source let the guest go; refused once the guest is the only copy, here. */
  cancel(): void {
    if (this.resolved) return;
    if (this.machine && !this.machine.canCancel) throw new UserError("migrate-cancel: the source has let the guest go; it runs only here now");
    this.cancelled = true;
    if (!this.machine) return this.end("cancelled", "the destination cancelled the migration");
    this.step((now) => this.machine!.handle(now, { kind: "cancel" }));
  }

  /** The first lane: the stream, opened with the prologue the machine checks too. */
  attachStream(lane: Lane, prologue: Uint8Array, session: string): void {
    const now = this.clock.now();
    this.session = session;
    const { host, stallTimeoutNs, memory } = this.settings;
    this.machine = new Destination({ host, acks: "frames", urgentLane: true, stallTimeoutNs, ...(memory ? { memory } : {}) }, this.stats, now);
    this.machine.handle(now, { kind: "received", lane: MAIN, bytes: prologue });
    this.attach(MAIN, lane);
  }

  /** Another lane of this session: the urgent one, either one reconnecting, or a multifd channel. */
  attachLane(number: number, lane: Lane): void {
    if (number >= FIRST_CHANNEL_LANE) return this.attachChannel(number - FIRST_CHANNEL_LANE, lane);
    this.lanes[number as LaneNumber]?.drop("replaced by a new connection");
    this.attach(number as LaneNumber, lane);
  }

  /** A multifd channel: its pages go to the machine as the stream's, its sync points to the gate. */
  private attachChannel(channel: number, lane: Lane): void {
    if (this.channels[channel]) return lane.drop(`a second ${channelLabel(channel)}`);
    const generation = this.generation;
    this.channels[channel] = lane;
    lane.attach({
      onTransmission: (bytes) => {
        if (isSync(bytes)) return this.gate.onChannelSync(channel, bytes);
        this.receive(MAIN, bytes, channel);
      },
      onTransmissionsEnd: () => this.endTurn(),
      onBytes: () => this.heard(),
      onDrain: () => {},
      onBroken: (reason) => this.broken(generation, reason),
    });
  }

  private newGate(): ChannelGate {
    return new ChannelGate(
      () => this.lanes[MAIN],
      () => this.channels,
    );
  }

  /** The listener forgets the migration (it closes, or a completed one has lingered long enough). */
  forget(reason: string): void {
    this.timer.clear();
    this.closed = true;
    for (const lane of this.allLanes()) lane.drop(reason);
  }

  private attach(number: LaneNumber, lane: Lane): void {
    const generation = this.generation;
    this.lanes[number] = lane;
    // The machine hears that the link is back before any frame that came with the hello.
    const whole = this.lanes[MAIN] !== null && this.lanes[URGENT] !== null;
    if (whole && this.machine!.status !== "active") this.step((now) => this.machine!.handle(now, { kind: "link-up" }));
    else this.step(() => {});
    lane.attach({
      onTransmission: (bytes) => {
        if (number === MAIN && isSync(bytes)) return this.gate.onStreamSync(bytes);
        this.receive(number, bytes);
      },
      onTransmissionsEnd: () => this.endTurn(),
      onDrain: () => this.step(() => {}),
      onBroken: (reason) => this.broken(generation, reason),
      onBytes: () => this.heard(),
      place: (head) => (this.closed ? null : (this.machine?.placement(number, head) ?? null)),
      onPlaced: (head, pages) => this.receive(number, head, undefined, pages),
    });
  }

  private broken(generation: number, reason: string): void {
    if (generation !== this.generation || this.closed) return;
    this.generation++;
    this.dropLanes(reason);
    this.step((now) => this.machine!.handle(now, { kind: "link-down", reason }));
  }

  private dropLanes(reason: string): void {
    this.countBytes();
    for (const lane of this.allLanes()) lane.drop(reason);
    this.lanes = [null, null];
    this.channels = [];
    this.gate = this.newGate();
  }

  private allLanes(): Lane[] {
    return [...this.lanes.filter((lane) => lane !== null), ...this.channels.filter((lane) => lane !== undefined)];
  }

  /** Adds the current lanes' bytes to those of earlier ones (before the lanes go). */
  private countBytes(): void {
    for (const lane of this.allLanes()) {
      this.bytes.sent += lane.bytesWritten;
      this.bytes.received += lane.socket.bytesRead;
    }
  }

  private step(change: (now: number) => void): void {
    if (this.closed || !this.machine) return;
    change(this.clock.now());
    this.endTurn();
  }

  /**
   * A transmission to the machine, at the time its piece of the byte stream came: what follows
   * from it is done once that piece is through (`endTurn`), not per frame — 16 page frames
   * come in one read, and a turn per frame cost as much as installing the page.
   */
  private receive(lane: LaneNumber, bytes: Uint8Array, channel?: number, placed?: Uint8Array): void {
    if (this.closed || !this.machine) return;
    this.turnNow ??= this.clock.now();
    if (placed) return this.machine.handle(this.turnNow, { kind: "received", lane, bytes, placed });
    this.machine.handle(this.turnNow, channel === undefined ? { kind: "received", lane, bytes } : { kind: "received", lane, bytes, channel });
  }

  /** Bytes came on a lane: the source is alive, even while a large frame is still on its way. */
  private heard(): void {
    if (!this.closed && this.machine) this.machine.handle(this.clock.now(), { kind: "heard" });
  }

  /** The machine's actions, the return frames and the status, after what it was told. */
  private endTurn(): void {
    this.turnNow = null;
    if (this.closed || !this.machine) return;
    this.act();
    this.flush();
    this.settle();
  }

  private act(): void {
    const machine = this.machine!;
    for (let action = machine.pollAction(); action; action = machine.pollAction()) {
      switch (action.kind) {
        case "restored": {
          const guest = this.settings.guest(action.vm);
          guest.onPageMissing((page) => this.step((now) => this.machine!.handle(now, { kind: "page-missing", page })));
          this.guest = guest;
          this.ticksAtRestore = action.vm.ticks;
          break;
        }
        case "resume-guest":
          this.guest!.resume();
          this.emit("guest", this.guest);
          break;
        case "wake-guest":
          this.guest!.pageArrived(action.page);
          break;
        case "discard-guest":
          this.guest!.release();
          this.guest = null;
          break;
        case "close":
          this.generation++;
          this.dropLanes(action.reason);
          break;
      }
    }
  }

  /** Return frames onto the urgent lane, while it takes them. */
  private flush(): void {
    const lane = this.lanes[URGENT];
    while (lane && lane.writable) {
      const bytes = this.machine!.pollTransmit();
      if (!bytes) break;
      lane.write(bytes);
    }
    // Out before the rest of the turn: the source waits on `started` and `done`, not on this host's bookkeeping.
    lane?.flush();
    this.timer.at(this.machine!.nextTimer());
  }

  private settle(): void {
    const machine = this.machine!;
    this.stats.strategy = machine.strategy ?? this.stats.strategy;
    switch (machine.status) {
      case "completed":
        return this.end("completed", null);
      case "failed":
        return this.end(this.cancelled ? "cancelled" : "failed", machine.error);
      case "paused":
        return this.setStatus(machine.committed ? "postcopy-paused" : "in-doubt", machine.error ?? machine.pauseReason ?? undefined);
      case "active":
        return this.setStatus(machine.committed && machine.strategy === "post-copy" ? "postcopy-active" : "active");
    }
  }

  /**
   * The result (once). A failed migration's lanes close behind its refusal; a completed one's
   * stay for the source to close once it has read `done` (or for the listener to forget).
   */
  private end(status: IncomingResult["status"], error: string | null): void {
    this.timer.clear();
    if (status !== "completed") {
      this.closed = true;
      this.generation++;
      const [main, urgent] = this.lanes;
      this.countBytes();
      urgent?.finish();
      if (main && urgent) main.finishAfter(urgent);
      else main?.finish();
      for (const channel of this.channels) channel?.finish();
      this.lanes = [null, null];
      this.channels = [];
    }
    if (this.resolved) return;
    this.resolved = true;
    const stats = this.stats;
    stats.status = status === "completed" ? "completed" : "failed";
    stats.runsOn = status === "completed" ? "destination" : "source";
    stats.error = error;
    stats.totalNs = this.clock.now();
    const live = this.allLanes().reduce((n, lane) => ({ sent: n.sent + lane.bytesWritten, received: n.received + lane.socket.bytesRead }), this.bytes);
    stats.bytesSent = live.received;
    stats.returnBytes = live.sent;
    stats.pagesReceivedMoreThanOnce = this.machine?.pagesReceivedMoreThanOnce() ?? 0;
    if (this.guest) stats.guestTicksDuringMigration = this.guest.vm.ticks - this.ticksAtRestore;
    this.setStatus(status, error ?? undefined);
    this.resolve({ status, guest: status === "completed" ? this.guest : null, stats, error });
  }

  private setStatus(status: IncomingStatus, detail?: string): void {
    if (status === this.status) return;
    this.status = status;
    this.emit("status", status, detail);
  }
}
