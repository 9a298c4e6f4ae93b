/**
 * Plot specs (vega-lite) built from rows: a metric against a swept parameter, one series per
 * combination of the other swept parameters; pre-copy bytes per round; measured against the
 * model. `defaultPlots` picks the usual ones when a spec asks for none. Rendering to SVG is in
 * render.ts so that nothing here loads vega.
 *
 * A numeric parameter on x gives lines whose series differ in colour, point shape and dash, so
 * two equal series stay visible one over the other; a choice (strategy, …) gives bars in sweep
 * order. One series needs no legend, so it gets none.
 */
import { axis, type AxisValue } from "./axes.js";
import type { PlotRequest } from "./plot-request.js";
import { plotValue, quantitativeScale } from "./plot-scales.js";
import { METRICS, type Row } from "./row.js";

export interface PlotSpec {
  /** File name without extension, e.g. `downtime-vs-bandwidth`. */
  name: string;
  vegaLite: Record<string, unknown>;
}

export interface PlotContext {
  /** The swept parameters that have more than one value, in sweep order. */
  varying: string[];
  /** Axis titles by parameter (labels.ts, a spec's `labels`); the rest come from axes.ts. */
  labels: Record<string, string>;
}

const WIDTH = 480;
const HEIGHT = 300;

const titleOf = (ctx: PlotContext, name: string): string => ctx.labels[name] ?? axis(name, name).plotTitle;
/** `dirty rate (page writes …)` → `dirty rate`, for chart titles. */
const bare = (title: string): string => title.replace(/ \(.*\)$/, "");
const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

/** `pre-copy rate=1000` — how a row's values of `names` label its series. */
function seriesLabel(row: Row, names: string[]): string {
  return names.map((n) => (n === "strategy" ? String(row.params[n]) : `${n.replace(/^args\./, "")}=${axis(n, n).show(row.params[n] as AxisValue)}`)).join(" ");
}

interface Point {
  x: number | string;
  y: number;
  series: string;
}

interface XAxis {
  title: string;
  /** A numeric parameter, drawn as lines; otherwise bars. */
  numeric: boolean;
  value(row: Row): number | string;
  encoding: Record<string, unknown>;
}

function xAxis(rows: Row[], x: string, ctx: PlotContext): XAxis {
  const def = axis(x, x);
  const title = titleOf(ctx, x);
  if (def.kind === "number" && rows.every((r) => Number.isFinite(Number(r.params[x])))) {
    const value = (r: Row) => plotValue(Number(r.params[x]) * def.plotScale);
    const scaled = quantitativeScale(rows.map(value), title);
    return { title: scaled.title, numeric: true, value, encoding: { type: "quantitative", title: scaled.title, scale: scaled.scale } };
  }
  const value = (r: Row) => String(r.params[x]);
  return { title, numeric: false, value, encoding: { type: "nominal", title, sort: unique(rows.map(value)), axis: { labelAngle: 0 } } };
}

function chart(title: string, points: Point[], x: Pick<XAxis, "numeric" | "encoding">, yTitle: string, seriesTitle: string): Record<string, unknown> {
  const series = unique(points.map((p) => p.series));
  const y = quantitativeScale(points.map((p) => p.y), yTitle, !x.numeric);
  const many = series.length > 1;
  const by = { field: "series", type: "nominal", title: seriesTitle, sort: series };
  const common = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: WIDTH,
    height: HEIGHT,
    background: "white",
    // A series is named by every parameter it fixes: its legend label is shown whole, never cut.
    config: { legend: { labelLimit: 0, titleLimit: 0 } },
    data: { values: points },
  };
  const encoding = { x: { field: "x", ...x.encoding }, y: { field: "y", type: "quantitative", title: y.title, scale: y.scale }, ...(many ? { color: by } : {}) };
  if (!x.numeric) {
    const base = y.barBase !== undefined ? { y2: { datum: y.barBase } } : {};
    return { ...common, mark: { type: "bar" }, encoding: { ...encoding, ...base, ...(many ? { xOffset: { field: "series", sort: series } } : {}) } };
  }
  // Lines dashed per series, points in open shapes per series: equal series stay visible.
  return {
    ...common,
    encoding,
    layer: [
      { mark: { type: "line" }, encoding: many ? { strokeDash: by } : {} },
      { mark: { type: "point", filled: false, size: 70, strokeWidth: 1.5 }, encoding: many ? { shape: by } : {} },
    ],
  };
}

