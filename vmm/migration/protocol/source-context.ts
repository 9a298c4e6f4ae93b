/**
 * What a strategy (precopy.ts, postcopy.ts) may use of the source machine (source.ts) that
 * drives it: the VM, the parameters, the statistics, and the few things every strategy does
 * the same way. A separate file so that the strategies need not import the machine.
 */
import type { MigrationStats } from "../stats.js";
import type { FrameOf } from "../stream/frames.js";
import type { MigratableVm } from "../vm-port.js";
import type { SourceConfig } from "./config.js";
import type { RoundEnd } from "./converge.js";
import type { Lane } from "./events.js";
import type { PageEncoder } from "./page-encoder.js";

export interface SourceContext {
  readonly vm: MigratableVm;
  readonly config: SourceConfig;
  readonly stats: MigrationStats;
  /** The destination holds the guest; it never runs here again. */
  readonly committed: boolean;
  /** What the migration is doing, for messages and progress. */
  phase: string;
  /** Bytes per second the wire carried lately, when the driver measures it. */
  readonly wireBandwidth: number | null;
  /** Stops the guest here: the downtime starts. */
  stopGuest(now: number): void;
  /** The state frame of the VM as it is now; the destination's acknowledgement must name it. */
  stateFrame(): Uint8Array;
  progress(now: number, phase: string, completed: number, remainingBytes: number): void;
  /** How pages that hold data may travel as fewer bytes (XBZRLE, compression); null: as pages. */
  readonly encoder: PageEncoder | null;
  /** Auto-converge's throttle now (percent), or null when auto-converge is off. */
  readonly throttle: number | null;
  /**
   * A live round ended: convergence control decides (converge.ts) — "post-copy": turn into
   * post-copy now; "throttling": auto-converge can still slow the guest, so go on; null: as usual.
   */
  afterRound(now: number, end: RoundEnd): "post-copy" | "throttling" | null;
}

/** The frames one strategy puts on the wire, and what it does with the destination's requests. */
export interface SourceStrategy {
  /** Whether it has a frame for this lane now or will have one when asked. */
  wantsToSend(lane: Lane): boolean;
  /** The next frame for the lane (its pages read at this moment), or null. */
  next(now: number, lane: Lane): Uint8Array | null;
  /** What follows the frame `next` just gave, when it gave only its head (config `gatherStopped`). */
  takeBody?(): Uint8Array | null;
  onReturnFrame(frame: FrameOf<"request"> | FrameOf<"resume">): void;
  /** The destination holds the guest. */
  onCommit(): void;
  /** The link broke after the commit: stop sending until the destination says what it lacks. */
  onLinkDown(): void;
}
