/**
 * Rows (b) and (c) of the migration bench, on the 64 MiB memwriter that keeps dirtying pages
 * (migration-guest.ts) over loopback TCP:
 *
 * - pre-copy at 1 GB/s (the driver's token bucket) and without a limit: wall-clock downtime
 *   and total time, beside what the simulated engine (`migrate()`) predicts for a twin of the
 *   guest with the same parameters: the bandwidth (for "unlimited", the rate the page frames
 *   went at on loopback), the guest speed the real source measured, the same downtime target.
 * - post-copy: from `startMigration` to the guest running on the destination.
 *
 * Median of a few runs each; the machine is shared and noisy.
 */
import { migrate } from "../migration/engine.js";
import { DEFAULTS } from "../migration/options.js";
import { PROCESS_HOST } from "../migration/process-vm.js";
import { bootMemwriter } from "./migration-guest.js";
import { migrateOverLoopback } from "./real-migration.js";
import { median } from "./statistics.js";

/** Loopback's one-way latency is tens of microseconds: nothing beside the page times. */
const LOOPBACK_LATENCY_NS = 0;

export interface PrecopyFigure {
  /** Bytes per second the driver was held to, or null: as fast as loopback goes. */
  bandwidth: number | null;
  /** What the simulated engine was given as bandwidth. */
  simulatedBandwidth: number;
  /** Guest instructions per second the real source ran at, given to the simulation. */
  measuredSpeed: number;
  realDowntimeMs: number;
  realTotalMs: number;
  realRounds: number;
  simulatedDowntimeMs: number;
  simulatedTotalMs: number;
  simulatedRounds: number;
}

export interface PostcopyFigure {
  /** Wall-clock ms from startMigration to the guest resumed on the destination. */
  runningAfterMs: number;
  /** Until every page was on the destination. */
  totalMs: number;
  pagesRequested: number;
}

const ms = (ns: number) => ns / 1e6;

async function precopy(bandwidth: number | null, unlimitedBandwidth: number, runs: number): Promise<PrecopyFigure> {
  const real = [];
  for (let i = 0; i < runs; i++)
    real.push(await migrateOverLoopback({ strategy: "pre-copy", bandwidth: bandwidth ?? undefined }));
  const measuredSpeed = Math.round(median(real.map((r) => r.measuredSpeed)));
  const simulatedBandwidth = Math.round(bandwidth ?? unlimitedBandwidth);
  const simulated = migrate(bootMemwriter(), {
    strategy: "pre-copy",
    bandwidth: simulatedBandwidth,
    latencyNs: LOOPBACK_LATENCY_NS,
    speed: measuredSpeed,
    downtimeTargetNs: DEFAULTS.downtimeTargetNs,
    host: PROCESS_HOST,
  });
  if (!simulated.migrated) throw new Error(`the simulated pre-copy did not complete: ${simulated.stats.error}`);
  return {
    bandwidth,
    simulatedBandwidth,
    measuredSpeed,
    realDowntimeMs: median(real.map((r) => ms(r.source.downtimeNs))),
    realTotalMs: median(real.map((r) => ms(r.source.totalNs))),
    realRounds: median(real.map((r) => r.source.rounds.length)),
    simulatedDowntimeMs: ms(simulated.stats.downtimeNs),
    simulatedTotalMs: ms(simulated.stats.totalNs),
    simulatedRounds: simulated.stats.rounds.length,
  };
}

/** Pre-copy at 1 GB/s and unlimited; `loopbackBytesPerSecond` (the page frames' rate) stands for "unlimited" in the simulation. */
export async function benchPrecopy(loopbackBytesPerSecond: number, runs = 3): Promise<PrecopyFigure[]> {
  return [await precopy(1e9, loopbackBytesPerSecond, runs), await precopy(null, loopbackBytesPerSecond, runs)];
}

export async function benchPostcopy(runs = 3): Promise<PostcopyFigure> {
  const real = [];
  for (let i = 0; i < runs; i++) real.push(await migrateOverLoopback({ strategy: "post-copy" }));
  return {
    runningAfterMs: median(real.map((r) => r.runningAfterMs)),
    totalMs: median(real.map((r) => ms(r.source.totalNs))),
    pagesRequested: median(real.map((r) => r.source.postcopyRequests)),
  };
}
