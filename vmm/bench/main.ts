/**
 * `npm run bench`: first the four CPU kernels as whole processes, `toyvmm run` against the same
 * algorithm in plain JavaScript, and a cold `toyvmm boot` (`kernels.ts`); then, in-process, the
 * full CPU (interpreter alone, and with the block compiler) against a plain-JavaScript bound and
 * a minimal interpreter, measured side by side in one process (the machines are shared and
 * noisy, so only ratios measured together mean much); then the
 * monitor: its overhead over bare, VM density and a cold `toyvmm boot` (`monitor.ts`); then
 * migration over loopback TCP: the stream against a raw socket, pre-copy against the simulated
 * engine's prediction, post-copy's time to a running guest, stop-and-copy on multifd channels against without (`migration.ts`); then frames per
 * second through the simulated switch (`network.ts`); then reverse execution: snapshot memory and
 * the time to go back one instruction in 10^8 ticks (`reverse.ts`); then a sweep's points on worker
 * threads against one thread (`sweep.ts`); then the simulated engine on a 1 GiB guest: wall
 * seconds per migration and ns per page sent (`gigabyte.ts`); then ns per page to encode and
 * decode XBZRLE and to compress and decompress with LZ4, beside zlib and the plain page frame
 * (`page-encoding.ts`).
 * Prints a table, or JSON with --json.
 *
 *   node dist/vmm/bench/main.js [--reps 5] [--ms 300] [--scale 1] [--only kernels,boot,alu-jit] [--json]
 */
import { benchColdStart, formatColdStart } from "./cold-start.js";
import { benchKernels, formatKernelReport, KERNELS, KERNEL_TARGET } from "./kernels.js";
import { benchMigration, benchStreamAlone, formatMigrationReport, formatStreamReport } from "./migration.js";
import { benchHostInterruption, formatHostInterruption, type HostInterruption } from "./host-interruption.js";
import { benchMonitor, formatMonitorReport } from "./monitor.js";
import { benchGuestStack, benchNetwork, formatNetworkReport, formatStackReport } from "./network.js";
import { benchReverse, formatReverseReport } from "./reverse.js";
import { median } from "./statistics.js";
import { benchGigabyte, formatGigabyteReport } from "./gigabyte.js";
import { benchPageEncoding, formatPageEncodingReport } from "./page-encoding.js";
import { benchSweep, formatSweepReport } from "./sweep.js";
import { WORKLOADS, type Workload } from "./workloads.js";

/** The --only name of the whole-process kernels. */
const KERNELS_ID = "kernels";
/** The --only name of the cold start alone (the kernels measure it too). */
const COLD_START_ID = "boot";
/** The --only name of the migration stream against a raw socket alone (the migration rows measure it too). */
const STREAM_ID = "stream";
/** The --only name of the monitor's figures: overhead over bare, density, cold boot. */
const MONITOR_ID = "monitor";
/** The --only name of the interruption a client sees while a guest server migrates between host processes. */
const INTERRUPTION_ID = "interruption";

interface Options {
  reps: number;
  ms: number;
  scale: number;
  json: boolean;
  only: string[] | null;
}

const USAGE = `usage: node dist/vmm/bench/main.js [--reps N] [--ms N] [--scale F] [--only id,...] [--json]
  --reps N    rounds: measurements per workload, median reported (default 5)
  --ms N      target duration of one in-process measurement in milliseconds (default 300)
  --scale F   size of the whole-process kernels (${KERNELS.map((k) => k.id).join(", ")}), 1 = about a second each (default 1)
  --only ids  run only these (and skip the monitor and migration): ${KERNELS_ID} (the whole-process kernels
              and cold boot), ${COLD_START_ID} (cold boot alone, beside node's own start), ${STREAM_ID} (the migration
              stream against a raw socket alone), ${INTERRUPTION_ID} (a client's longest gap while a guest server
              migrates between host processes), ${MONITOR_ID} (the monitor's overhead over bare on the kernels,
              density, cold boot), or in-process CPU workloads: ${WORKLOADS.map((w) => w.id).join(", ")}
  --json      print the results as JSON`;

class UsageError extends Error {}

