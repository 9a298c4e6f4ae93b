/**
 * Plot specs (vega-lite) built from rows: a metric against a swept parameter, one line per
 * combination of the other swept parameters; pre-copy bytes per round; measured against the
 * model. `defaultPlots` picks the usual ones when a spec asks for none. Rendering to SVG is in
 * render.ts so that nothing here loads vega.
 */
import { axis, type AxisValue } from "./axes.js";
import type { PlotRequest } from "./plot-request.js";
import { METRICS, type Row } from "./row.js";

export interface PlotSpec {
  /** File name without extension, e.g. `downtime-vs-bandwidth`. */
  name: string;
  vegaLite: Record<string, unknown>;
}

const WIDTH = 480;
const HEIGHT = 300;

/** `pre-copy rate=1000` — how a row's values of `names` label its line. */
function seriesLabel(row: Row, names: string[]): string {
  return names.map((n) => (n === "strategy" ? String(row.params[n]) : `${n.replace(/^args\./, "")}=${axis(n, n).show(row.params[n] as AxisValue)}`)).join(" ") || "all";
}

function xField(rows: Row[], x: string): { type: "quantitative" | "ordinal"; value: (row: Row) => number | string; scale: Record<string, unknown> } {
  const def = axis(x, x);
  const numbers = rows.map((r) => Number(r.params[x]));
  if (def.kind === "number" && numbers.every((n) => Number.isFinite(n))) {
    const positive = numbers.filter((n) => n > 0);
    const wide = positive.length === numbers.length && Math.max(...positive) / Math.min(...positive) >= 100;
    return { type: "quantitative", value: (r) => Number(r.params[x]) * def.plotScale, scale: wide ? { type: "log" } : { zero: false } };
  }
  return { type: "ordinal", value: (r) => String(r.params[x]), scale: {} };
}

function lineChart(title: string, values: Record<string, unknown>[], x: { title: string; type: string; scale: Record<string, unknown> }, yTitle: string, colorTitle: string): Record<string, unknown> {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: WIDTH,
    height: HEIGHT,
    background: "white",
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "x", type: x.type, title: x.title, scale: x.scale },
      y: { field: "y", type: "quantitative", title: yTitle },
      // Legend in sweep order (rate=25 before rate=100), not alphabetical.
      color: { field: "series", type: "nominal", title: colorTitle, sort: null },
    },
  };
}

/** A metric against a parameter; lines by `color` or by every other varying parameter. */
export function metricPlot(rows: Row[], request: PlotRequest, varying: string[]): PlotSpec {
  const metric = METRICS.get(request.y)!;
  const lines = request.color ? [request.color] : varying.filter((v) => v !== request.x);
  const usable = rows.filter((r) => r.result.status === "completed" && metric.get(r.result) !== null);
  const x = xField(usable, request.x);
  const values = usable.map((r) => ({ x: x.value(r), y: Number(metric.get(r.result)) * metric.scale, series: seriesLabel(r, lines) }));
  const xTitle = axis(request.x, request.x).plotTitle;
  return {
    name: `${request.y}-vs-${request.x.replace(/^args\./, "")}`,
    vegaLite: lineChart(`${metric.title.replace(/ \(.*\)$/, "")} vs ${xTitle.replace(/ \(.*\)$/, "")}`, values, { ...x, title: xTitle }, metric.title, lines.join(", ") || "series"),
  };
}

/** Bytes each pre-copy round sent, one line per pre-copy point. */
export function roundsPlot(rows: Row[], varying: string[]): PlotSpec | null {
  const precopy = rows.filter((r) => r.params.strategy === "pre-copy" && r.result.status === "completed");
  if (precopy.length === 0) return null;
  const lines = varying.filter((v) => v !== "strategy");
  const values = precopy.flatMap((r) => r.result.roundBytes.map((bytes, round) => ({ x: round, y: bytes / 1e6, series: seriesLabel(r, lines) })));
  return {
    name: "precopy-bytes-per-round",
    vegaLite: lineChart("pre-copy bytes per round", values, { title: "round", type: "ordinal", scale: {} }, "bytes in round (MB)", lines.join(", ") || "series"),
  };
}

/** Measured against the model's prediction of a metric (pre-copy points). */
export function modelPlot(rows: Row[], x: string, measured: "downtime" | "total", varying: string[]): PlotSpec | null {
  const precopy = rows.filter((r) => r.params.strategy === "pre-copy" && r.result.status === "completed" && r.result.model);
  if (precopy.length === 0) return null;
  const m = METRICS.get(measured)!;
  const p = METRICS.get(`model-${measured}`)!;
  const lines = varying.filter((v) => v !== x && v !== "strategy");
  const xf = xField(precopy, x);
  const values = precopy.flatMap((r) => {
    const label = lines.length ? ` ${seriesLabel(r, lines)}` : "";
    return [
      { x: xf.value(r), y: Number(m.get(r.result)) * m.scale, series: `measured${label}` },
      { x: xf.value(r), y: Number(p.get(r.result)) * p.scale, series: `model${label}` },
    ];
  });
  const xTitle = axis(x, x).plotTitle;
  return {
    name: `model-${measured}-vs-${x.replace(/^args\./, "")}`,
    vegaLite: lineChart(`pre-copy ${measured}: measured and model`, values, { ...xf, title: xTitle }, m.title, "source"),
  };
}

/** The usual plots: downtime and total time against each swept parameter, rounds, model. */
export function defaultPlots(rows: Row[], varying: string[]): PlotSpec[] {
  const plots: PlotSpec[] = [];
  const xs = varying.filter((v) => v !== "strategy");
  for (const x of xs.length ? xs : varying) {
    plots.push(metricPlot(rows, { x, y: "downtime" }, varying), metricPlot(rows, { x, y: "total" }, varying));
  }
  const rounds = roundsPlot(rows, varying);
  if (rounds) plots.push(rounds);
  for (const x of xs.filter((v) => axis(v, v).kind === "number")) {
    const model = modelPlot(rows, x, "downtime", varying);
    if (model) plots.push(model);
  }
  return plots;
}

/** The spec's requested plots, or the defaults when it requests none. */
export function plotsFor(rows: Row[], requests: PlotRequest[], varying: string[]): PlotSpec[] {
  return requests.length ? requests.map((r) => metricPlot(rows, r, varying)) : defaultPlots(rows, varying);
}
