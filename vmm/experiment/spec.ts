/**
 * An experiment spec: which guest, the fixed parameters (`base`), the swept ones (`sweep`, in
 * the order written: the first axis varies slowest) and optional plots. As JSON:
 *
 *   {
 *     "name": "precopy-vs-dirty-rate",
 *     "guest": "../programs/memwriter.s",     bundled name, or a .s/.tvm path (relative to the spec)
 *     "base":  { "at": 640600, "args.pages": 32, "args.iters": 0 },
 *     "sweep": { "strategy": ["pre-copy", "post-copy"], "args.rate": [50, 100, 400] },
 *     "plots": [ { "x": "args.rate", "y": "downtime" } ],
 *     "labels": { "args.rate": "dirty rate (page writes per 10^6 instructions)" }
 *   }
 *
 * Every problem is one UserError line naming the file and the field: `x.json: sweep.bandwidth[1]: …`.
 * Each value remembers where it was given (`placeOf`), so a problem found later — memory too
 * small for the guest, say — names the same place.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { UserError } from "../../isa/errors.js";
import { fileError } from "../../isa/loader.js";
import { isGuestPath } from "../open-guest.js";
import { axis, type AxisValue } from "./axes.js";
import { parsePlotRequest, type PlotRequest } from "./plot-request.js";
import { shown } from "./values.js";

export interface SweepAxis {
  axis: string;
  values: AxisValue[];
  /** Where the values were given: `x.json: sweep.memory` (value i is at `[i]`) or `--memory`. */
  where: string;
}

export interface ExperimentSpec {
  name: string;
  /** Bundled guest name or a path (absolute, or relative to the working directory). */
  guest: string;
  /** Where the spec came from, for messages. */
  source: string;
  base: Record<string, AxisValue>;
  /** Where each base value was given: `x.json: base.memory` or `--memory`. */
  baseWhere: Record<string, string>;
  sweep: SweepAxis[];
  plots: PlotRequest[];
  /** Plot titles for axes, overriding the built-in ones: `{ "args.rate": "dirty rate (…)" }`. */
  labels: Record<string, string>;
}

const TOP_LEVEL = ["name", "description", "guest", "base", "sweep", "plots", "labels"];

/** A spec is a page of JSON; anything larger is not one. */
export const MAX_SPEC_BYTES = 1 << 20;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The file's text, reading at most MAX_SPEC_BYTES (a device or a huge file is an error, not a hang). */
function readSpecText(path: string): string {
  const buffer = Buffer.alloc(MAX_SPEC_BYTES + 1);
  let length = 0;
  try {
    const fd = openSync(path, "r");
    try {
      if (fstatSync(fd).isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
      for (let n = 1; n > 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw fileError(path, error);
  }
  if (length > MAX_SPEC_BYTES) throw new UserError(`${path}: larger than ${MAX_SPEC_BYTES} bytes; an experiment spec is a page of JSON`);
  return buffer.toString("utf8", 0, length);
}

export function readSpecFile(path: string): ExperimentSpec {
  const textValue = readSpecText(path);
  let json: unknown;
  try {
    json = JSON.parse(textValue);
  } catch (error) {
    throw new UserError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  return parseSpec(json, path, dirname(path));
}

/**
 * Validates a spec object; `file` names it in errors, `dir` anchors relative guest paths (a
 * guest given as a path is relative to the spec's folder; a bundled name stays a name).
 */
export function parseSpec(json: unknown, file: string, dir = "."): ExperimentSpec {
  if (!isObject(json)) throw new UserError(`${file}: expected a JSON object with guest, base, sweep`);
  for (const key of Object.keys(json)) {
    if (!TOP_LEVEL.includes(key)) throw new UserError(`${file}: ${key}: unknown field (fields: ${TOP_LEVEL.join(", ")})`);
  }
  const guest = json.guest;
  if (typeof guest !== "string" || guest.trim() === "") throw new UserError(`${file}: guest: expected a bundled guest name or a .s/.tvm path`);
  const name = json.name ?? file.replace(/^.*\//, "").replace(/\.json$/, "");
  if (typeof name !== "string" || name.trim() === "") throw new UserError(`${file}: name: expected a non-empty string`);
  if (json.description !== undefined && typeof json.description !== "string") throw new UserError(`${file}: description: expected a string`);
  const { base, baseWhere } = parseBase(json.base ?? {}, `${file}: base`);
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
    baseWhere,
    sweep,
    plots,
    labels: parseLabels(json.labels ?? {}, `${file}: labels`),
  };
}

export function parseBase(json: unknown, where: string): { base: Record<string, AxisValue>; baseWhere: Record<string, string> } {
  if (!isObject(json)) throw new UserError(`${where}: expected an object of parameter: value`);
  const base: Record<string, AxisValue> = {};
  const baseWhere: Record<string, string> = {};
  for (const [key, value] of Object.entries(json)) {
    baseWhere[key] = `${where}.${key}`;
    base[key] = axis(key, baseWhere[key]).parse(value, baseWhere[key]);
  }
  return { base, baseWhere };
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
    if (seen.has(String(v))) throw new UserError(`${where}[${i}]: ${shown(values[i])} repeats an earlier value`);
    seen.add(String(v));
  });
  return { axis: name, values: parsed, where };
}

/** Where a point's value of `name` was given; null when it is the axis's default. */
export function placeOf(spec: ExperimentSpec, name: string, value: AxisValue | null): string | null {
  if (name in spec.base) return spec.baseWhere[name] ?? null;
  const swept = spec.sweep.find((s) => s.axis === name);
  return swept ? `${swept.where}[${swept.values.indexOf(value as AxisValue)}]` : null;
}

function parseLabels(json: unknown, where: string): Record<string, string> {
  if (!isObject(json)) throw new UserError(`${where}: expected an object of parameter: "title (unit)"`);
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(json)) {
    axis(key, `${where}.${key}`);
    if (typeof value !== "string" || value.trim() === "") throw new UserError(`${where}.${key}: expected a non-empty title such as "dirty rate (pages/s)"`);
    labels[key] = value.trim();
  }
  return labels;
}
