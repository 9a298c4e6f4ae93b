/**
 * Host A's side of a migration as a state machine without I/O (quinn-proto's shape, see
 * events.ts). Which frames go out is the strategy's (precopy.ts, postcopy.ts); the rules every
 * strategy shares are here: the commit, failures, the pause after the commit, cancel, the turn
 * of a running pre-copy into post-copy, and noticing a link that went silent.
 *
 * The source lets the guest go only once the destination holds it (config.ts says how each
 * transport tells): with acks "link", stop-copy and pre-copy commit when the completion frame
 * is delivered and post-copy when the destination's `started` frame arrives; with acks
 * "frames" every strategy commits on `started`, answers `commit`, and completes on `done`. The
 * `started` frame must carry the CRC of the state that was sent. Before the commit any failure
 * resumes the guest here; after it the guest never runs here again, and a broken link pauses
 * the migration until the link is back (the destination then says which pages it misses).
 */
import { crc32 } from "../../../isa/crc32.js";
import { mulDivCeil, NS_PER_SECOND } from "../clock.js";
import { formatNs } from "../units.js";
import { recordProgress, type MigrationStats } from "../stats.js";
import { decodeFrame, encodeFrame, streamError } from "../stream/codec.js";
import type { Frame } from "../stream/frames.js";
import type { MigratableVm } from "../vm-port.js";
import type { SourceConfig } from "./config.js";
import { MAIN, URGENT, type Lane, type MachineStatus, type SourceAction, type SourceEvent } from "./events.js";
import { Convergence, type RoundEnd } from "./converge.js";
import { PageEncoder } from "./page-encoder.js";
import { PostCopy } from "./postcopy.js";
import { PreCopy } from "./precopy.js";
import type { SourceContext, SourceStrategy } from "./source-context.js";

const utf8 = new TextEncoder();
/** Reasons sent in an abort frame are cut to this many characters. */
const REASON_MAX = 1000;
const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

export class Source implements SourceContext {
  status: MachineStatus = "active";
  /** Why it failed (ending "; the guest goes on at the source"), or null. */
  error: string | null = null;
  phase = "setup";
  committed = false;
  /** When the guest stopped here (the downtime's start), or -1. */
  stoppedAt = -1;
  wireBandwidth: number | null = null;
  private strategy: SourceStrategy;
  private readonly actions: SourceAction[] = [];
  /** Commit and abort: ahead of every other frame, on the urgent lane when there is one. */
  private control: Uint8Array[] = [];
  private stateCrc: number | null = null;
  private returnFrames = 0;
  /** Acks "link": the destination took the completion frame. */
  private completeDelivered = false;
  private linkUp = true;
  private lastActivity: number;
  private readonly convergence: Convergence | null;
  readonly encoder: PageEncoder | null;

  constructor(
    readonly vm: MigratableVm,
    readonly config: SourceConfig,
    readonly stats: MigrationStats,
    now = 0,
  ) {
    this.encoder = config.encoding ? new PageEncoder(config.encoding, vm.memory.pageCount) : null;
    if (this.encoder?.xbzrle) stats.xbzrle = this.encoder.xbzrle;
    if (this.encoder?.compression) stats.compression = this.encoder.compression;
    this.strategy = config.strategy === "post-copy" ? new PostCopy(this) : new PreCopy(this);
    this.lastActivity = now;
    this.convergence = config.converge ? new Convergence(config.converge) : null;
  }

