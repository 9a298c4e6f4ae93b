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
import { encodedPreCopyModel, encodedStopCopyModel, preCopyModel, sensitiveToDirtyRate, sensitiveToWarmUp, stopCopyModel, type PreCopyModelInput } from "../migration/model.js";
import { sampleEncoding } from "../migration/encoding-sample.js";
import type { PageEncoding } from "../migration/protocol/page-encoder.js";
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

/** Runs a copy of `vm` for `ticks` and measures its dirty rate (pages/s at `speed`) and working set; `after`: the copy's memory then. */
export function probeDirtyRate(vm: MigratableVm, ticks: number, speed: number): { dirtyPagesPerSecond: number; workingSetPages: number; after: Memory } {
  const memory = new Memory(vm.memory.size);
  // Only the pages that hold data: the copy of a large, mostly zero memory stays mostly untouched.
  for (let p = 0; p < memory.pageCount; p++) if (!isZeroPage(vm.memory, p)) memory.bytes.set(vm.memory.page(p), p * PAGE_SIZE);
  const { dirtyPagesPerSecond, workingSetPages } = measureDirtyRate(ANY_HOST.restore(vm.name, vm.config(), vm.save(), memory), ticks, speed);
  return { dirtyPagesPerSecond, workingSetPages, after: memory };
}

/** How a point's pages travel (off: plain pages). */
export interface PointEncoding extends PageEncoding {
  compressCostPs: number;
  decompressCostPs: number;
}

type Prediction = Pick<PointResult, "dirtyPagesPerSecond" | "workingSetPages" | "model" | "modelNote">;

/**
 * The model's figures for a point (null for post-copy, which the model does not cover): plain
 * pre-copy's and stop-and-copy's, or with XBZRLE or compression the encoded model's, its bytes
 * measured by the page encoder on the guest's pages (encoding-sample.ts).
 */
export function predict(vm: MigratableVm, strategy: string, link: LinkParameters, encoding: PointEncoding = PLAIN): Prediction {
  if (strategy === "post-copy") return { dirtyPagesPerSecond: null, workingSetPages: null, model: null, modelNote: null };
  const state = stateBytes(vm);
  if (strategy === "stop-copy") {
    const encoded = encoding.compress ? sampleEncoding(vm.memory, vm.memory, { ...encoding, xbzrleCache: 0 }, encoding) : null;
    const memoryBytes = encoded ? encoded.memoryBytes : roundZeroBytes(vm.memory);
    const m = encoded ? encodedStopCopyModel(memoryBytes, state, link.bandwidth, link.latencyNs, encoded.model) : stopCopyModel(memoryBytes, state, link.bandwidth, link.latencyNs);
    return {
      dirtyPagesPerSecond: null,
      workingSetPages: null,
      modelNote: "",
      model: { rounds: 1, bytes: memoryBytes + state, downtimeNs: Math.round(m.downtimeNs), totalNs: Math.round(m.totalNs) },
    };
  }
  const plainBytes = roundZeroBytes(vm.memory);
  const round0Ticks = mulDivCeil(plainBytes, link.speed, link.bandwidth);
  const probeTicks = Math.min(PROBE_MAX_TICKS, Math.max(PROBE_MIN_TICKS, PROBE_ROUND0S * round0Ticks));
  const { after, ...probe } = probeDirtyRate(vm, probeTicks, link.speed);
  const encoded = encoding.compress || encoding.xbzrleCache > 0 ? sampleEncoding(vm.memory, after, encoding, encoding) : null;
  const input = {
    memoryBytes: encoded ? encoded.memoryBytes : plainBytes,
    pageBytes: PAGE_FRAME_BYTES,
    dirtyPagesPerSecond: probe.dirtyPagesPerSecond,
    workingSetPages: probe.workingSetPages,
    bandwidth: link.bandwidth,
    latencyNs: link.latencyNs,
    stateBytes: state,
    downtimeTargetNs: link.downtimeTargetNs,
    maxRounds: link.maxRounds,
  };
  const e = encoded?.model;
  const model = e ? (m: PreCopyModelInput) => encodedPreCopyModel(m, e) : preCopyModel;
  const m = model(input);
  // A resent page that goes whole, as bytes at the bandwidth: its frame and the time to compress it.
  const pageBytes = e ? e.wholeBytes + (e.cpuNsPerPage * link.bandwidth) / 1e9 : PAGE_FRAME_BYTES;
  const notes = outsideModel(probe.dirtyPagesPerSecond, link, m, pageBytes);
  if (encoded && encoded.cacheSlots > 0 && encoded.cacheSlots < probe.workingSetPages) notes.push("cache");
  if (notes.length === 0 && sensitiveToDirtyRate(input, m.rounds, undefined, model)) notes.push("sensitive");
  if (notes.length === 0 && e && sensitiveToWarmUp(input, e, m.rounds)) notes.push("warm-up");
  return {
    ...probe,
    modelNote: notes.join(" "),
    model: { rounds: m.rounds, bytes: Math.round(m.totalBytes), downtimeNs: Math.round(m.downtimeNs), totalNs: Math.round(m.totalNs) },
  };
}

const PLAIN: PointEncoding = { xbzrleCache: 0, compress: false, compressCostPs: 0, decompressCostPs: 0 };
