/**
 * Migration parameters and their defaults: a 100 MB/s link with 1 ms latency, a guest at
 * 10^8 instructions per virtual second, a 30 ms downtime target and at most 30 pre-copy rounds.
 */
import { UserError } from "../../isa/errors.js";
import type { LinkFaults, Transmission } from "./link.js";
import type { ProgressEvent } from "./stats.js";
import type { Strategy } from "./stream/frames.js";
import type { VmHost } from "./vm-port.js";

export const PUSH_ORDERS = ["fault-near", "linear"] as const;
export type PushOrder = (typeof PUSH_ORDERS)[number];

export interface MigrationOptions {
  strategy: Strategy;
  /** Bytes per virtual second, each direction. */
  bandwidth?: number;
  latencyNs?: number;
  downtimeTargetNs?: number;
  maxRounds?: number;
  /** Guest ticks per virtual second. */
  speed?: number;
  /** Post-copy background push: pages after the latest fault first, or in address order. */
  pushOrder?: PushOrder;
  faults?: LinkFaults;
  /** Recreates the VM on the destination. */
  host: VmHost;
  /** Post-copy with a link that never comes back: how many ticks the destination may still run. */
  pausedRunLimit?: number;
  /** Pre-copy: turn into post-copy at this virtual time (ns), if its rounds still run then. */
  startPostcopyAtNs?: number;
  onProgress?: (event: ProgressEvent) => void;
  /** Every frame as it starts on the link, either direction: the migration's timeline. */
  onTransmit?: (transmission: Transmission) => void;
}

export const DEFAULTS = {
  bandwidth: 100_000_000,
  latencyNs: 1_000_000,
  downtimeTargetNs: 30_000_000,
  maxRounds: 30,
  speed: 100_000_000,
  pushOrder: "fault-near" as PushOrder,
  pausedRunLimit: 100_000_000,
  startPostcopyAtNs: Infinity,
};

export type ResolvedOptions = Required<Omit<MigrationOptions, "faults" | "onProgress" | "onTransmit">> &
  Pick<MigrationOptions, "faults" | "onProgress" | "onTransmit">;

export function resolveOptions(options: MigrationOptions): ResolvedOptions {
  const r = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as ResolvedOptions;
  const positiveInt = (v: number) => Number.isSafeInteger(v) && v > 0;
  if (!positiveInt(r.bandwidth)) throw new UserError(`bandwidth ${r.bandwidth} must be a positive whole number of bytes per second`);
  if (!positiveInt(r.speed)) throw new UserError(`speed ${r.speed} must be a positive whole number of instructions per second`);
  if (!positiveInt(r.maxRounds)) throw new UserError(`max rounds ${r.maxRounds} must be a positive whole number`);
  if (!Number.isSafeInteger(r.latencyNs) || r.latencyNs < 0) throw new UserError(`latency ${r.latencyNs} ns must be a whole number ≥ 0`);
  if (!Number.isSafeInteger(r.downtimeTargetNs) || r.downtimeTargetNs < 0) throw new UserError(`downtime target must be ≥ 0`);
  return r;
}
