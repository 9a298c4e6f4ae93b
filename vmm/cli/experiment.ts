/**
 * `toyvmm experiment [SPEC.json] [--AXIS v1,v2,…] [--arg KEY=v1,v2] [--out DIR]`: runs a sweep
 * of migrations (vmm/experiment/) and prints one row per point — a table, CSV or JSON on
 * stdout; with --out, results.csv, results.json and SVG plots in DIR. Axes given here replace
 * the spec's: one value fixes a parameter, several sweep it.
 *
 * Before the first point: the whole spec is checked against the guest (plan.ts), a sweep of
 * more than CONFIRM_POINTS points needs --yes, and DIR is claimed (out-dir.ts: another
 * experiment's results there are refused without --force). Points run --jobs at a time on
 * worker threads (pool.ts; one job runs them on this thread); each finished point's row is in
 * DIR/results.csv as soon as the points before it are. `--shard K/N` runs one slice of the
 * points (shard.ts) and `--merge DIR…` joins the slices' folders into one run's output
 * (merge.ts). Ctrl-C stops the sweep at once, even inside a migration, keeps the finished rows
 * and exits 130. A progress line with an ETA is drawn on
 * stderr only when stderr is a terminal. A point whose memory check failed after its migration
 * (memwriter's invariant, vmm/experiment/check.ts) makes the exit status 1, after the results
 * are written.
 */
import { createContext, runInContext } from "node:vm";
import type { Argv } from "yargs";
import { UserError } from "../../isa/errors.js";
import { AXES, ARG_PREFIX } from "../experiment/axes.js";
import { guestLabels } from "../experiment/labels.js";
import { RESULTS_JSON, ResultsDir } from "../experiment/out-dir.js";
import { planExperiment, type ExperimentPlan } from "../experiment/plan.js";
import { parsePlotRequest } from "../experiment/plot-request.js";
import { plotsFor } from "../experiment/plots.js";
import { progressText } from "../experiment/progress.js";
import { renderSvg } from "../experiment/render.js";
import type { Row } from "../experiment/row.js";
import { mergeShards } from "../experiment/merge.js";
import { defaultJobs, runPlanParallel } from "../experiment/pool.js";
import { runPlan, type ExperimentProgress } from "../experiment/run.js";
import { parseShard, shardPoints, shardText } from "../experiment/shard.js";
import { parseAxisValues, parseSpec, readSpecFile, type ExperimentSpec } from "../experiment/spec.js";
import { sweepShape, thousands, varyingAxes } from "../experiment/sweep.js";
import { toCsv, toJson, toTable } from "../experiment/writers.js";
import type { CliContext, CliIo, Command, Sink } from "./shared.js";

const FORMATS = ["table", "csv", "json"] as const;

/** Sweeps larger than this ask for --yes: at ~0.1 s a point, a typo in a sweep can mean hours. */
export const CONFIRM_POINTS = 1000;

/** Exit status of a sweep stopped by Ctrl-C, as for a shell's child killed by SIGINT. */
const EXIT_INTERRUPTED = 130;

interface ExperimentOptions {
  spec?: string;
  guest?: string;
  arg?: string[];
  out?: string;
  format: (typeof FORMATS)[number];
  plot?: string[];
  name?: string;
  force?: boolean;
  resume?: boolean;
  yes?: boolean;
  jobs?: number;
  shard?: string;
  merge?: string[];
}

/** yargs' camelCase key of an axis option: `downtime-target` → `downtimeTarget`. */
const camel = (name: string): string => name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

const split = (text: string): string[] => text.split(",").map((s) => s.trim());

