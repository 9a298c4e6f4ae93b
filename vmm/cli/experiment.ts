/**
 * `toyvmm experiment [SPEC.json] [--AXIS v1,v2,…] [--arg KEY=v1,v2] [--out DIR]`: runs a sweep
 * of migrations (vmm/experiment/) and prints one row per point — a table, CSV or JSON on
 * stdout; with --out, results.csv, results.json and SVG plots in DIR. Axes given here replace
 * the spec's: one value fixes a parameter, several sweep it. A progress line is drawn on stderr
 * only when stderr is a terminal. A point whose memory check failed after its migration
 * (memwriter's invariant, vmm/experiment/check.ts) makes the exit status 1, after the results
 * are written.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Argv } from "yargs";
import { UserError } from "../../isa/errors.js";
import { fileError } from "../../isa/loader.js";
import { AXES, ARG_PREFIX, axis, type AxisValue } from "../experiment/axes.js";
import { parsePlotRequest } from "../experiment/plot-request.js";
import { plotsFor } from "../experiment/plots.js";
import { renderSvg } from "../experiment/render.js";
import type { Row } from "../experiment/row.js";
import { runExperiment, type ExperimentProgress } from "../experiment/run.js";
import { parseAxisValues, parseSpec, readSpecFile, type ExperimentSpec } from "../experiment/spec.js";
import { varyingAxes } from "../experiment/sweep.js";
import { toCsv, toJson, toTable } from "../experiment/writers.js";
import { writeOutput, type CliContext, type CliIo, type Command } from "./shared.js";

const FORMATS = ["table", "csv", "json"] as const;

interface ExperimentOptions {
  spec?: string;
  guest?: string;
  arg?: string[];
  out?: string;
  format: (typeof FORMATS)[number];
  plot?: string[];
  name?: string;
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
    spec.sweep = spec.sweep.filter((s) => s.axis !== name);
    if (parsed.values.length === 1) spec.base[name] = parsed.values[0] as AxisValue;
    else spec.sweep.push(parsed);
  }
  if (args.plot?.length) spec.plots = args.plot.map((p) => parsePlotRequest(p, `--plot ${p}`));
  return spec;
}

/** One line, redrawn in place: `[3/9] pre-copy rate=1000  round 1  42%`. */
function progressLine(io: CliIo, varying: string[]): { update(p: ExperimentProgress): void; clear(): void } | null {
  if (!(io.stderr as { isTTY?: boolean }).isTTY) return null;
  let last = "";
  return {
    update(p) {
      const params = varying.map((v) => `${v.replace(/^args\./, "")}=${axis(v, v).show(p.params[v] as AxisValue)}`).join(" ");
      const phase = p.migration ? `  ${p.migration.phase}  ${Math.floor(p.migration.completed * 100)}%` : "";
      const line = `[${p.point + 1}/${p.points}] ${params}${phase}`.slice(0, 100);
      if (line !== last) io.stderr.write(`\r\x1b[K${line}`);
      last = line;
    },
    clear() {
      io.stderr.write("\r\x1b[K");
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
      .option("out", { type: "string", requiresArg: true, describe: "Folder for results.csv, results.json and the SVG plots" })
      .option("format", { choices: FORMATS, default: "table" as const, describe: "What stdout gets" })
      .option("plot", { type: "string", array: true, requiresArg: true, describe: "x=AXIS,y=METRIC[,color=AXIS] (repeatable; needs --out)" })
      .option("name", { type: "string", requiresArg: true, describe: "Experiment name (default: the spec's)" })
      // Whole command lines, no description column: yargs would wrap them mid-word.
      .example("$0 experiment docs/experiments/precopy-vs-dirty-rate.json --out results/", "")
      .example("$0 experiment --guest programs/memwriter.s --arg iters=0 --arg rate=50,400 --at 1280600", "")
      .example("$0 experiment --guest multi --strategy pre-copy --memory 1MiB,4MiB,16MiB --format csv", "")
      .example("$0 experiment spec.json --bandwidth 1Gbit/s --out out/ --plot x=args.rate,y=downtime", "")
      .epilogue("Spec format, result columns and where the model applies: docs/EXPERIMENTS.md.") as unknown as Argv<CliContext & ExperimentOptions>;
  },
  handler: async (args) => {
    const spec = buildSpec(args);
    if (args.plot?.length && !args.out) throw new UserError("--plot: plots are written to files; give --out DIR as well");
    const varying = varyingAxes(spec);
    const progress = progressLine(args.io, varying);
    let rows;
    try {
      rows = runExperiment(spec, { onProgress: progress ? (p) => progress.update(p) : undefined });
    } finally {
      progress?.clear();
    }
    const shown = varying.length ? varying : ["strategy"];
    if (args.format === "csv") args.io.stdout.write(toCsv(rows));
    else if (args.format === "json") args.io.stdout.write(toJson(rows, spec.name));
    else args.io.stdout.write(toTable(rows, shown));
    if (args.out) await writeResults(args.io, args.out, rows, spec, varying);
    const failed = rows.find((r) => r.result.memcheck?.startsWith("failed"));
    if (failed) throw new UserError(`${spec.source}: point ${failed.point}: memcheck ${failed.result.memcheck} (after the migration; the results above say where)`);
  },
};

/** results.csv, results.json and the plots (SVG and their vega-lite source) in `out`. */
async function writeResults(io: CliIo, out: string, rows: Row[], spec: ExperimentSpec, varying: string[]): Promise<void> {
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw fileError(out, error);
  }
  writeOutput(io, join(out, "results.csv"), toCsv(rows));
  writeOutput(io, join(out, "results.json"), toJson(rows, spec.name));
  for (const plot of plotsFor(rows, spec.plots, varying)) {
    writeOutput(io, join(out, `${plot.name}.vl.json`), JSON.stringify(plot.vegaLite, null, 2) + "\n");
    writeOutput(io, join(out, `${plot.name}.svg`), await renderSvg(plot));
  }
}
