/**
 * How a plot's quantitative axis is scaled. Values spanning more than LOG_SPAN (all positive)
 * go on a log scale, which the title says; every continuous domain is padded so that no point
 * sits on the plot's edge. Plotted values are rounded to PLOT_DIGITS significant digits, so
 * the vega-lite files carry `4.50546`, not the float noise of `4505460 × 1e-6`.
 */
export const LOG_SPAN = 50;
export const PLOT_DIGITS = 10;
/** Pixels between the outermost points and the plot's edge. */
const PADDING = 20;

export const plotValue = (value: number): number => Number(value.toPrecision(PLOT_DIGITS));

export interface AxisScale {
  scale: Record<string, unknown>;
  /** The title, with ", log scale" in its parentheses when the scale is one. */
  title: string;
  /** Where bars start on a log scale (zero is not on one): the power of ten below the least value. */
  barBase?: number;
}

/** `bars`: the axis bars rise on, which starts at zero unless it is a log scale. */
export function quantitativeScale(values: number[], title: string, bars = false): AxisScale {
  const positive = values.length > 0 && values.every((v) => v > 0);
  const log = positive && Math.max(...values) / Math.min(...values) > LOG_SPAN;
  if (!log) return { scale: bars ? { zero: true } : { zero: false, nice: false, padding: PADDING }, title };
  const logTitle = /\)$/.test(title) ? title.replace(/\)$/, ", log scale)") : `${title} (log scale)`;
  if (!bars) return { scale: { type: "log", nice: false, padding: PADDING }, title: logTitle };
  const barBase = plotValue(10 ** (Math.ceil(Math.log10(Math.min(...values))) - 1));
  return { scale: { type: "log", nice: false, domainMin: barBase }, title: logTitle, barBase };
}
