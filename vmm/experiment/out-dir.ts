/**
 * The folder an experiment writes its results to. It is claimed before the first point runs —
 * created if need be, and its toyvmm files looked at: experiment.json (what is being run),
 * results.csv, results.json and each plot NAME.svg beside its NAME.vl.json.
 *
 *   none of them          the folder is used; other files in it are left alone
 *   the same experiment   with `resume`: its finished rows are kept, the sweep goes on after them
 *   anything else         refused; with `force` those files, and only those, are removed first
 *
 * results.csv then grows by a line as each point finishes; results.json and the plots are
 * written at the end (results.json also when the sweep is interrupted).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../isa/errors.js";
import { encodeImage } from "../../isa/image/format.js";
import { ioError, LineAppender, makeFolder, writeFile } from "./files.js";
import type { ExperimentPlan } from "./plan.js";
import { finishedRows } from "./resume.js";
import type { Row } from "./row.js";
import { shardPoints, shardText, type Shard } from "./shard.js";
import { parameterNames } from "./sweep.js";
import { csvHeader, csvLine } from "./writers.js";

export const MANIFEST = "experiment.json";
export const RESULTS_CSV = "results.csv";
export const RESULTS_JSON = "results.json";

export interface ClaimOptions {
  /** Remove another experiment's results instead of refusing the folder. */
  force?: boolean;
  /** Continue the same experiment after its finished rows. */
  resume?: boolean;
  /** The slice of the sweep this folder holds (shard.ts); null or absent: all of it. */
  shard?: Shard | null;
}

/** What makes two runs the same experiment (equal rows, point for point), and which shard of it a folder holds. */
export function manifestOf({ spec, guest, points }: ExperimentPlan, shard: Shard | null = null): Record<string, unknown> {
  return {
    ...(shard ? { shard: shardText(shard) } : {}),
    experiment: spec.name,
    guest: guest.name,
    image_sha256: createHash("sha256").update(encodeImage(guest.image)).digest("hex"),
    points: points.length,
    parameters: parameterNames(spec),
    base: Object.fromEntries(Object.entries(spec.base).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    sweep: spec.sweep.map(({ axis, values }) => ({ axis, values })),
  };
}

/** toyvmm's files in `dir`: the results and each plot (an SVG with its vega-lite source). */
function ownFiles(dir: string): string[] {
  const names = readdirSync(dir);
  const plots = names.filter((n) => n.endsWith(".vl.json") && names.includes(n.replace(/\.vl\.json$/, ".svg")));
  return [...[MANIFEST, RESULTS_CSV, RESULTS_JSON].filter((n) => names.includes(n)), ...plots, ...plots.map((n) => n.replace(/\.vl\.json$/, ".svg"))];
}

/** The manifest at `path`; {} when it cannot be read or is not JSON (nothing in it is the same). */
export function readManifest(path: string): Record<string, unknown> {
  try {
    const json: unknown = JSON.parse(readFileSync(path, "utf8"));
    return typeof json === "object" && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The keys of `mine` (or `theirs`) whose values differ in the manifest at `path`. */
export function differences(path: string, mine: Record<string, unknown>): string[] {
  const theirs = readManifest(path);
  const keys = [...new Set([...Object.keys(mine), ...Object.keys(theirs)])];
  return keys.filter((k) => JSON.stringify(theirs[k]) !== JSON.stringify(mine[k]));
}

export class ResultsDir {
  /** Rows of a resumed sweep that were finished before. */
  readonly done: Row[];
  /** The points this folder's results.csv holds when complete, in order (a shard's, or all). */
  readonly indices: number[];
  private readonly csv: LineAppender;
  private readonly params: string[];

  constructor(readonly dir: string, plan: ExperimentPlan, options: ClaimOptions = {}) {
    makeFolder(dir);
    const manifest = manifestOf(plan, options.shard ?? null);
    const own = ownFiles(dir);
    const resuming = options.resume === true && own.includes(MANIFEST) && differences(join(dir, MANIFEST), manifest).length === 0;
    if (own.length > 0 && !resuming && !options.force) throw new UserError(refusal(dir, own, manifest, options));
    for (const name of own) {
      if (!resuming || (name !== MANIFEST && name !== RESULTS_CSV)) this.remove(name);
    }
    writeFile(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
    this.params = parameterNames(plan.spec);
    const csvPath = join(dir, RESULTS_CSV);
    this.indices = shardPoints(plan.points.length, options.shard ?? null);
    this.done = resuming && existsSync(csvPath) ? finishedRows(csvPath, plan, this.indices) : [];
    if (this.done.length === 0) writeFile(csvPath, csvHeader(this.params));
    this.csv = new LineAppender(csvPath);
  }

  get csvPath(): string {
    return this.csv.path;
  }

  /** A finished point's line, on disk before the next point starts. */
  append(row: Row): void {
    this.csv.append(csvLine(row, this.params));
  }

  write(name: string, data: string): void {
    writeFile(join(this.dir, name), data);
  }

  close(): void {
    this.csv.close();
  }

  private remove(name: string): void {
    try {
      unlinkSync(join(this.dir, name));
    } catch (error) {
      throw ioError(join(this.dir, name), error);
    }
  }
}

function refusal(dir: string, own: string[], manifest: Record<string, unknown>, options: ClaimOptions): string {
  if (options.resume) {
    if (!own.includes(MANIFEST)) return `${dir}: holds results without ${MANIFEST}, which cannot be resumed; --force replaces them`;
    const differ = differences(join(dir, MANIFEST), manifest);
    return `${dir}: holds the results of another experiment (its ${differ.join(", ")} differ${differ.length === 1 ? "s" : ""}); --force replaces them`;
  }
  const what = own.length > 3 ? `${own.slice(0, 3).join(", ")}, …` : own.join(", ");
  return `${dir}: already holds experiment results (${what}); give another --out, --resume to continue them, or --force to replace them`;
}
