/**
 * How the real driver controls a guest that runs on its host's own loop in wall-clock time.
 * The host owns the scheduling (its scheduler, or `WallClockGuest` from guest-runner.ts); the
 * driver only says when the guest must stop, may run again, has left, or may go on after a
 * missing page arrived, and learns when it stopped on one. Guest time stays retired
 * instructions, so how fast the host runs it never changes what the guest does.
 */
import type { MigratableVm } from "../vm-port.js";

export interface GuestControl {
  readonly vm: MigratableVm;
  /** Run no further instruction of the guest until `resume()`; in effect when this returns. */
  stop(): void;
  /** Let the guest run again (also: run it for the first time, on the destination). */
  resume(): void;
  /**
   * Post-copy destination: the listener is told the page each time the guest stops on one
   * that has not arrived. The guest stays stopped until `pageArrived` names that page.
   */
  onPageMissing(listener: (page: number) => void): void;
  /** The page the guest waits for (if it is that one) is in memory now: it goes on, unless stopped. */
  pageArrived(page: number): void;
  /** The guest has left this host, or its copy here is dropped: stop for good and destroy the VM. */
  release(): void;
  /**
   * Pre-copy's convergence control on the source: from now on `throttle`% of the guest's
   * instructions are taken away and it dirties at most `dirtyLimit` distinct pages per second
   * (0: no limit); (0, 0) lets it run freely again. A runner that cannot slow its guest leaves
   * this out, and the migration runs without.
   */
  slow?(throttle: number, dirtyLimit: number): void;
  /** Wall ns the dirty limit of `slow` has held the guest so far, in all (left out by a runner without `slow`). */
  dirtyLimitHeldNs?(): number;
}
