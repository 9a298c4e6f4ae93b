import { describe, expect, it } from "vitest";
import { assembleFile } from "../../isa/asm/index.js";
import { guestLabels } from "../../vmm/experiment/labels.js";
import { metricPlot, roundsPlot, type PlotContext } from "../../vmm/experiment/plots.js";
import { renderSvg } from "../../vmm/experiment/render.js";
import type { PointResult, Row } from "../../vmm/experiment/row.js";

const RESULT: PointResult = {
  status: "completed", error: null, totalNs: 0, downtimeNs: 0, setupNs: 0, expectedDowntimeNs: 0, rounds: 1, bytesSent: 0,
  returnBytes: 0, pagesSent: 0, pagesResent: 0, zeroPages: 0, postcopyFaults: 0, postcopyRequests: 0, postcopyStallNs: 0,
  guestTicks: 0, roundBytes: [], dirtyPagesPerSecond: null, workingSetPages: null, model: null, modelDowntimeErr: null,
  modelBytesErr: null, modelNote: null, memcheck: null,
};
const row = (point: number, params: Row["params"], result: Partial<PointResult>): Row => ({ point, params, result: { ...RESULT, ...result } });
const ctx = (varying: string[], labels: Record<string, string> = {}): PlotContext => ({ varying, labels });
type Spec = { mark?: unknown; layer?: { encoding: Record<string, unknown> }[]; encoding: Record<string, Record<string, unknown>>; data: { values: { x: unknown; y: number }[] } };
const vl = (p: { vegaLite: Record<string, unknown> }) => p.vegaLite as unknown as Spec;

