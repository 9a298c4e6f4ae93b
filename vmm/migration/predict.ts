/**
 * The model's prediction of a migration before it starts, from a dirty-rate measurement of the
 * guest (dirty-rate.ts) and what the sender would put on the wire now: round 0's bytes (every
 * page, a run of zero pages as one marker) and the state frame. Pre-copy with its convergence
 * control, and stop-and-copy; with XBZRLE or compression the encoded model, its bytes a page
 * measured by the page encoder on the guest's pages (encoding-sample.ts). Post-copy is not
 * modelled. The experiment runner predicts its points by the same `predictMigration`
 * (experiment/probe.ts). `formatPrediction` and
 * `formatPredictionBeside` are the text `toyvmm migrate --predict` and `toyvmm vm migrate
 * --predict` print.
 */
import { encodedPreCopyModel, encodedStopCopyModel, preCopyModel, sensitiveToDirtyRate, sensitiveToWarmUp, stopCopyModel, type PreCopyModel, type PreCopyModelInput } from "./model.js";
import type { EncodingSample } from "./encoding-sample.js";
import type { DirtyRate } from "./dirty-rate.js";
import { isZeroPage, PAGE_FRAME_BYTES, ZERO_FRAME_BYTES } from "./pages.js";
import { autoConvergeOf } from "./options.js";
import type { AutoConverge } from "./protocol/converge.js";
import type { MigrationStats } from "./stats.js";
import { encodeFrame } from "./stream/codec.js";
import type { Strategy } from "./stream/frames.js";
import { formatMegabytes, formatNs } from "./units.js";
import type { Memory } from "../../isa/memory.js";
import type { MigratableVm } from "./vm-port.js";

/** Bytes round 0 (or stop-and-copy) would send for this memory now. */
export function roundZeroBytes(memory: Memory): number {
  let bytes = 0;
  let previousZero = false;
  for (let p = 0; p < memory.pageCount; p++) {
    const zero = isZeroPage(memory, p);
    if (!zero) bytes += PAGE_FRAME_BYTES;
    else if (!previousZero) bytes += ZERO_FRAME_BYTES;
    previousZero = zero;
  }
  return bytes;
}

export function stateBytes(vm: MigratableVm): number {
  return encodeFrame({ type: "state", json: JSON.stringify(vm.save()) }).length;
}

/** What the model is told of the link and the migration's parameters. */
export interface PredictionParameters {
  strategy: Strategy;
  bandwidth: number;
  latencyNs: number;
  downtimeTargetNs: number;
  maxRounds: number;
  autoConverge?: boolean | Partial<AutoConverge>;
  dirtyLimit?: number;
}

export interface Prediction {
  strategy: "stop-copy" | "pre-copy";
  /** Which model: plain pages, or the encoded model with the encoder's bytes a page. */
  model: "plain" | "encoded";
  rounds: number;
  /** Bytes on the wire: pages and the state. */
  bytes: number;
  downtimeNs: number;
  totalNs: number;
  /** Whether the downtime fits the target (pre-copy converges). */
  converges: boolean;
  /** Auto-converge's throttle per live round (empty when off). */
  throttles: number[];
  /** When `--postcopy-policy auto` would turn into post-copy, or null. */
  postcopySwitch: PreCopyModel["postcopySwitch"];
  /** Where the model does not describe this migration (outsideModel), empty when it does. */
  notes: string[];
}

/**
 * The model's figures for migrating a guest whose memory and state are `plainBytes` (round 0 of
 * plain pages) and `stateBytes` on the wire and whose dirty rate was `measured`; null for
 * post-copy. With `encoded` (XBZRLE or compression, encoding-sample.ts) the encoded model's.
 */
