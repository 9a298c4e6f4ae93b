/**
 * What the migration's two state machines take and give back. A driver tells them what
 * happened and when (`handle(now, event)`), asks them for the next frame whenever a lane's
 * transmitter can take one (`pollTransmit`), carries out their actions (`pollAction`) and calls
 * them back at `nextTimer()`. The machines never touch a socket, a timer or a clock: the
 * virtual driver feeds them from the simulated link and virtual time, the real one from TCP
 * and the wall clock. Times are integer nanoseconds on the driver's clock.
 */
import type { ProgressEvent } from "../stats.js";
import type { MigratableVm } from "../vm-port.js";

/**
 * The stream's lanes. MAIN carries the stream itself. URGENT exists over TCP only (QEMU's
 * postcopy-preempt): source → destination the pages the destination asked for and the commit
 * or abort, destination → source every return frame, so that an urgent page never waits
 * behind background pages. Without it everything shares MAIN, requested pages first.
 */
export const MAIN = 0;
export const URGENT = 1;
export type Lane = typeof MAIN | typeof URGENT;

/** active: migrating; paused: the link broke after the commit (or before it with the outcome unknown) and waits. */
export type MachineStatus = "active" | "paused" | "completed" | "failed";

/** Happenings common to both ends. */
export type LinkEvent =
  /** The link broke (cut, reset, stalled, damaged), with what the driver knows of why. */
  | { kind: "link-down"; reason: string }
  /** The link is whole again (the simulated link restored, or the lanes reconnected). */
  | { kind: "link-up" }
  /** `nextTimer()` has come. */
  | { kind: "timer" };

export type SourceEvent =
  | LinkEvent
  /** One frame from the destination. */
  | { kind: "received"; bytes: Uint8Array }
  /** Acks "link": the destination took the completion frame and holds the guest. */
  | { kind: "delivered" }
  /** Acks "link": the destination refused the migration. */
  | { kind: "peer-failed"; reason: string }
  /** What the wire carried in the last window, in bytes per second (QEMU measures so every 100 ms). */
  | { kind: "bandwidth"; bytesPerSecond: number }
  | { kind: "cancel" }
  /** Turn the running pre-copy into post-copy now (QEMU's migrate-start-postcopy). */
  | { kind: "start-postcopy" };

export type SourceAction =
  /** Stop running the guest here: the downtime starts. */
  | { kind: "stop-guest" }
  /** The migration failed before the commit: run the guest here again. */
  | { kind: "resume-guest" }
  /** The destination holds the guest: never run it here again. */
  | { kind: "release-guest" }
  | { kind: "progress"; event: ProgressEvent }
  /** Auto-converge: run the guest with `percent`% of its instructions taken away (0: full speed). */
  | { kind: "throttle"; percent: number }
  /** Drop the link (the peer went silent); the machine already treats it as down. */
  | { kind: "close"; reason: string };

export type DestinationEvent =
  | LinkEvent
  /**
   * One transmission on a lane: MAIN's first is the stream's prologue, then one frame each.
   * `channel`: a page that came on that multifd channel (the real driver's), as part of MAIN.
   * `placed`: the frame's pages, read straight into memory where `placement` said; `bytes` is
   * its head then.
   */
  | { kind: "received"; lane: Lane; bytes: Uint8Array; channel?: number; placed?: Uint8Array }
  /** Bytes came that complete no frame yet (a large frame arriving): the source is heard all the same. */
  | { kind: "heard" }
  /** The guest stopped on a page that has not arrived. */
  | { kind: "page-missing"; page: number }
  /** Acks "link": the source let the guest go. */
  | { kind: "committed" }
  /** Acks "link": the source keeps the guest. */
  | { kind: "abort"; reason: string }
  /** The destination's owner gives up on the migration. */
  | { kind: "cancel" };

export type DestinationAction =
  /** The VM is built from what arrived; it does not run yet. */
  | { kind: "restored"; vm: MigratableVm }
  /** Run the guest: the downtime ends. */
  | { kind: "resume-guest" }
  /** The page the guest stopped on has arrived: let it go on. */
  | { kind: "wake-guest"; page: number }
  /** The migration failed: drop the VM built here. */
  | { kind: "discard-guest" }
  | { kind: "close"; reason: string };