function parseArgs(argv: string[]): Options | "help" {
  const options: Options = { reps: 5, ms: 300, scale: 1, json: false, only: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    const positive = (v: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`${arg} must be a positive integer, not '${v}'`);
      return n;
    };
    if (arg === "--help" || arg === "-h") return "help";
    else if (arg === "--json") options.json = true;
    else if (arg === "--reps") options.reps = positive(value());
    else if (arg === "--ms") options.ms = positive(value());
    else if (arg === "--scale") {
      const v = value();
      options.scale = Number(v);
      if (!(options.scale > 0 && options.scale <= 100)) throw new UsageError(`--scale must be a number above 0, at most 100, not '${v}'`);
    } else if (arg === "--only") {
      options.only = value().split(",");
      for (const id of options.only) {
        if (![KERNELS_ID, COLD_START_ID, STREAM_ID, MONITOR_ID, INTERRUPTION_ID].includes(id) && !WORKLOADS.some((w) => w.id === id)) throw new UsageError(`--only: no workload '${id}'`);
      }
    } else throw new UsageError(`unknown option '${arg}'`);
  }
  return options;
}

const WARM_MS = 400;

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** One timed run at `scale`: verified, returns milliseconds and instructions. */
function measure(workload: Workload, scale: number): { ms: number; instructions: number } {
  const prepared = workload.prepare(scale);
  const start = nowMs();
  prepared.run();
  const ms = nowMs() - start;
  prepared.verify();
  return { ms, instructions: prepared.instructions };
}

/**
 * Scale that makes one run last about `targetMs`. First many short runs, so V8 optimizes the
 * loop as a whole function: a first long call runs in on-stack-replaced code, which for the
 * plain-JS loop measured anywhere from 1.3 to 8 G/s depending on what ran before.
 */
function calibrate(workload: Workload, targetMs: number): number {
  const warmUntil = nowMs() + WARM_MS;
  for (let i = 0; i < 1000 && nowMs() < warmUntil; i++) measure(workload, Math.ceil(workload.baseScale / 10));
  let scale = workload.baseScale;
  for (let round = 0; round < 20; round++) {
    const { ms } = measure(workload, scale);
    if (ms >= targetMs / 4 || round === 19) return Math.max(1, Math.round((scale * targetMs) / Math.max(ms, 0.01)));
    scale *= 4;
  }
  return scale;
}

interface Result {
  id: string;
  label: string;
  kind: string;
  side: string;
  scale: number;
  instructions: number;
  mips: number;
  samples: number[];
}

/** The in-process CPU figures and their ratios, as lines. */
function formatInProcess(results: Result[], ratios: Record<string, number>, target: number | undefined, reps: number, ms: number): string[] {
  const lines: string[] = [];
  lines.push(`in-process: the CPU in this process, median of ${reps} rounds of ~${ms} ms per workload`);
  lines.push("");
  const width = Math.max(...results.map((r) => r.label.length));
  lines.push(`${"workload".padEnd(width)}  ${"MIPS".padStart(9)}  ${"min".padStart(9)}  ${"max".padStart(9)}`);
  for (const r of results) {
    const f = (x: number) => x.toFixed(1).padStart(9);
    lines.push(`${r.label.padEnd(width)}  ${f(r.mips)}  ${f(Math.min(...r.samples))}  ${f(Math.max(...r.samples))}`);
  }
  lines.push("");
  lines.push("ratios (median over rounds of the ratio within each round):");
  const rw = Math.max(...Object.keys(ratios).map((k) => k.length));
  for (const [name, value] of Object.entries(ratios)) lines.push(`${name.padEnd(rw)}  ${value.toFixed(3)}`);
  if (target !== undefined) {
    lines.push("");
    lines.push(
      `target: full CPU (JIT) >= 0.25 of plain JS on the ALU loop: ${target.toFixed(3)} (${target >= 0.25 ? "met" : "not met"})`,
    );
  }
  return lines;
}

/** The interruption with each strategy, one after another (each on hosts of its own). */
async function benchInterruptions(): Promise<HostInterruption[]> {
  const rows: HostInterruption[] = [];
  for (const strategy of ["stop-copy", "pre-copy", "post-copy"] as const) rows.push(await benchHostInterruption(strategy));
  return rows;
}

