/**
 * An experiment spec: which guest, the fixed parameters (`base`), the swept ones (`sweep`, in
 * the order written: the first axis varies slowest) and optional plots. As JSON:
 *
 *   {
 *     "name": "precopy-vs-dirty-rate",
 *     "guest": "../programs/memwriter.s",     bundled name, or a .s/.tvm path (relative to the spec)
 *     "base":  { "at": 640600, "args.pages": 32, "args.iters": 0 },
 *     "sweep": { "strategy": ["pre-copy", "post-copy"], "args.rate": [50, 100, 400] },
 *     "plots": [ { "x": "args.rate", "y": "downtime" } ]
 *   }
 *
 * Every problem is one UserError line naming the file and the field: `x.json: sweep.bandwidth[1]: …`.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { UserError } from "../../isa/errors.js";
import { fileError } from "../../isa/loader.js";
import { isGuestPath } from "../guests.js";
import { axis, type AxisValue } from "./axes.js";
import { parsePlotRequest, type PlotRequest } from "./plot-request.js";

export interface SweepAxis {
  axis: string;
  values: AxisValue[];
}

export interface ExperimentSpec {
  name: string;
  /** Bundled guest name or a path (absolute, or relative to the working directory). */
  guest: string;
  /** Where the spec came from, for messages. */
  source: string;
  base: Record<string, AxisValue>;
  sweep: SweepAxis[];
  plots: PlotRequest[];
}

const TOP_LEVEL = ["name", "description", "guest", "base", "sweep", "plots"];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A guest given as a path is relative to the spec's folder; a bundled name stays a name. */

export function readSpecFile(path: string): ExperimentSpec {
  let textValue: string;
  try {
    textValue = readFileSync(path, "utf8");
  } catch (error) {
    throw fileError(path, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(textValue);
  } catch (error) {
    throw new UserError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  return parseSpec(json, path, dirname(path));
}

/** Validates a spec object; `file` names it in errors, `dir` anchors relative guest paths. */
export function parseSpec(json: unknown, file: string, dir = "."): ExperimentSpec {
  if (!isObject(json)) throw new UserError(`${file}: expected a JSON object with guest, base, sweep`);
  for (const key of Object.keys(json)) {
    if (!TOP_LEVEL.includes(key)) throw new UserError(`${file}: ${key}: unknown field (fields: ${TOP_LEVEL.join(", ")})`);
  }
  const guest = json.guest;
  if (typeof guest !== "string" || guest.trim() === "") throw new UserError(`${file}: guest: expected a bundled guest name or a .s/.tvm path`);
  const name = json.name ?? file.replace(/^.*\//, "").replace(/\.json$/, "");
  if (typeof name !== "string") throw new UserError(`${file}: name: expected a string`);
  const base = parseBase(json.base ?? {}, `${file}: base`);
  const sweep = parseSweep(json.sweep ?? {}, `${file}: sweep`);
  for (const s of sweep) {
    if (s.axis in base) throw new UserError(`${file}: sweep.${s.axis}: also fixed in base; give it in one place`);
  }
  const plotsJson = json.plots ?? [];
  if (!Array.isArray(plotsJson)) throw new UserError(`${file}: plots: expected a list of {"x": …, "y": …}`);
  const plots = plotsJson.map((p, i) => parsePlotRequest(p, `${file}: plots[${i}]`));
  return {
    name,
    guest: isGuestPath(guest) && !isAbsolute(guest) ? resolve(dir, guest) : guest,
    source: file,
    base,
    sweep,
    plots,
  };
}

export function parseBase(json: unknown, where: string): Record<string, AxisValue> {
  if (!isObject(json)) throw new UserError(`${where}: expected an object of parameter: value`);
  const base: Record<string, AxisValue> = {};
  for (const [key, value] of Object.entries(json)) {
    base[key] = axis(key, `${where}.${key}`).parse(value, `${where}.${key}`);
  }
  return base;
}

export function parseSweep(json: unknown, where: string): SweepAxis[] {
  if (!isObject(json)) throw new UserError(`${where}: expected an object of parameter: [values]`);
  return Object.entries(json).map(([key, values]) => parseAxisValues(key, values, `${where}.${key}`));
}

/** One axis of a sweep: a non-empty list of distinct values. */
export function parseAxisValues(name: string, values: unknown, where: string): SweepAxis {
  const def = axis(name, where);
  if (!Array.isArray(values) || values.length === 0) throw new UserError(`${where}: expected a non-empty list of values`);
  const parsed = values.map((v, i) => def.parse(v, `${where}[${i}]`));
  const seen = new Set<string>();
  parsed.forEach((v, i) => {
    if (seen.has(String(v))) throw new UserError(`${where}[${i}]: ${JSON.stringify(values[i])} repeats an earlier value`);
    seen.add(String(v));
  });
  return { axis: name, values: parsed };
}