  handle(now: number, event: SourceEvent): void {
    switch (event.kind) {
      case "received":
        this.lastActivity = now;
        return this.onReturnFrame(now, event.bytes);
      case "delivered":
        this.completeDelivered = true;
        if (this.strategy instanceof PreCopy && !this.committed && this.status === "active") this.commit(now);
        return this.completeIfDone(now);
      case "peer-failed":
        if (!this.committed) this.fail(event.reason);
        return;
      case "link-down":
        return this.onLinkDown(event.reason);
      case "link-up":
        return this.onLinkUp(now);
      case "bandwidth":
        this.wireBandwidth = Math.max(1, Math.round(event.bytesPerSecond));
        return;
      case "timer":
        if (now < this.nextTimer()) return;
        this.actions.push({ kind: "close", reason: `nothing moved for ${formatNs(this.config.stallTimeoutNs)}` });
        return this.onLinkDown(`the link stalled (nothing moved for ${formatNs(this.config.stallTimeoutNs)})`);
      case "cancel":
        if (this.canCancel) this.fail(`cancelled during ${this.phase}`);
        return;
      case "start-postcopy":
        if (this.canStartPostcopy) this.strategy = this.postCopyAfter(now, this.strategy as PreCopy);
        return;
    }
  }

  /** Whether a cancel would still resume the guest here (not once the destination holds it). */
  get canCancel(): boolean {
    return this.status === "active" && !this.committed;
  }

  /** Whether post-copy sends the pages now (from the start, or since a pre-copy turned into it). */
  get postCopy(): boolean {
    return this.strategy instanceof PostCopy;
  }

  /** Whether the migration is a pre-copy whose rounds still run. */
  get canStartPostcopy(): boolean {
    return this.status === "active" && this.strategy instanceof PreCopy && this.strategy.live && this.config.strategy === "pre-copy";
  }

  /** Whether there is a frame for this lane when its transmitter is free. */
  wantsToTransmit(lane: Lane): boolean {
    if (this.control.length > 0 && lane === this.controlLane) return true;
    return this.status === "active" && this.strategy.wantsToSend(lane);
  }

  /** The next frame for the lane; call it only when the lane's transmitter can take it now. */
  pollTransmit(now: number, lane: Lane): Uint8Array | null {
    if (this.control.length > 0 && lane === this.controlLane) {
      this.lastActivity = now;
      return this.control.shift()!;
    }
    if (this.status !== "active") return null;
    const bytes = this.strategy.next(now, lane);
    if (bytes) this.lastActivity = now;
    // Convergence control chose post-copy at a round's end, which is now on its way.
    if (this.strategy instanceof PreCopy && this.strategy.parked && this.canStartPostcopy) this.strategy = this.postCopyAfter(now, this.strategy);
    return bytes;
  }

  /**
   * The rest of the frame `pollTransmit` just gave, when that was only its head (config
   * `gatherStopped`): a view of guest memory, to be written right after it. Else null.
   */
  takeBody(): Uint8Array | null {
    return this.strategy.takeBody?.() ?? null;
  }

  get throttle(): number | null {
    return this.convergence?.config.autoConverge ? this.convergence.throttle : null;
  }

  afterRound(now: number, end: RoundEnd): "post-copy" | "throttling" | null {
    if (!this.convergence) return null;
    const decision = this.convergence.afterRound(end);
    if (decision.throttle !== null) this.actions.push({ kind: "throttle", percent: decision.throttle });
    if (decision.postcopy !== null && this.canStartPostcopy) {
      this.stats.postcopySwitch = { atNs: now, rounds: end.round + 1, reason: decision.postcopy };
      return "post-copy";
    }
    return this.convergence.canSlowFurther ? "throttling" : null;
  }

  /** Page bytes compressed since the last call: a driver on virtual time charges the source's time for them. */
  takeWork(): number {
    return this.encoder?.takeWork() ?? 0;
  }

  pollAction(): SourceAction | undefined {
    return this.actions.shift();
  }

  /** When to call back with a timer event: the moment a silent link counts as broken. */
  nextTimer(): number {
    return this.status === "active" && this.linkUp ? this.lastActivity + this.config.stallTimeoutNs : Infinity;
  }

  stopGuest(now: number): void {
    this.stoppedAt = now;
    this.actions.push({ kind: "stop-guest" });
  }

  stateFrame(): Uint8Array {
    const json = JSON.stringify(this.vm.save());
    this.stateCrc = crc32(utf8.encode(json));
    return encodeFrame({ type: "state", json });
  }

