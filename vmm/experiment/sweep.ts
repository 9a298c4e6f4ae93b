/**
 * Sweep expansion: the cartesian product of the sweep's axes, the first axis varying slowest
 * (like nested loops written in the spec's order), each point completed by the base values and
 * the axes' fallbacks. The order is a pure function of the spec, so rows come out the same on
 * every run.
 */
import { UserError } from "../../isa/errors.js";
import { ARG_PREFIX, AXES, isArgAxis, type AxisValue } from "./axes.js";
import type { ExperimentSpec } from "./spec.js";

/**
 * The most points one experiment may have: 10^5 points of ~0.1 s are hours of work, and their
 * rows (kept for the table and plots) stay in the tens of megabytes.
 */
export const MAX_POINTS = 100_000;

/** A point's parameters; `memory` is null when the guest image's own size applies. */
export type Point = Record<string, AxisValue | null>;

/** Parameter names in column order: the fixed axes in table order, then guest arguments as first named. */
export function parameterNames(spec: ExperimentSpec): string[] {
  const named = [...Object.keys(spec.base), ...spec.sweep.map((s) => s.axis)];
  return [...AXES.filter((a) => !a.optional || named.includes(a.name)).map((a) => a.name), ...new Set(named.filter(isArgAxis))];
}

/** Names of the axes with more than one value, in sweep order. */
export function varyingAxes(spec: ExperimentSpec): string[] {
  return spec.sweep.filter((s) => s.values.length > 1).map((s) => s.axis);
}

/** `1,000,000`. */
export const thousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** How many points the sweep has, counted without expanding it. */
export const pointCount = (spec: ExperimentSpec): number => spec.sweep.reduce((n, s) => n * s.values.length, 1);

/** `3 strategy × 5 bandwidth`: where the points come from. */
export const sweepShape = (spec: ExperimentSpec): string =>
  spec.sweep.filter((s) => s.values.length > 1).map((s) => `${s.values.length} ${s.axis}`).join(" × ") || "no swept parameter";

export function expandSweep(spec: ExperimentSpec): Point[] {
  const count = pointCount(spec);
  if (count > MAX_POINTS) {
    throw new UserError(`${spec.source}: sweep: ${thousands(count)} points (${sweepShape(spec)}); at most ${thousands(MAX_POINTS)} in one experiment: sweep fewer values, or split it`);
  }
  const names = parameterNames(spec);
  const fixed: Point = {};
  for (const name of names) {
    fixed[name] = spec.base[name] ?? AXES.find((a) => a.name === name)?.fallback ?? null;
  }
  let points: Point[] = [fixed];
  for (const { axis, values } of spec.sweep) {
    points = points.flatMap((p) => values.map((v) => ({ ...p, [axis]: v })));
  }
  return points;
}

/** The guest's boot arguments for a point: `KEY=VALUE` for each `args.KEY`, in column order. */
export function bootArgs(point: Point): string {
  return Object.entries(point)
    .filter(([name, value]) => isArgAxis(name) && value !== null)
    .map(([name, value]) => `${name.slice(ARG_PREFIX.length)}=${value}`)
    .join(" ");
}
