/**
 * The world around a simulated migration: what else lives on virtual time beside the migrating
 * guest — the other VMs of a network and the frames between them. The virtual driver runs the
 * migrating guest (on the source, then on the destination) and tells the world; the world runs
 * the rest to the same moment. A world that needs lock step (a network's lookahead) bounds how
 * far the driver may run the guest before it catches up.
 */
import type { MigratableVm } from "./vm-port.js";

export interface MigrationWorld {
  /** The latest virtual time (ns) after `now` the guest may run to before the world catches up. */
  horizon(now: number): number;
  /** The rest of the world runs up to virtual time `ns` (the migrating guest has already). */
  advance(ns: number): void;
  /** The source let the guest go: until the destination runs it, the guest is nowhere. */
  released(ns: number): void;
  /** The destination's `vm` runs the guest from `ns` on. */
  arrived(vm: MigratableVm, ns: number): void;
}