/** A metric against a parameter; series by `color` or by every other varying parameter. */
export function metricPlot(rows: Row[], request: PlotRequest, ctx: PlotContext): PlotSpec {
  const metric = METRICS.get(request.y)!;
  const lines = request.color ? [request.color] : ctx.varying.filter((v) => v !== request.x);
  const usable = rows.filter((r) => r.result.status === "completed" && metric.get(r.result) !== null);
  const x = xAxis(usable, request.x, ctx);
  const points = usable.map((r) => ({ x: x.value(r), y: plotValue(Number(metric.get(r.result)) * metric.scale), series: seriesLabel(r, lines) }));
  return {
    name: `${request.y}-vs-${request.x.replace(/^args\./, "")}`,
    vegaLite: chart(`${bare(metric.title)} vs ${bare(x.title)}`, points, x, metric.title, lines.map((n) => bare(titleOf(ctx, n))).join(", ")),
  };
}

/** Bytes each pre-copy round sent, one line per pre-copy point. */
export function roundsPlot(rows: Row[], ctx: PlotContext): PlotSpec | null {
  const precopy = rows.filter((r) => r.params.strategy === "pre-copy" && r.result.status === "completed");
  if (precopy.length === 0) return null;
  const lines = ctx.varying.filter((v) => v !== "strategy");
  const points = precopy.flatMap((r) => r.result.roundBytes.map((bytes, round) => ({ x: round, y: plotValue(bytes / 1e6), series: seriesLabel(r, lines) })));
  const rounds = quantitativeScale([], "round (0: the first full copy)");
  const x = { numeric: true, encoding: { type: "quantitative", title: rounds.title, scale: rounds.scale, axis: { tickMinStep: 1, format: "d" } } };
  return { name: "precopy-bytes-per-round", vegaLite: chart("pre-copy bytes per round", points, x, "bytes in round (MB)", lines.map((n) => bare(titleOf(ctx, n))).join(", ")) };
}

/** Measured against the model's prediction of a metric (pre-copy points). */
export function modelPlot(rows: Row[], x: string, measured: "downtime" | "total", ctx: PlotContext): PlotSpec | null {
  const precopy = rows.filter((r) => r.params.strategy === "pre-copy" && r.result.status === "completed" && r.result.model);
  if (precopy.length === 0) return null;
  const m = METRICS.get(measured)!;
  const p = METRICS.get(`model-${measured}`)!;
  const lines = ctx.varying.filter((v) => v !== x && v !== "strategy");
  const xa = xAxis(precopy, x, ctx);
  const points = precopy.flatMap((r) => {
    const label = lines.length ? ` ${seriesLabel(r, lines)}` : "";
    return [
      { x: xa.value(r), y: plotValue(Number(m.get(r.result)) * m.scale), series: `measured${label}` },
      { x: xa.value(r), y: plotValue(Number(p.get(r.result)) * p.scale), series: `model${label}` },
    ];
  });
  return {
    name: `model-${measured}-vs-${x.replace(/^args\./, "")}`,
    vegaLite: chart(`pre-copy ${measured}: measured and model`, points, xa, m.title, "source"),
  };
}

/** The usual plots: downtime and total time against each swept parameter, rounds, model. */
export function defaultPlots(rows: Row[], ctx: PlotContext): PlotSpec[] {
  const plots: PlotSpec[] = [];
  const xs = ctx.varying.filter((v) => v !== "strategy");
  for (const x of xs.length ? xs : ctx.varying) {
    plots.push(metricPlot(rows, { x, y: "downtime" }, ctx), metricPlot(rows, { x, y: "total" }, ctx));
  }
  const rounds = roundsPlot(rows, ctx);
  if (rounds) plots.push(rounds);
  for (const x of xs.filter((v) => axis(v, v).kind === "number")) {
    const model = modelPlot(rows, x, "downtime", ctx);
    if (model) plots.push(model);
  }
  return plots;
}

/** The spec's requested plots, or the defaults when it requests none. */
export function plotsFor(rows: Row[], requests: PlotRequest[], ctx: PlotContext): PlotSpec[] {
  return requests.length ? requests.map((r) => metricPlot(rows, r, ctx)) : defaultPlots(rows, ctx);
}
