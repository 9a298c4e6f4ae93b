/**
 * What each state machine is told when it is made: the strategy's parameters and what the
 * transport under it can do.
 *
 * `acks` says how the two ends learn that the guest changed hands:
 *   "link"   the simulated link knows when a frame arrives and tells both ends at that moment
 *            (as TCP acknowledges bytes), so the destination may run the guest at once: if the
 *            commit does not follow, the driver drops that copy before anyone could see it run.
 *   "frames" TCP cannot tell a program that its peer read the bytes, so the ends say it: the
 *            destination builds the VM, does not run it, and sends `started`; the source
 *            commits on it and sends `commit`; the destination runs the guest on `commit` and
 *            sends `done` once it has every page. A failure before the commit sends `abort`
 *            (source) or `refused` (destination) while the link lasts.
 */
import type { Memory } from "../../../isa/memory.js";
import type { PushOrder } from "../options.js";
import type { ConvergeConfig } from "./converge.js";
import type { PageEncoding } from "./page-encoder.js";
import type { Strategy } from "../stream/frames.js";
import type { VmHost } from "../vm-port.js";

export type Acks = "link" | "frames";

export interface SourceConfig {
  strategy: Strategy;
  downtimeTargetNs: number;
  maxRounds: number;
  pushOrder: PushOrder;
  /** Bytes per second expected until the wire has been measured (estimates, progress). */
  bandwidth: number;
  /** One-way latency expected (the downtime estimate adds it). */
  latencyNs: number;
  acks: Acks;
  /** Whether the transport has the URGENT lane. */
  urgentLane: boolean;
  /** Nothing sent or received for this long while migrating: the link is taken as broken. */
  stallTimeoutNs: number;
  /** Pre-copy's auto-converge and post-copy switch (converge.ts); absent: neither. */
  converge?: ConvergeConfig;
  /** How resent and plain pages may travel as fewer bytes (page-encoder.ts); absent: as pages. */
  encoding?: PageEncoding;
  /**
   * Stop-copy and pre-copy without an encoding: most consecutive pages one frame may carry (a
   * `pages` frame, stream/pages-frame.ts). Absent or 1: a frame per page, as the simulated
   * driver sends them (its results count those frames' bytes).
   */
  pageRun?: number;
  /**
   * Once the guest is stopped, a `pages` frame goes as its head and a view of guest memory
   * (`Source.takeBody`), which the driver writes after the head: no copy of the pages. For a
   * driver whose writes are done before the guest can run again (it resumes the guest only
   * when the migration has failed, and the destination's CRC then refuses a page it changed).
   */
  gatherStopped?: boolean;
  /** With `gatherStopped`: most consecutive pages such a frame carries (at most MAX_GATHERED_RUN_PAGES); absent: `pageRun`. */
  gatheredRun?: number;
}

export interface DestinationConfig {
  /** Checks what arrives and rebuilds the VM. */
  host: VmHost;
  acks: Acks;
  /** Whether pages may also arrive on the URGENT lane (then a completion may overtake them). */
  urgentLane: boolean;
  /** Nothing received for this long while the stream should flow: the link is taken as broken. */
  stallTimeoutNs: number;
  /**
   * Memory for the VM when the driver has some of this size to reuse (else the machine makes
   * it). Its bytes may be another VM's: every page no frame filled is cleared before the VM is built.
   */
  memory?: (size: number) => Memory | null;
}