/** The spec file (if any) with the command line's guest, axes and plots put over it. */
function buildSpec(args: ExperimentOptions): ExperimentSpec {
  let spec: ExperimentSpec;
  if (args.spec) {
    spec = readSpecFile(args.spec);
    if (args.guest) spec.guest = args.guest;
  } else {
    if (!args.guest) throw new UserError("experiment: give a spec file or --guest (see toyvmm experiment --help)");
    spec = parseSpec({ guest: args.guest, name: "experiment" }, "--guest");
  }
  if (args.name) spec.name = args.name;

  const given: [string, string[], string][] = [];
  for (const a of AXES) {
    // The axis options are declared in a loop over AXES, so they are read by name.
    const value = (args as unknown as Record<string, unknown>)[camel(a.name)];
    if (typeof value === "string") given.push([a.name, split(value), `--${a.name}`]);
  }
  for (const [i, text] of (args.arg ?? []).entries()) {
    const eq = text.indexOf("=");
    if (eq <= 0) throw new UserError(`--arg ${JSON.stringify(text)}: expected KEY=VALUE[,VALUE…] (argument ${i + 1})`);
    given.push([ARG_PREFIX + text.slice(0, eq), split(text.slice(eq + 1)), `--arg ${text.slice(0, eq)}`]);
  }
  for (const [name, values, where] of given) {
    const parsed = parseAxisValues(name, values, where);
    delete spec.base[name];
    delete spec.baseWhere[name];
    spec.sweep = spec.sweep.filter((s) => s.axis !== name);
    if (parsed.values.length > 1) spec.sweep.push(parsed);
    else {
      spec.base[name] = parsed.values[0]!;
      spec.baseWhere[name] = where;
    }
  }
  if (args.plot?.length) spec.plots = args.plot.map((p) => parsePlotRequest(p, `--plot ${p}`));
  return spec;
}

function checkOptions(args: ExperimentOptions): void {
  const needOut = [
    ["--plot", args.plot?.length, "plots are written to files"],
    ["--force", args.force, "it replaces results in a folder"],
    ["--resume", args.resume, "it continues results in a folder"],
  ] as const;
  for (const [flag, given, why] of needOut) {
    if (given && !args.out) throw new UserError(`${flag}: ${why}; give --out DIR as well`);
  }
  if (args.force && args.resume) throw new UserError("--force and --resume: choose one (replace the folder's results, or continue them)");
  if (args.jobs !== undefined && !(Number.isInteger(args.jobs) && args.jobs >= 1)) throw new UserError(`--jobs: ${args.jobs}: expected a whole number of worker threads ≥ 1`);
  if (args.merge && (args.shard || args.resume)) throw new UserError(`--merge: joins finished shards; it runs nothing, so ${args.shard ? "--shard" : "--resume"} does not go with it`);
}

/** Runs `job`; Ctrl-C stops it at once, even inside a long migration. True when it did. */
function interruptible(job: () => void): boolean {
  try {
    runInContext("job()", createContext({ job }), { breakOnSigint: true });
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") return true;
    throw error;
  }
}

type Terminal = Sink & { isTTY?: boolean; columns?: number };

/**
 * The progress line, redrawn in place at most every REDRAW_MS; null when stderr is not a
 * terminal. It follows the newest point started (with --jobs, several run at once); `position`
 * turns a point's index into its place among the points this run has (a shard's).
 */
function progressLine(io: CliIo, varying: string[], position: (index: number) => number, count: number) {
  const stderr = io.stderr as Terminal;
  if (!stderr.isTTY) return null;
  const REDRAW_MS = 100;
  const started = performance.now();
  let finished = 0;
  let lastRow = started;
  let drawn = -Infinity;
  let point = -1;
  return {
    say(line: string) {
      stderr.write(`${line}\n`);
    },
    row() {
      finished++;
      lastRow = performance.now();
    },
    update(p: ExperimentProgress) {
      const now = performance.now();
      if (p.point < point || (p.point === point && now - drawn < REDRAW_MS)) return;
      point = p.point;
      drawn = now;
      // Points of this run so far, at their average pace, less what the current one has had.
      const shown = { ...p, point: position(p.point), points: count };
      const eta = finished === 0 ? null : Math.max(0, ((lastRow - started) / finished) * (shown.points - shown.point) - (now - lastRow));
      stderr.write(`\r\x1b[K${progressText(shown, varying, eta, stderr.columns ?? 80)}`);
    },
    clear() {
      stderr.write("\r\x1b[K");
    },
  };
}

