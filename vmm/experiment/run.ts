/**
 * `runExperiment(spec)`: every point of the sweep, in order — start a fresh guest, run it to
 * the migration point on host A, predict (probe.ts), migrate over the simulated link, check
 * the memory that now runs the guest (memwriter's invariant, check.ts), and report one row.
 * A point ends when its migration does: the guest is not run on afterwards, so a guest that
 * never ends by itself (memwriter with iters=0) keeps dirtying memory for the whole migration.
 * A point with a network workload (request-rate, network-point.ts) ends when its client does.
 * All time is virtual, so the rows are the same on every run and machine, and a point's row
 * does not depend on the points before it (which is what lets a sweep resume).
 */
import { UserError } from "../../isa/errors.js";
import { migrate, type MigrationResult } from "../migration/engine.js";
import { ANY_HOST } from "../migration/index.js";
import { DEFAULTS, type PushOrder } from "../migration/options.js";
import type { PostcopyPolicy } from "../migration/protocol/converge.js";
import type { ProgressEvent } from "../migration/stats.js";
import type { Strategy } from "../migration/stream/frames.js";
import { checkAfterMigration } from "./check.js";
import { bootGuest } from "./guest.js";
import { bootRequest, planExperiment, pointParams, type ExperimentPlan } from "./plan.js";
import { predict } from "./probe.js";
import { STREAM_ERROR, type PointResult, type Row } from "./row.js";
import { runNetworkPoint } from "./network-point.js";
import { placeOf, type ExperimentSpec } from "./spec.js";
import type { Point } from "./sweep.js";

export interface ExperimentProgress {
  /** 0-based index of the point being run, and how many there are. */
  point: number;
  points: number;
  params: Point;
  /** The migration's own progress (phase, completed share) for this point. */
  migration: ProgressEvent | null;
}

export interface RunOptions {
  /** Which points to run, in order (a shard's: shard.ts); all of them by default. */
  indices?: number[];
  /** How many of those to skip: they are done (a resumed sweep). */
  from?: number;
  onRow?: (row: Row) => void;
  onProgress?: (progress: ExperimentProgress) => void;
}

/** Checks the whole spec (plan.ts), then runs it. */
export function runExperiment(spec: ExperimentSpec, options: RunOptions = {}): Row[] {
  return runPlan(planExperiment(spec), options);
}

/** The points `options.indices` names (all by default) without the first `options.from`. */
export const pointsToRun = (plan: ExperimentPlan, options: RunOptions): number[] =>
  (options.indices ?? plan.points.map((_, i) => i)).slice(options.from ?? 0);

/** The rows of the points to run (pointsToRun), one after another on this thread. */
export function runPlan(plan: ExperimentPlan, options: RunOptions = {}): Row[] {
  const rows: Row[] = [];
  for (const index of pointsToRun(plan, options)) {
    const report = (migration: ProgressEvent | null) => options.onProgress?.({ point: index, points: plan.points.length, params: plan.points[index]!, migration });
    report(null);
    const row = runPoint(plan, index, report);
    rows.push(row);
    options.onRow?.(row);
  }
  return rows;
}

/** (model − measured) / measured, to 4 decimals; null without a model or a measurement. */
function relativeError(model: number | undefined, measured: number): number | null {
  if (model === undefined || measured <= 0) return null;
  return Math.round(((model - measured) / measured) * 1e4) / 1e4;
}

/** The migration a point asks for, read once here so a sweep and a replay of its row agree. */
export function migrationOptionsOf(point: Point) {
  const strategy = point.strategy as Strategy;
  const link = {
    bandwidth: point.bandwidth as number,
    latencyNs: point.latency as number,
    downtimeTargetNs: point["downtime-target"] as number,
    maxRounds: point["max-rounds"] as number,
    speed: point.speed as number,
  };
  const converge = {
    autoConverge: point["auto-converge"] === "on",
    dirtyLimit: (point["dirty-limit"] as number | undefined) ?? 0,
    postcopyPolicy: (point["postcopy-policy"] as PostcopyPolicy | undefined) ?? "never",
    postcopyAfterRounds: (point["postcopy-after"] as number | undefined) ?? 1,
  };
  const encoding = {
    xbzrleCache: (point["xbzrle-cache"] as number | undefined) ?? 0,
    compress: point.compress === "on",
    compressCostPs: (point["compress-cost"] as number | undefined) ?? DEFAULTS.compressCostPs,
    decompressCostPs: (point["decompress-cost"] as number | undefined) ?? DEFAULTS.decompressCostPs,
  };
  return { strategy, pushOrder: point["push-order"] as PushOrder, link, converge, encoding };
}

