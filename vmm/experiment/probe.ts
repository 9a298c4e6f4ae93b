/**
 * What the analytic model needs to know about a guest at the migration point, measured
 * without touching the guest that will migrate:
 *
 *   round-0 bytes   every page as the sender would put it on the wire now (a run of zero
 *                   pages is one marker frame)
 *   state bytes     the state frame of the VM's `save()`
 *   dirty rate D    on a copy of the VM (save + memory copy, as migration itself restores it)
 *                   run for PROBE_ROUND0S round 0s' worth of guest time, measured by the dirty
 *                   bitmap (migration/dirty-rate.ts): the distinct pages dirtied per period of
 *                   PERIOD_TICKS, summed, per virtual second
 *   working set W   distinct pages dirtied over the whole probe
 *
 * Everything is in guest ticks and virtual time, so the probe is as repeatable as the run.
 */
import { mulDivCeil } from "../migration/clock.js";
import { ANY_HOST } from "../migration/index.js";
import { copyOfMemory, encodingSampleFor, type EncodingParameters } from "../migration/encoding-sample.js";
import { outsideModel, predictMigration, roundZeroBytes, stateBytes } from "../migration/predict.js";
import { measureDirtyRate } from "../migration/dirty-rate.js";
import type { MigratableVm } from "../migration/vm-port.js";
import type { Memory } from "../../isa/memory.js";
import type { PointResult } from "./row.js";

/**
 * The probe runs this many round 0s' worth of guest time: long enough that D is an average over
 * many writes (over one round 0 a slow writer makes only as many writes as round 1 has pages,
 * and one write more or less is several percent) and that W sees the whole working set.
 */
export const PROBE_ROUND0S = 4;
/** …and at least this many ticks, for the same reason when round 0 is short (a fast link). */
export const PROBE_MIN_TICKS = 1_000_000;
/**
 * Upper bound on the probe: it only stops very slow links from taking minutes.
 */
export const PROBE_MAX_TICKS = 50_000_000;

export { outsideModel, roundZeroBytes, stateBytes };

export interface LinkParameters {
  bandwidth: number;
  latencyNs: number;
  downtimeTargetNs: number;
  maxRounds: number;
  speed: number;
}

/** Runs a copy of `vm` for `ticks` and measures its dirty rate (pages/s at `speed`) and working set; `after`: the copy's memory then. */
export function probeDirtyRate(vm: MigratableVm, ticks: number, speed: number): { dirtyPagesPerSecond: number; workingSetPages: number; after: Memory } {
  const memory = copyOfMemory(vm.memory);
  const { dirtyPagesPerSecond, workingSetPages } = measureDirtyRate(ANY_HOST.restore(vm.name, vm.config(), vm.save(), memory), ticks, speed);
  return { dirtyPagesPerSecond, workingSetPages, after: memory };
}

/** How a point's pages travel (off: plain pages). */
export type PointEncoding = EncodingParameters;

type Prediction = Pick<PointResult, "dirtyPagesPerSecond" | "workingSetPages" | "model" | "modelNote">;

/**
 * The model's figures for a point (null for post-copy, which the model does not cover), by
 * `predictMigration` as `migrate --predict` has them: plain pre-copy's and stop-and-copy's, or
 * with XBZRLE or compression the encoded model's, its bytes measured by the page encoder on the
 * guest's pages as they change during the probe (encoding-sample.ts).
 */
export function predict(vm: MigratableVm, strategy: string, link: LinkParameters, encoding: PointEncoding = PLAIN): Prediction {
  if (strategy !== "stop-copy" && strategy !== "pre-copy") return { dirtyPagesPerSecond: null, workingSetPages: null, model: null, modelNote: null };
  const plainBytes = roundZeroBytes(vm.memory);
  let probe = null;
  if (strategy === "pre-copy") {
    const round0Ticks = mulDivCeil(plainBytes, link.speed, link.bandwidth);
    probe = probeDirtyRate(vm, Math.min(PROBE_MAX_TICKS, Math.max(PROBE_MIN_TICKS, PROBE_ROUND0S * round0Ticks)), link.speed);
  }
  const encoded = encodingSampleFor(strategy, vm.memory, () => ({ from: vm.memory, to: probe!.after }), encoding);
  const measured = probe ?? { dirtyPagesPerSecond: 0, workingSetPages: 0 };
  const m = predictMigration(plainBytes, stateBytes(vm), measured, { strategy, ...link }, encoded)!;
  return {
    dirtyPagesPerSecond: probe ? probe.dirtyPagesPerSecond : null,
    workingSetPages: probe ? probe.workingSetPages : null,
    modelNote: m.notes.join(" "),
    model: { rounds: m.rounds, bytes: Math.round(m.bytes), downtimeNs: Math.round(m.downtimeNs), totalNs: Math.round(m.totalNs) },
  };
}

const PLAIN: PointEncoding = { xbzrleCache: 0, compress: false, compressCostPs: 0, decompressCostPs: 0 };