export const experimentCommand: Command<ExperimentOptions> = {
  command: "experiment [spec]",
  describe: "Run a sweep of live migrations and tabulate and plot the statistics",
  builder: (yargs) => {
    let y = yargs
      .positional("spec", { type: "string", describe: "Experiment spec (JSON): guest, base, sweep, plots" })
      .option("guest", { type: "string", requiresArg: true, describe: "Bundled guest name, image (.tvm) or assembly source (.s)" });
    for (const a of AXES) {
      y = y.option(a.name, { type: "string", requiresArg: true, describe: `${a.describe}; v1,v2,… sweeps` });
    }
    return y
      .option("arg", { type: "string", array: true, requiresArg: true, describe: "Guest argument KEY=v1,v2,… (repeatable); several values sweep" })
      .option("out", { type: "string", requiresArg: true, describe: "Folder for results.csv (a line per finished point), results.json and the SVG plots" })
      .option("force", { type: "boolean", describe: "Replace the results of another experiment in --out (toyvmm's files only)" })
      .option("resume", { type: "boolean", describe: "Continue the same experiment in --out after its finished points" })
      .option("yes", { type: "boolean", describe: `Run a sweep of more than ${thousands(CONFIRM_POINTS)} points` })
      .option("jobs", { type: "number", requiresArg: true, describe: "Points run at once, on worker threads (default: the machine's cores); the results equal a serial run's" })
      .option("shard", { type: "string", requiresArg: true, describe: "Run only slice K of N (K/N): points K-1, K-1+N, …; --merge joins the slices" })
      .option("merge", { type: "string", array: true, requiresArg: true, describe: "Join the --out folders of all N shards of this experiment (runs nothing)" })
      .option("format", { choices: FORMATS, default: "table" as const, describe: "What stdout gets" })
      .option("plot", { type: "string", array: true, requiresArg: true, describe: "x=AXIS,y=METRIC[,color=AXIS] (repeatable; needs --out)" })
      .option("name", { type: "string", requiresArg: true, describe: "Experiment name (default: the spec's)" })
      .example("$0 experiment docs/experiments/precopy-vs-dirty-rate.json --out results/", "docs/EXPERIMENTS.md's worked example")
      .example("$0 experiment --guest programs/memwriter.s --arg iters=0 --at 320600", "memwriter migrated after its first sweep")
      .example("$0 experiment --guest multi --memory 1MiB,4MiB,16MiB --format csv", "a guest OS at three memory sizes, as CSV")
      .example("$0 experiment docs/experiments/strategies-vs-bandwidth.json --out out/ --plot x=bandwidth,y=downtime", "only the plot asked for")
      .example("$0 experiment docs/experiments/strategies-vs-bandwidth.json --jobs 2 --format csv", "two points at a time; the same CSV as --jobs 1")
      .example(
        "$0 experiment docs/experiments/precopy-vs-dirty-rate.json --shard 1/2 --out shards/1 && $0 experiment docs/experiments/precopy-vs-dirty-rate.json --shard 2/2 --out shards/2 && $0 experiment docs/experiments/precopy-vs-dirty-rate.json --merge shards/1 shards/2 --out merged/",
        "a sweep in two slices (one per machine or job), joined into one run's files",
      )
      .epilogue("Spec format, result columns and where the model applies: docs/EXPERIMENTS.md.") as unknown as Argv<CliContext & ExperimentOptions>;
  },
  handler: async (args) => {
    checkOptions(args);
    const spec = buildSpec(args);
    // Between the sweep's points, on worker threads and while the plots are drawn, Ctrl-C is noticed here.
    const interrupt = new AbortController();
    const onSigint = () => interrupt.abort();
    process.on("SIGINT", onSigint);
    try {
      await experiment(args, spec, interrupt.signal);
    } finally {
      process.off("SIGINT", onSigint);
    }
  },
};