export function predictMigration(plainBytes: number, stateBytes: number, measured: Pick<DirtyRate, "dirtyPagesPerSecond" | "workingSetPages">, p: PredictionParameters, encoded: EncodingSample | null = null): Prediction | null {
  if (p.strategy === "post-copy") return null;
  const memoryBytes = encoded ? encoded.memoryBytes : plainBytes;
  const e = encoded?.model;
  const model = e ? "encoded" : "plain";
  if (p.strategy === "stop-copy") {
    const m = e ? encodedStopCopyModel(memoryBytes, stateBytes, p.bandwidth, p.latencyNs, e) : stopCopyModel(memoryBytes, stateBytes, p.bandwidth, p.latencyNs);
    const bytes = memoryBytes + stateBytes;
    return { strategy: "stop-copy", model, rounds: 1, bytes, downtimeNs: m.downtimeNs, totalNs: m.totalNs, converges: m.downtimeNs <= p.downtimeTargetNs, throttles: [], postcopySwitch: null, notes: [] };
  }
  const autoConverge = autoConvergeOf(p.autoConverge);
  const input = {
    memoryBytes,
    pageBytes: PAGE_FRAME_BYTES,
    dirtyPagesPerSecond: measured.dirtyPagesPerSecond,
    workingSetPages: measured.workingSetPages,
    bandwidth: p.bandwidth,
    latencyNs: p.latencyNs,
    stateBytes,
    downtimeTargetNs: p.downtimeTargetNs,
    maxRounds: p.maxRounds,
    autoConverge,
    dirtyLimit: p.dirtyLimit ?? 0,
  };
  const modelOf = e ? (i: PreCopyModelInput) => encodedPreCopyModel(i, e) : preCopyModel;
  const m = modelOf(input);
  const effective = Math.min(measured.dirtyPagesPerSecond, p.dirtyLimit ? p.dirtyLimit : Infinity);
  // A resent page that goes whole, as bytes at the bandwidth: its frame and the time to compress it.
  const pageBytes = e ? e.wholeBytes + (e.cpuNsPerPage * p.bandwidth) / 1e9 : PAGE_FRAME_BYTES;
  const notes = outsideModel(effective, p, m, pageBytes);
  if (e && (autoConverge || p.dirtyLimit)) notes.push("converge");
  if (autoConverge && notes.length === 0 && effective * PAGE_FRAME_BYTES > LOCK_STEP * p.bandwidth) notes.push("lock-step");
  if (encoded && encoded.cacheSlots > 0 && encoded.cacheSlots < measured.workingSetPages) notes.push("cache");
  if (notes.length === 0 && sensitiveToDirtyRate(input, m.rounds, undefined, modelOf)) notes.push("sensitive");
  if (notes.length === 0 && e && sensitiveToWarmUp(input, e, m.rounds)) notes.push("warm-up");
  return {
    strategy: "pre-copy",
    model,
    rounds: m.rounds,
    bytes: m.totalBytes,
    downtimeNs: m.downtimeNs,
    totalNs: m.totalNs,
    converges: m.downtimeNs <= p.downtimeTargetNs,
    throttles: m.throttles,
    postcopySwitch: m.postcopySwitch,
    notes,
  };
}

/**
 * Above this share of the link's page rate a writer and the sender sweep memory in lock-step:
 * which pages the writer finds already sent depends on their phase, which the model does not
 * know (tests/migration/model-converge.test.ts).
 */
export const LOCK_STEP = 0.8;

/**
 * Where pre-copy's model does not describe the run: a guest dirtying pages at least as fast as
 * the link moves them ("D>=B": rounds never shrink; the engine's stop then depends on the
 * exact order of pages, which the model does not know), rounds cut by the round limit before
 * the remainder fits the target ("max-rounds"), or a stop-and-copy round of a few pages
 * ("few-pages"). `pageBytes`: what a resent page costs, as bytes at the bandwidth (a page frame,
 * or with compression its compressed frame and the time to compress it). `predict` adds
 * "sensitive" when 10% more or less D changes the rounds.
 */
export function outsideModel(dirtyPagesPerSecond: number, link: Pick<PredictionParameters, "bandwidth" | "maxRounds" | "downtimeTargetNs">, model: PreCopyModel, pageBytes = PAGE_FRAME_BYTES): string[] {
  const notes: string[] = [];
  if (dirtyPagesPerSecond * pageBytes >= link.bandwidth) notes.push("D>=B");
  if (model.rounds > link.maxRounds && model.downtimeNs > link.downtimeTargetNs) notes.push("max-rounds");
  // The model's rounds are expected page counts; a real round is a whole number of pages, so
  // when one page is over a tenth of the downtime, one page more or less is a 10% error.
  if (notes.length === 0 && (pageBytes * 1e9) / link.bandwidth > model.downtimeNs / 10) notes.push("few-pages");
  return notes;
}

/** What each note means, for people. */
const NOTE_TEXT: Record<string, string> = {
  "D>=B": "the guest dirties pages at least as fast as the link sends them: rounds do not shrink, and the engine's stop depends on the order of pages",
  "max-rounds": "the round limit stops pre-copy before the rest fits the target",
  "few-pages": "the last round is a few pages: one page more or less is over 10% of the downtime",
  "lock-step": `the guest dirties over ${LOCK_STEP} of the link's page rate: writer and sender sweep in lock-step and the rounds depend on their phase`,
  sensitive: "10% more or less dirty rate changes the number of rounds: the downtime may differ by a round",
  converge: "the encoded model leaves out auto-converge and the dirty limit: its figures are pre-copy's without them",
  unsampled: "with XBZRLE or compression: the host does not sample its page encoder, so this is the model of plain pages, and the bytes sent will be fewer",
  cache: "XBZRLE's cache has fewer slots than the working set has pages: the model takes a slot per page",
  "warm-up": "8% more or less working set changes the number of rounds: whether XBZRLE's cache holds a round yet hangs on a few pages",
};