/** Point `index` of the plan, on a fresh guest: its row depends on nothing else. */
export function runPoint({ spec, guest, points }: ExperimentPlan, index: number, report: (event: ProgressEvent) => void): Row {
  const point = points[index]!;
  const where = `${spec.source}: point ${index}`;
  const at = point.at as number;
  const { strategy, pushOrder, link, converge, encoding } = migrationOptionsOf(point);
  const migration = { strategy, pushOrder, onProgress: report, ...link, ...converge, ...encoding };
  const controlled = strategy === "pre-copy" && (converge.autoConverge || converge.dirtyLimit > 0 || converge.postcopyPolicy !== "never");
  const rate = (point["request-rate"] as number | undefined) ?? 0;
  let result: MigrationResult;
  let predicted: ReturnType<typeof predict>;
  let stream: PointResult["stream"];
  if (rate > 0) {
    // A server among clients: the model knows nothing of the network, so it is not asked.
    const streamNs = point["stream-time"] as number;
    ({ run: { migration: result }, stream } = runNetworkPoint({ request: bootRequest(point), rate, streamNs, at, speed: link.speed, migration, where }, guest));
    predicted = { dirtyPagesPerSecond: null, workingSetPages: null, model: null, modelNote: null };
  } else {
    const vm = bootGuest(guest, bootRequest(point), where);
    const exit = vm.run(at);
    if (exit.reason !== "budget" && vm.ticks < at) {
      const place = placeOf(spec, "at", at) ?? `${spec.source}: at`;
      throw new UserError(`${place}: ${at}: the guest ended (${exit.reason}) after ${vm.ticks} instructions, before this migration point (point ${index})`);
    }
    predicted = predict(vm, strategy, link, encoding);
    result = migrate(vm, { ...migration, host: ANY_HOST });
  }
  const s = result.stats;
  // The rows keep the model without convergence control: its figures stay, as what pre-copy without it would do.
  const prediction = controlled ? { ...predicted, modelNote: "converge" } : predicted;
  const memcheck = checkAfterMigration(guest.image, result.vm);
  const completed = s.status === "completed";
  return {
    point: index,
    params: pointParams(point, guest),
    result: {
      status: s.status,
      error: s.error ?? (memcheck?.startsWith("failed") ? `memcheck ${memcheck}` : null) ?? streamError(stream),
      totalNs: s.totalNs,
      downtimeNs: s.downtimeNs,
      setupNs: s.setupNs,
      expectedDowntimeNs: s.expectedDowntimeNs,
      rounds: s.rounds.length,
      bytesSent: s.bytesSent,
      returnBytes: s.returnBytes,
      pagesSent: s.pagesSent,
      pagesResent: s.pagesResent,
      zeroPages: s.zeroPages,
      postcopyFaults: s.postcopyFaults,
      postcopyRequests: s.postcopyRequests,
      postcopyStallNs: s.postcopyStallNs,
      guestTicks: s.guestTicksDuringMigration,
      roundBytes: s.rounds.map((r) => r.bytes),
      memcheck,
      ...prediction,
      modelDowntimeErr: completed && !controlled ? relativeError(prediction.model?.downtimeNs, s.downtimeNs) : null,
      modelBytesErr: completed && !controlled ? relativeError(prediction.model?.bytes, s.bytesSent) : null,
      ...(s.xbzrle ? { xbzrle: { hits: s.xbzrle.hits, misses: s.xbzrle.misses, overflows: s.xbzrle.overflows, bytesSaved: s.xbzrle.bytesSaved } } : {}),
      ...(s.compression ? { compression: { pages: s.compression.pages, bytesSaved: s.compression.bytesSaved, ns: s.compressNs ?? 0 } } : {}),
      ...(stream ? { stream } : {}),
    },
  };
}

/** A stream client that did not get every byte back once and in order, in the row's error. */
function streamError(stream: PointResult["stream"]): string | null {
  if (!stream || stream.intact) return null;
  return `${STREAM_ERROR} ${stream.outOfPlace > 0 ? `${stream.outOfPlace} bytes out of place` : `${stream.answers} answers only`}`;
}
