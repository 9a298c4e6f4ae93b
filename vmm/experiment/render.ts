/**
 * Plot specs to SVG with vega-lite and vega, headless. Both libraries are imported on first
 * use so that loading toyvmm (for any other command) does not pay for them.
 */
import type { PlotSpec } from "./plots.js";

export async function renderSvg(plot: PlotSpec): Promise<string> {
  const [vl, vega] = await Promise.all([import("vega-lite"), import("vega")]);
  const compiled = vl.compile(plot.vegaLite as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
