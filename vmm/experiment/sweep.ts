/**
 * Sweep expansion: the cartesian product of the sweep's axes, the first axis varying slowest
 * (like nested loops written in the spec's order), each point completed by the base values and
 * the axes' fallbacks. The order is a pure function of the spec, so rows come out the same on
 * every run.
 */
import { ARG_PREFIX, AXES, isArgAxis, type AxisValue } from "./axes.js";
import type { ExperimentSpec } from "./spec.js";

/** A point's parameters; `memory` is null when the guest image's own size applies. */
export type Point = Record<string, AxisValue | null>;

/** Parameter names in column order: the fixed axes in table order, then guest arguments as first named. */
export function parameterNames(spec: ExperimentSpec): string[] {
  const args = [...Object.keys(spec.base), ...spec.sweep.map((s) => s.axis)].filter(isArgAxis);
  return [...AXES.map((a) => a.name), ...new Set(args)];
}

/** Names of the axes with more than one value, in sweep order. */
export function varyingAxes(spec: ExperimentSpec): string[] {
  return spec.sweep.filter((s) => s.values.length > 1).map((s) => s.axis);
}

export function expandSweep(spec: ExperimentSpec): Point[] {
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