async function experiment(args: CliContext & ExperimentOptions, spec: ExperimentSpec, signal: AbortSignal): Promise<void> {
  const interrupted = () => signal.aborted;
  const plan = planExperiment(spec);
  const shard = args.shard ? parseShard(args.shard, "--shard") : null;
  const total = plan.points.length;
  const mine = shardPoints(total, shard);
  if (!args.merge && mine.length > CONFIRM_POINTS && !args.yes) {
    throw new UserError(`${spec.source}: ${thousands(mine.length)} points (${sweepShape(spec)}${shard ? `, shard ${shardText(shard)}` : ""}); a sweep of more than ${thousands(CONFIRM_POINTS)} points runs only with --yes`);
  }
  const merged = args.merge ? mergeShards(plan, args.merge) : null;
  const out = args.out ? new ResultsDir(args.out, plan, { force: args.force, resume: args.resume, shard }) : null;
  const rows: Row[] = [...(out?.done ?? [])];
  const varying = varyingAxes(spec);
  const count = shard ? `shard ${shardText(shard)}: ${thousands(mine.length)} of ${thousands(total)} points` : `${thousands(total)} points`;
  const progress = merged ? null : progressLine(args.io, varying, (index) => (index - (shard ? shard.index - 1 : 0)) / (shard?.count ?? 1), mine.length);
  progress?.say(`${spec.name}: ${count} (${sweepShape(spec)})${rows.length ? `, ${rows.length} finished before` : ""}`);
  let stopped = false;
  try {
    const options = {
      indices: mine,
      from: rows.length,
      onRow: (row: Row) => {
        rows.push(row);
        out?.append(row);
        progress?.row();
      },
      onProgress: progress ? (p: ExperimentProgress) => progress.update(p) : undefined,
    };
    const jobs = Math.min(args.jobs ?? defaultJobs(), mine.length - rows.length);
    if (merged) merged.forEach((row) => options.onRow(row));
    else if (jobs <= 1) stopped = interruptible(() => runPlan(plan, options));
    else await runPlanParallel(plan, { ...options, jobs, signal });
  } catch (error) {
    if (error instanceof UserError && rows.length > 0) throw new UserError(`${error.message} (${finished(rows, mine.length, out, false)})`, error.exitCode);
    throw error;
  } finally {
    progress?.clear();
    out?.close();
  }
  const shown = varying.length ? varying : ["strategy"];
  if (args.format === "csv") args.io.stdout.write(toCsv(rows));
  else if (args.format === "json") args.io.stdout.write(toJson(rows, spec.name));
  else args.io.stdout.write(toTable(rows, shown));
  if (out) out.write(RESULTS_JSON, toJson(rows, spec.name));
  if (stopped || interrupted()) throw new UserError(`interrupted: ${finished(rows, mine.length, out, true)}${out ? "; plots are drawn for a whole sweep" : ""}`, EXIT_INTERRUPTED);
  // A shard's plots would show a slice of the sweep: the merge draws them for the whole.
  if (out && !shard) await writePlots(out, rows, plan, varying, interrupted);
  const failed = rows.find((r) => r.result.memcheck?.startsWith("failed"));
  if (failed) throw new UserError(`${spec.source}: point ${failed.point}: memcheck ${failed.result.memcheck} (after the migration; the results above say where)`);
}

/** `30 of 90 points finished, in out/results.csv and results.json`. */
function finished(rows: Row[], total: number, out: ResultsDir | null, json: boolean): string {
  return `${thousands(rows.length)} of ${thousands(total)} points finished${out ? `, in ${out.csvPath}${json ? ` and ${RESULTS_JSON}` : ""}` : ""}`;
}

/** Each plot's SVG and its vega-lite source; Ctrl-C stops between plots. */
async function writePlots(out: ResultsDir, rows: Row[], plan: ExperimentPlan, varying: string[], interrupted: () => boolean): Promise<void> {
  const labels = { ...guestLabels(plan.guest.image), ...plan.spec.labels };
  for (const plot of plotsFor(rows, plan.spec.plots, { varying, labels })) {
    out.write(`${plot.name}.vl.json`, JSON.stringify(plot.vegaLite, null, 2) + "\n");
    out.write(`${plot.name}.svg`, await renderSvg(plot));
    if (interrupted()) throw new UserError(`interrupted while drawing the plots; all ${thousands(rows.length)} points finished, in ${out.csvPath} and ${RESULTS_JSON}`, EXIT_INTERRUPTED);
  }
}