  progress(now: number, phase: string, completed: number, remainingBytes: number): void {
    const bandwidth = this.wireBandwidth ?? this.config.bandwidth;
    const remainingNs = mulDivCeil(remainingBytes, NS_PER_SECOND, bandwidth) + this.config.latencyNs;
    this.actions.push({ kind: "progress", event: recordProgress(this.stats, { atNs: now, phase, completed, remainingNs }) });
  }

  private get controlLane(): Lane {
    return this.config.urgentLane ? URGENT : MAIN;
  }

  private onReturnFrame(now: number, bytes: Uint8Array): void {
    if (this.status === "completed" || this.status === "failed") return;
    let frame: Frame;
    try {
      frame = decodeFrame(bytes, this.returnFrames++, "return frame");
    } catch (error) {
      // Before the commit the return path must be whole; after it a damaged request is as if
      // lost (the destination asks again after recovery).
      if (!this.committed) this.fail((error as Error).message);
      return;
    }
    switch (frame.type) {
      case "started":
        return this.onStarted(now, frame.stateCrc);
      case "done":
        if (this.committed) this.complete(now);
        return;
      case "refused":
        if (!this.committed) this.fail(frame.reason);
        return;
      case "request":
      case "resume":
        return this.strategy.onReturnFrame(frame);
    }
  }

  private onStarted(now: number, stateCrc: number): void {
    if (this.stateCrc === null || this.committed) return;
    if (stateCrc !== this.stateCrc) {
      const problem = `the destination holds a state with CRC ${hex(stateCrc)}, not the one sent (${hex(this.stateCrc)})`;
      return this.fail(streamError(`return frame ${this.returnFrames - 1} (started): ${problem}`).message);
    }
    this.commit(now);
  }

  private commit(now: number): void {
    this.committed = true;
    this.strategy.onCommit();
    this.stats.runsOn = "destination";
    this.actions.push({ kind: "release-guest" });
    if (this.config.acks === "frames") {
      this.control.push(this.commitFrame());
      // The destination resumes when the commit arrives, a one-way trip from now.
      this.stats.downtimeNs = now - this.stoppedAt;
    }
    this.completeIfDone(now);
  }

  private commitFrame(): Uint8Array {
    return encodeFrame({ type: "commit", stateCrc: this.stateCrc! });
  }

  /** Acks "link": committed and the completion delivered. (With acks "frames" the destination says `done`.) */
  private completeIfDone(now: number): void {
    if (this.config.acks === "link" && this.committed && this.completeDelivered && this.status === "active") this.complete(now);
  }

  private complete(now: number): void {
    this.status = "completed";
    this.progress(now, "completed", 1, 0);
  }

  private fail(reason: string): void {
    if (this.status === "completed" || this.status === "failed") return;
    this.status = "failed";
    this.error = `${reason}; the guest goes on at the source`;
    this.actions.push({ kind: "resume-guest" });
    if (this.config.acks === "frames" && this.linkUp) {
      this.control = [encodeFrame({ type: "abort", reason: reason.slice(0, REASON_MAX) })];
    }
  }

  private onLinkDown(reason: string): void {
    this.linkUp = false;
    this.control = [];
    if (this.status === "completed" || this.status === "failed") return;
    if (!this.committed) return this.fail(`${reason} during ${this.phase}`);
    this.status = "paused";
    this.strategy.onLinkDown();
  }

  private onLinkUp(now: number): void {
    this.linkUp = true;
    this.lastActivity = now;
    if (this.status !== "paused") return;
    this.status = "active";
    // The commit may have been lost with the link: saying it again changes nothing for a destination that heard it.
    if (this.config.acks === "frames") this.control.push(this.commitFrame());
  }

  private postCopyAfter(now: number, pre: PreCopy): PostCopy {
    return new PostCopy(this, { unsent: pre.handOver(now), stalePages: () => pre.stalePages() });
  }
}