async function main(argv: string[]): Promise<number> {
  let options: Options | "help";
  try {
    options = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`bench: error: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { reps, ms, scale, json, only } = options;
  let kernels: Awaited<ReturnType<typeof benchKernels>> | null = null;
  if (only === null || only.includes(KERNELS_ID)) {
    try {
      kernels = await benchKernels(reps, scale);
    } catch (e) {
      process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
  }
  const coldStart = only?.includes(COLD_START_ID) && !only.includes(KERNELS_ID) ? await benchColdStart(reps) : null;
  const stream = only?.includes(STREAM_ID) ? await benchStreamAlone(reps) : null;
  const workloads = WORKLOADS.filter((w) => !only || only.includes(w.id));
  const scales = new Map(workloads.map((w) => [w.id, calibrate(w, ms)]));
  const samples = new Map<string, number[]>(workloads.map((w) => [w.id, []]));
  const instructions = new Map<string, number>();
  // Side by side: each round measures every workload once, starting at a different one.
  for (let rep = 0; rep < reps; rep++) {
    for (let k = 0; k < workloads.length; k++) {
      const w = workloads[(k + rep) % workloads.length]!;
      const r = measure(w, scales.get(w.id)!);
      samples.get(w.id)!.push(r.instructions / r.ms / 1000);
      instructions.set(w.id, r.instructions);
    }
  }
  const results: Result[] = workloads.map((w) => ({
    id: w.id,
    label: w.label,
    kind: w.kind,
    side: w.side,
    scale: scales.get(w.id)!,
    instructions: instructions.get(w.id)!,
    mips: median(samples.get(w.id)!),
    samples: samples.get(w.id)!,
  }));
  // Ratios per round (both sides measured moments apart), then the median over rounds: on a
  // shared, noisy machine this is steadier than a ratio of medians.
  const sideSamples = (kind: string, side: string) => results.find((r) => r.kind === kind && r.side === side)?.samples;
  const ratio = (a: number[] | undefined, b: number[] | undefined) =>
    a && b ? median(a.map((x, i) => x / b[i]!)) : undefined;
  const ratios: Record<string, number> = {};
  for (const kind of ["alu", "mem"]) {
    const plain = sideSamples(kind, "plain");
    const minimal = sideSamples(kind, "minimal");
    const add = (name: string, value: number | undefined) => value !== undefined && (ratios[name] = value);
    for (const side of ["full", "full-paged", "full-jit", "full-jit-paged"]) {
      add(`${kind}: ${side} / plain JS`, ratio(sideSamples(kind, side), plain));
      add(`${kind}: ${side} / minimal`, ratio(sideSamples(kind, side), minimal));
    }
    add(`${kind}: minimal / plain JS`, ratio(minimal, plain));
  }
  // The CPU as it runs by default: with the block compiler.
  const target = ratios["alu: full-jit / plain JS"];
  const monitor = only === null || only.includes(MONITOR_ID) ? await benchMonitor() : null;
  const migration = only === null ? await benchMigration() : null;
  const network = only === null ? benchNetwork() : null;
  const interruption = only === null || only.includes(INTERRUPTION_ID) ? await benchInterruptions() : null;
  const stack = only === null ? benchGuestStack() : null;
  const reverse = only === null ? benchReverse() : null;
  const gigabyte = only === null ? benchGigabyte() : null;
  const pageEncoding = only === null ? benchPageEncoding() : null;
  const sweep = only === null ? await benchSweep() : null;
  const report = {
    node: process.version,
    reps,
    targetMs: ms,
    kernels,
    coldStart,
    stream,
    kernelTarget: KERNEL_TARGET,
    inProcess: results,
    ratios,
    target: { ratio: 0.25, measured: target ?? null, met: target === undefined ? null : target >= 0.25 },
    monitor,
    migration,
    network,
    interruption,
    stack,
    reverse,
    gigabyte,
    pageEncoding,
    sweep,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [`toyvmm benchmark — node ${process.version}`, ""];
  if (kernels) lines.push(formatKernelReport(kernels));
  if (coldStart) lines.push(formatColdStart(coldStart), "");
  if (stream) lines.push(formatStreamReport(stream));
  if (results.length > 0) lines.push(...formatInProcess(results, ratios, target, reps, ms));
  if (monitor) lines.push("", formatMonitorReport(monitor));
  if (migration) lines.push(formatMigrationReport(migration));
  if (network) lines.push(formatNetworkReport(network));
  if (interruption) lines.push(formatHostInterruption(interruption));
  if (stack) lines.push(formatStackReport(stack));
  if (reverse) lines.push("", formatReverseReport(reverse));
  if (gigabyte) lines.push(formatGigabyteReport(gigabyte));
  if (pageEncoding) lines.push(formatPageEncodingReport(pageEncoding));
  if (sweep) lines.push(formatSweepReport(sweep));
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
