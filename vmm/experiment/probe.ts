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
import { preCopyModel, sensitiveToDirtyRate, stopCopyModel } from "../migration/model.js";
import { outsideModel, roundZeroBytes, stateBytes } from "../migration/predict.js";
import { measureDirtyRate } from "../migration/dirty-rate.js";
import { isZeroPage, PAGE_FRAME_BYTES } from "../migration/pages.js";
import type { MigratableVm } from "../migration/vm-port.js";
import { PAGE_SIZE } from "../../isa/arch.js";
import { Memory } from "../../isa/memory.js";
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

/** Runs a copy of `vm` for `ticks` and measures its dirty rate (pages/s at `speed`) and working set. */
export function probeDirtyRate(vm: MigratableVm, ticks: number, speed: number): { dirtyPagesPerSecond: number; workingSetPages: number } {
  const memory = new Memory(vm.memory.size);
  // Only the pages that hold data: the copy of a large, mostly zero memory stays mostly untouched.
  for (let p = 0; p < memory.pageCount; p++) if (!isZeroPage(vm.memory, p)) memory.bytes.set(vm.memory.page(p), p * PAGE_SIZE);
  const { dirtyPagesPerSecond, workingSetPages } = measureDirtyRate(ANY_HOST.restore(vm.name, vm.config(), vm.save(), memory), ticks, speed);
  return { dirtyPagesPerSecond, workingSetPages };
}

/** The model's figures for a point (null for post-copy, which the model does not cover). */
export function predict(
  vm: MigratableVm,
  strategy: string,
  link: LinkParameters,
): Pick<PointResult, "dirtyPagesPerSecond" | "workingSetPages" | "model" | "modelNote"> {
  if (strategy === "post-copy") return { dirtyPagesPerSecond: null, workingSetPages: null, model: null, modelNote: null };
  const memoryBytes = roundZeroBytes(vm.memory);
  const state = stateBytes(vm);
  if (strategy === "stop-copy") {
    const m = stopCopyModel(memoryBytes, state, link.bandwidth, link.latencyNs);
    return {
      dirtyPagesPerSecond: null,
      workingSetPages: null,
      modelNote: "",
      model: { rounds: 1, bytes: memoryBytes + state, downtimeNs: Math.round(m.downtimeNs), totalNs: Math.round(m.totalNs) },
    };
  }
  const round0Ticks = mulDivCeil(memoryBytes, link.speed, link.bandwidth);
  const probeTicks = Math.min(PROBE_MAX_TICKS, Math.max(PROBE_MIN_TICKS, PROBE_ROUND0S * round0Ticks));
  const probe = probeDirtyRate(vm, probeTicks, link.speed);
  const input = {
    memoryBytes,
    pageBytes: PAGE_FRAME_BYTES,
    dirtyPagesPerSecond: probe.dirtyPagesPerSecond,
    workingSetPages: probe.workingSetPages,
    bandwidth: link.bandwidth,
    latencyNs: link.latencyNs,
    stateBytes: state,
    downtimeTargetNs: link.downtimeTargetNs,
    maxRounds: link.maxRounds,
  };
  const m = preCopyModel(input);
  const notes = outsideModel(probe.dirtyPagesPerSecond, link, m);
  const edge = sensitiveToDirtyRate(input, m.rounds);
  return {
    ...probe,
    modelNote: [...notes, ...(edge && notes.length === 0 ? ["sensitive"] : [])].join(" "),
    model: { rounds: m.rounds, bytes: Math.round(m.totalBytes), downtimeNs: Math.round(m.downtimeNs), totalNs: Math.round(m.totalNs) },
  };
}