describe("plots", () => {
  // A choice swept in this order; stop-copy's downtime is 15x post-copy's.
  const strategies = ["stop-copy", "pre-copy", "post-copy"].map((strategy, i) => row(i, { strategy }, { downtimeNs: [1_500_000, 400_000, 100_000][i]! }));

  it("a choice on x is bars in sweep order, without a legend for one series", () => {
    const spec = vl(metricPlot(strategies, { x: "strategy", y: "downtime" }, ctx(["strategy"])));
    expect(spec.mark).toEqual({ type: "bar" });
    expect(spec.encoding.x).toMatchObject({ type: "nominal", sort: ["stop-copy", "pre-copy", "post-copy"], title: "strategy" });
    expect(spec.encoding.color).toBeUndefined();
    expect(spec.encoding.y!.title).toBe("downtime (ms)");
    expect(spec.encoding.y!.scale).toEqual({ zero: true });
  });

  it("bars on a log scale rise from the power of ten below the least value, so every bar is drawn", async () => {
    const spread = ["stop-copy", "pre-copy", "post-copy"].map((strategy, i) => row(i, { strategy }, { downtimeNs: [150_000_000, 400_000, 100_000][i]! }));
    const plot = metricPlot(spread, { x: "strategy", y: "downtime" }, ctx(["strategy"]));
    const spec = vl(plot);
    expect(spec.encoding.y!.scale).toMatchObject({ type: "log", domainMin: 0.01 });
    expect(spec.encoding.y2).toEqual({ datum: 0.01 });
    const svg = await renderSvg(plot);
    const heights = [...svg.matchAll(/aria-roledescription="bar"[^>]*d="M[\d.-]+,[\d.-]+h[\d.-]+v([\d.-]+)/g)].map((m) => Number(m[1]));
    expect(heights).toHaveLength(3);
    for (const h of heights) expect(Math.abs(h)).toBeGreaterThan(1);
  });

  it("a choice on x with several series is grouped bars with a legend in sweep order", () => {
    const rows = [50, 400].flatMap((rate, j) => strategies.map((r, i) => ({ ...r, point: j * 3 + i, params: { ...r.params, "args.rate": rate } })));
    const spec = vl(metricPlot(rows, { x: "strategy", y: "downtime" }, ctx(["args.rate", "strategy"], { "args.rate": "dirty rate (writes)" })));
    expect(spec.encoding.color).toMatchObject({ field: "series", title: "dirty rate", sort: ["rate=50", "rate=400"] });
    expect(spec.encoding.xOffset).toMatchObject({ field: "series", sort: ["rate=50", "rate=400"] });
  });

  it("a number on x is lines told apart by colour, dash and point shape, so equal series both show", () => {
    const rows = ["pre-copy", "post-copy", "stop-copy"].flatMap((strategy, i) =>
      [10e6, 30e6].map((bandwidth, j) => row(i * 2 + j, { strategy, bandwidth }, { bytesSent: strategy === "pre-copy" ? 1_600_000 : 544_000 })),
    );
    const spec = vl(metricPlot(rows, { x: "bandwidth", y: "bytes" }, ctx(["strategy", "bandwidth"])));
    const order = ["pre-copy", "post-copy", "stop-copy"];
    expect(spec.encoding.color).toMatchObject({ field: "series", sort: order });
    expect(spec.layer!.map((l) => Object.keys(l.encoding))).toEqual([["strokeDash"], ["shape"]]);
    expect(spec.layer![0]!.encoding.strokeDash).toMatchObject({ sort: order });
    expect(spec.encoding.x).toMatchObject({ type: "quantitative", title: "bandwidth (MB/s)" });
  });

  it("one series of lines has no legend", () => {
    const rows = [1, 2, 4].map((m, i) => row(i, { strategy: "pre-copy", memory: m << 20 }, { totalNs: m * 1e6 }));
    const spec = vl(metricPlot(rows, { x: "memory", y: "total" }, ctx(["memory"])));
    expect(spec.encoding.color).toBeUndefined();
    expect(spec.layer!.map((l) => l.encoding)).toEqual([{}, {}]);
  });

  it("goes to a log scale when the values span more than 50x, and says so; padded domains otherwise", () => {
    const span = (top: number) => [1, 2, 3].map((i) => row(i, { strategy: "post-copy", "args.rate": i }, { downtimeNs: i === 3 ? top : 100_000 }));
    const wide = vl(metricPlot(span(100_000 * 51), { x: "args.rate", y: "downtime" }, ctx(["args.rate"])));
    expect(wide.encoding.y).toMatchObject({ title: "downtime (ms, log scale)", scale: { type: "log" } });
    const narrow = vl(metricPlot(span(100_000 * 50), { x: "args.rate", y: "downtime" }, ctx(["args.rate"])));
    expect(narrow.encoding.y).toMatchObject({ title: "downtime (ms)", scale: { zero: false, padding: 20 } });
    const bandwidths = [1e6, 1e8].map((bandwidth, i) => row(i, { bandwidth }, { totalNs: 1e6 }));
    expect(vl(metricPlot(bandwidths, { x: "bandwidth", y: "total" }, ctx(["bandwidth"]))).encoding.x).toMatchObject({ title: "bandwidth (MB/s, log scale)", scale: { type: "log" } });
  });

  it("carries rounded values, not float noise", () => {
    const rows = [4_505_460, 102_890, 21_207_740].map((ns, i) => row(i, { "args.rate": i + 1 }, { downtimeNs: ns }));
    const spec = vl(metricPlot(rows, { x: "args.rate", y: "downtime" }, ctx(["args.rate"])));
    expect(spec.data.values.map((v) => v.y)).toEqual([4.50546, 0.10289, 21.20774]);
    expect(JSON.stringify(spec)).not.toMatch(/\d\.\d{11,}/);
  });

  it("titles guest arguments with their units: memwriter's built in, any axis by the spec's labels", () => {
    const labels = guestLabels(assembleFile("programs/memwriter.s").image);
    expect(labels["args.rate"]).toBe("dirty rate (page writes per 10^6 instructions)");
    const rows = [1, 2].map((rate, i) => row(i, { "args.rate": rate, "args.x": 1 }, { downtimeNs: 1e6 }));
    expect(vl(metricPlot(rows, { x: "args.rate", y: "downtime" }, ctx(["args.rate"], labels))).encoding.x!.title).toBe("dirty rate (page writes per 10^6 instructions)");
    expect(vl(metricPlot(rows, { x: "args.x", y: "downtime" }, ctx(["args.x"]))).encoding.x!.title).toBe("x (guest argument)");
  });

  it("pre-copy's rounds are numbered from 0 on a padded whole-number axis", async () => {
    const rows = [25, 400].map((rate, i) => row(i, { strategy: "pre-copy", "args.rate": rate }, { roundBytes: [2_122_846, 218_042 * (i + 1)] }));
    const plot = roundsPlot(rows, ctx(["args.rate"], { "args.rate": "dirty rate (writes)" }))!;
    const spec = vl(plot);
    expect(spec.encoding.x).toMatchObject({ title: "round (0: the first full copy)", axis: { tickMinStep: 1, format: "d" }, scale: { padding: 20 } });
    const svg = await renderSvg(plot);
    for (const t of ["round (0: the first full copy)", "bytes in round (MB)", "dirty rate", "rate=25", "rate=400"]) expect(svg).toContain(`>${t}</text>`);
  });
});