/** A dirty-rate measurement as one line. */
export function formatDirtyRate(measured: Omit<DirtyRate, "sampledPages">): string {
  return (
    `dirty rate: ${measured.dirtyPagesPerSecond} pages/s (${formatMegabytes(measured.dirtyPagesPerSecond * PAGE_FRAME_BYTES)}/s on the wire), ` +
    `${measured.workingSetPages} distinct pages, over ${measured.windowTicks} instructions (${formatNs(measured.windowNs)}) by ${measured.mode}`
  );
}

/** Which model predicted, as one line; `encoded`: the encoder's sample it was given. */
export function formatModel(prediction: Prediction, encoded: EncodingSample | null): string {
  const name = prediction.strategy === "pre-copy" ? "pre-copy" : "stop-and-copy";
  if (!encoded) return `model: ${name}, plain pages (${PAGE_FRAME_BYTES} bytes a page)`;
  const e = encoded.model;
  const how = [e.deltaBytes !== null ? `XBZRLE (${encoded.cacheSlots} cache slots)` : null, e.cpuNsPerPage > 0 ? "compression" : null].filter((w) => w !== null).join(" and ");
  const delta = e.deltaBytes !== null ? `, ${Math.round(e.deltaBytes)} as a delta` : "";
  return `model: encoded ${name} with ${how}; measured by the page encoder: round 0 ${formatMegabytes(encoded.memoryBytes)}, a resent page ${Math.round(e.wholeBytes)} bytes whole${delta}`;
}

/** The measurement and the prediction, as lines of text; `encoded`: the encoder's sample the prediction used. */
export function formatPrediction(measured: Omit<DirtyRate, "sampledPages">, prediction: Prediction | null, strategy: Strategy, downtimeTargetNs: number, encoded: EncodingSample | null = null): string {
  const lines = [formatDirtyRate(measured)];
  if (!prediction) return lines.concat(`prediction: the model does not cover ${strategy}`).join("\n") + "\n";
  lines.push(formatModel(prediction, encoded));
  const converges = prediction.strategy === "pre-copy" ? `; pre-copy ${prediction.converges ? "converges" : "does not converge"} (target ${formatNs(downtimeTargetNs)})` : "";
  lines.push(`prediction: ${prediction.rounds} round${prediction.rounds === 1 ? "" : "s"}, ${formatMegabytes(prediction.bytes)}, downtime ${formatNs(prediction.downtimeNs)}, total ${formatNs(prediction.totalNs)}${converges}`);
  if (prediction.throttles.length > 0) lines.push(`  throttle per round: ${prediction.throttles.map((t) => `${t}%`).join(" ")}`);
  if (prediction.postcopySwitch) lines.push(`  under --postcopy-policy auto it would switch to post-copy after ${prediction.postcopySwitch.rounds} round${prediction.postcopySwitch.rounds === 1 ? "" : "s"}, at ${formatNs(prediction.postcopySwitch.atNs)}: ${prediction.postcopySwitch.reason}`);
  for (const note of prediction.notes) lines.push(`  outside the model (${note}): ${NOTE_TEXT[note] ?? note}`);
  return lines.join("\n") + "\n";
}

/** The prediction beside what the migration did; with `postcopyAuto` (the policy), when each switched to post-copy. */
export function formatPredictionBeside(prediction: Prediction, stats: Pick<MigrationStats, "rounds" | "bytesSent" | "downtimeNs" | "totalNs" | "postcopySwitch">, postcopyAuto = false): string {
  const rows: [string, string, string][] = [
    ["rounds", String(prediction.rounds), String(stats.rounds.length)],
    ["bytes", formatMegabytes(prediction.bytes), formatMegabytes(stats.bytesSent)],
    ["downtime", formatNs(prediction.downtimeNs), formatNs(stats.downtimeNs)],
    ["total time", formatNs(prediction.totalNs), formatNs(stats.totalNs)],
  ];
  if (postcopyAuto) {
    const after = (rounds: number | undefined) => (rounds === undefined ? "no switch" : `after ${rounds}`);
    rows.push(["post-copy switch", after(prediction.postcopySwitch?.rounds), after(stats.postcopySwitch?.rounds)]);
  }
  const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(9, ...rows.map((r) => r[1].length))];
  const line = (r: [string, string, string]) => `${r[0].padEnd(w[0]!)}  ${r[1].padStart(w[1]!)}  ${r[2]}`;
  return [line(["", "predicted", "measured"]), ...rows.map(line)].join("\n") + "\n";
}
