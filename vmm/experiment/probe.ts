/**
 * What the analytic model needs to know about a guest at the migration point, measured
 * without touching the guest that will migrate:
 *
 *   round-0 bytes   every page as the sender would put it on the wire now (a run of zero
 *                   pages is one marker frame)
 *   state bytes     the state frame of the VM's `save()`
 *   dirty rate D    on a copy of the VM (save + memory copy, as migration itself restores it)
 *                   run for one round 0's worth of guest time, in windows of WINDOW_TICKS: the
 *                   distinct pages dirtied per window, summed, per virtual second
 *   working set W   distinct pages dirtied over the whole probe
 *
 * Everything is in guest ticks and virtual time, so the probe is as repeatable as the run.
 */
import { mulDivCeil } from "../migration/clock.js";
import { MACHINE_HOST } from "../migration/machine-vm.js";
import { preCopyModel, stopCopyModel } from "../migration/model.js";
import { isZeroPage, PAGE_FRAME_BYTES, ZERO_FRAME_BYTES } from "../migration/pages.js";
import { encodeFrame } from "../migration/stream/codec.js";
import type { MigratableVm } from "../migration/vm-port.js";
import { Memory } from "../../isa/memory.js";
import type { PointResult } from "./row.js";

/** Short enough that a working set is not swept twice within one window at the rates we use. */
export const WINDOW_TICKS = 1000;
/**
 * Upper bound on the probe. The migration runs the guest through round 0 anyway, so the probe
 * at most doubles a point's cost; the bound only stops very slow links from taking minutes.
 */
export const PROBE_MAX_TICKS = 50_000_000;

export interface LinkParameters {
  bandwidth: number;
  latencyNs: number;
  downtimeTargetNs: number;
  maxRounds: number;
  speed: number;
}

/** Bytes round 0 (or stop-and-copy) would send for this memory now. */
export function roundZeroBytes(memory: Memory): number {
  let bytes = 0;
  for (let p = 0; p < memory.pageCount; p++) {
    if (!isZeroPage(memory, p)) bytes += PAGE_FRAME_BYTES;
    else if (p === 0 || !isZeroPage(memory, p - 1)) bytes += ZERO_FRAME_BYTES;
  }
  return bytes;
}

export function stateBytes(vm: MigratableVm): number {
  return encodeFrame({ type: "state", json: JSON.stringify(vm.save()) }).length;
}

/** Runs a copy of `vm` for `ticks` and measures its dirty rate (pages/s at `speed`) and working set. */
export function probeDirtyRate(vm: MigratableVm, ticks: number, speed: number): { dirtyPagesPerSecond: number; workingSetPages: number } {
  const memory = new Memory(vm.memory.size);
  memory.bytes.set(vm.memory.bytes);
  const copy = MACHINE_HOST.restore(vm.name, vm.config(), vm.save(), memory);
  const touched = new Uint8Array(memory.pageCount);
  let perWindow = 0;
  let ran = 0;
  while (ran < ticks) {
    const before = copy.ticks;
    const exit = copy.run(Math.min(WINDOW_TICKS, ticks - ran));
    ran += copy.ticks - before;
    for (const page of memory.takeDirty()) {
      perWindow++;
      touched[page] = 1;
    }
    if (exit.reason !== "budget" || copy.ticks === before) break;
  }
  const workingSetPages = touched.reduce((n, t) => n + t, 0);
  return { dirtyPagesPerSecond: ran > 0 ? Math.round((perWindow * speed) / ran) : 0, workingSetPages };
}

/** The model's figures for a point (null for post-copy, which the model does not cover). */
export function predict(
  vm: MigratableVm,
  strategy: string,
  link: LinkParameters,
): Pick<PointResult, "dirtyPagesPerSecond" | "workingSetPages" | "model"> {
  if (strategy === "post-copy") return { dirtyPagesPerSecond: null, workingSetPages: null, model: null };
  const memoryBytes = roundZeroBytes(vm.memory);
  const state = stateBytes(vm);
  if (strategy === "stop-copy") {
    const m = stopCopyModel(memoryBytes, state, link.bandwidth, link.latencyNs);
    return {
      dirtyPagesPerSecond: null,
      workingSetPages: null,
      model: { rounds: 1, bytes: memoryBytes + state, downtimeNs: Math.round(m.downtimeNs), totalNs: Math.round(m.totalNs) },
    };
  }
  const round0Ticks = mulDivCeil(memoryBytes, link.speed, link.bandwidth);
  const probe = probeDirtyRate(vm, Math.min(PROBE_MAX_TICKS, Math.max(WINDOW_TICKS, round0Ticks)), link.speed);
  const m = preCopyModel({
    memoryBytes,
    pageBytes: PAGE_FRAME_BYTES,
    dirtyPagesPerSecond: probe.dirtyPagesPerSecond,
    workingSetPages: probe.workingSetPages,
    bandwidth: link.bandwidth,
    latencyNs: link.latencyNs,
    stateBytes: state,
    downtimeTargetNs: link.downtimeTargetNs,
    maxRounds: link.maxRounds,
  });
  return {
    ...probe,
    model: { rounds: m.rounds, bytes: Math.round(m.totalBytes), downtimeNs: Math.round(m.downtimeNs), totalNs: Math.round(m.totalNs) },
  };
}
