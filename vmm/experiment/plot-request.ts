/**
 * A requested plot: a parameter on x, a result metric on y, optionally a parameter for the
 * lines (by default: one line per combination of the other swept parameters). From the spec
 * (`{"x": "bandwidth", "y": "downtime"}`) or the command line (`x=bandwidth,y=downtime`).
 */
import { UserError } from "../../isa/errors.js";
import { axis } from "./axes.js";
import { METRICS } from "./row.js";

export interface PlotRequest {
  x: string;
  y: string;
  color?: string;
}

const KEYS = ["x", "y", "color"];

export function parsePlotRequest(json: unknown, where: string): PlotRequest {
  let fields: Record<string, unknown>;
  if (typeof json === "string") {
    fields = {};
    for (const part of json.split(",")) {
      const [key, value, extra] = part.split("=").map((s) => s.trim());
      if (!key || value === undefined || extra !== undefined) throw new UserError(`${where}: ${JSON.stringify(json)}: expected x=AXIS,y=METRIC[,color=AXIS]`);
      fields[key] = value;
    }
  } else if (typeof json === "object" && json !== null && !Array.isArray(json)) {
    fields = json as Record<string, unknown>;
  } else {
    throw new UserError(`${where}: expected {"x": AXIS, "y": METRIC} or "x=AXIS,y=METRIC"`);
  }
  for (const key of Object.keys(fields)) {
    if (!KEYS.includes(key)) throw new UserError(`${where}: ${key}: unknown plot field (fields: ${KEYS.join(", ")})`);
  }
  const { x, y, color } = fields;
  if (typeof x !== "string") throw new UserError(`${where}: x: expected a parameter name such as bandwidth`);
  if (typeof y !== "string" || !METRICS.has(y)) {
    throw new UserError(`${where}: y: ${JSON.stringify(y)} is not a metric (metrics: ${[...METRICS.keys()].join(", ")})`);
  }
  axis(x, `${where}: x`);
  if (color !== undefined) {
    if (typeof color !== "string") throw new UserError(`${where}: color: expected a parameter name such as strategy`);
    axis(color, `${where}: color`);
  }
  return color === undefined ? { x, y } : { x, y, color };
}
