/**
 * Migration parameters and their defaults: a 100 MB/s link with 1 ms latency, a guest at
 * 10^8 instructions per virtual second, a 30 ms downtime target and at most 30 pre-copy rounds.
 */
import { MAX_MEMORY, PAGE_SIZE } from "../../isa/arch.js";
import { UserError } from "../../isa/errors.js";
import type { PageEncoding } from "./protocol/page-encoder.js";
import type { LinkFaults, Transmission } from "./link.js";
import { AUTO_CONVERGE_DEFAULTS, POSTCOPY_POLICIES, type AutoConverge, type ConvergeConfig, type PostcopyPolicy } from "./protocol/converge.js";
import type { ProgressEvent } from "./stats.js";
import type { Strategy } from "./stream/frames.js";
import type { VmHost } from "./vm-port.js";
import type { MigrationWorld } from "./world.js";

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
  /** Pre-copy: QEMU's auto-converge (true: its defaults, 20% then 10% more up to 99%). */
  autoConverge?: boolean | Partial<AutoConverge>;
  /** Pre-copy: most distinct pages the source's guest may dirty per virtual second (QEMU's dirty limit); 0: none. */
  dirtyLimit?: number;
  /** Pre-copy: when to turn into post-copy (converge.ts); "manual" is startPostcopyAtNs. */
  postcopyPolicy?: PostcopyPolicy;
  /** Policy "after": live rounds first (1: after round 0). */
  postcopyAfterRounds?: number;
  /** Pre-copy: XBZRLE with a cache of this many bytes (at least a page; rounded down to a power of two of pages); 0: off. */
  xbzrleCache?: number;
  /** Compress the pages that go whole (LZ4). */
  compress?: boolean;
  /** With compression: virtual picoseconds the source spends per page byte it compresses (the default, 1000, is 1 ns a byte). */
  compressCostPs?: number;
  /** With compression: virtual picoseconds the destination spends per page byte it decompresses (the default, 750: LZ4 decompression measured at 0.74 of compression's time, applied to compressCostPs's default). */
  decompressCostPs?: number;
  /** Cancel the migration at this virtual time (ns): before the commit the guest goes on at the source. */
  cancelAtNs?: number;
  onProgress?: (event: ProgressEvent) => void;
  /** Every frame as it starts on the link, either direction: the migration's timeline. */
  onTransmit?: (transmission: Transmission) => void;
  /** The rest of the simulated world (a network of other VMs), run beside the guest on the migration's clock. */
  world?: MigrationWorld;
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
  autoConverge: false as boolean | Partial<AutoConverge>,
  dirtyLimit: 0,
  postcopyPolicy: "never" as PostcopyPolicy,
  postcopyAfterRounds: 1,
  cancelAtNs: Infinity,
  xbzrleCache: 0,
  compress: false,
  compressCostPs: 1000,
  decompressCostPs: 750,
};

type Optional = "faults" | "onProgress" | "onTransmit" | "world";
export type ResolvedOptions = Required<Omit<MigrationOptions, Optional>> & Pick<MigrationOptions, Optional>;

export function resolveOptions(options: MigrationOptions): ResolvedOptions {
  const r = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as ResolvedOptions;
  const positiveInt = (v: number) => Number.isSafeInteger(v) && v > 0;
  if (!positiveInt(r.bandwidth)) throw new UserError(`bandwidth ${r.bandwidth} must be a positive whole number of bytes per second`);
  if (!positiveInt(r.speed)) throw new UserError(`speed ${r.speed} must be a positive whole number of instructions per second`);
  if (!positiveInt(r.maxRounds)) throw new UserError(`max rounds ${r.maxRounds} must be a positive whole number`);
  if (!Number.isSafeInteger(r.latencyNs) || r.latencyNs < 0) throw new UserError(`latency ${r.latencyNs} ns must be a whole number ≥ 0`);
  if (!Number.isSafeInteger(r.downtimeTargetNs) || r.downtimeTargetNs < 0) throw new UserError(`downtime target must be ≥ 0`);
  if (!Number.isSafeInteger(r.dirtyLimit) || r.dirtyLimit < 0) throw new UserError(`dirty limit ${r.dirtyLimit} must be a whole number of pages per second ≥ 0`);
  if (!POSTCOPY_POLICIES.includes(r.postcopyPolicy)) throw new UserError(`post-copy policy ${r.postcopyPolicy}: expected one of ${POSTCOPY_POLICIES.join(", ")}`);
  if (!positiveInt(r.postcopyAfterRounds)) throw new UserError(`post-copy after ${r.postcopyAfterRounds} rounds: expected a whole number ≥ 1`);
  checkXbzrleCache(r.xbzrleCache);
  checkCost("compression", r.compressCostPs);
  checkCost("decompression", r.decompressCostPs);
  const ac = autoConvergeOf(r.autoConverge);
  if (ac) {
    const { initial, increment, max } = ac;
    const percent = (v: number) => Number.isInteger(v) && v >= 1 && v <= 99;
    if (!percent(initial) || !percent(increment) || !percent(max) || initial > max) {
      throw new UserError(`auto-converge: initial ${initial}%, increment ${increment}%, max ${max}%: each a whole percent from 1 to 99, initial ≤ max`);
    }
  }
  return r;
}

/** What the source's convergence control is told (converge.ts); undefined when nothing is switched on. */
export function convergeConfig(r: ResolvedOptions): ConvergeConfig | undefined {
  const ac = autoConvergeOf(r.autoConverge);
  if (!ac && (r.postcopyPolicy === "never" || r.postcopyPolicy === "manual")) return undefined;
  return { autoConverge: ac, postcopy: r.postcopyPolicy, postcopyAfterRounds: r.postcopyAfterRounds };
}

/** Auto-converge's schedule as asked for (true: QEMU's defaults; an object: those it names changed), or null when off. */
export function autoConvergeOf(value: boolean | Partial<AutoConverge> | undefined): AutoConverge | null {
  const ac = value === true ? {} : value || null;
  return ac ? { ...AUTO_CONVERGE_DEFAULTS, ...ac } : null;
}

/** An XBZRLE cache size: 0 (off), or a page to the largest memory. */
export function checkXbzrleCache(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || (bytes !== 0 && (bytes < PAGE_SIZE || bytes > MAX_MEMORY))) {
    throw new UserError(`XBZRLE cache ${bytes} bytes: expected 0 (off) or from ${PAGE_SIZE} (a page) to ${MAX_MEMORY} bytes`);
  }
}

/** How the source's pages may travel (page-encoder.ts); undefined when they travel as pages. */
export function pageEncoding(r: ResolvedOptions): PageEncoding | undefined {
  return r.xbzrleCache > 0 || r.compress ? { xbzrleCache: r.xbzrleCache, compress: r.compress } : undefined;
}

/** A cost per byte within 0 to MAX_COMPRESS_COST_PS. */
function checkCost(what: string, ps: number): void {
  if (!Number.isSafeInteger(ps) || ps < 0 || ps > MAX_COMPRESS_COST_PS) {
    throw new UserError(`${what} cost ${ps} ps a byte: expected a whole number from 0 to ${MAX_COMPRESS_COST_PS} (1 µs a byte)`);
  }
}

/** The dearest compression (or decompression) a migration may be told of: a microsecond a byte. */
export const MAX_COMPRESS_COST_PS = 1_000_000;
