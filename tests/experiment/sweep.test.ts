import { describe, expect, it } from "vitest";
import { parseSpec } from "../../vmm/experiment/spec.js";
import { UserError } from "../../isa/errors.js";
import { bootArgs, expandSweep, parameterNames, pointCount, varyingAxes } from "../../vmm/experiment/sweep.js";

describe("sweep expansion", () => {
  const spec = parseSpec(
    {
      guest: "multi",
      base: { "args.pages": 16, latency: "2ms" },
      sweep: { strategy: ["pre-copy", "post-copy"], bandwidth: ["10MB/s", "100MB/s", "1GB/s"], "args.rate": [1, 2], speed: ["1e8"] },
    },
    "s.json",
  );

  it("is the cartesian product, first axis slowest, in the spec's order", () => {
    const points = expandSweep(spec);
    expect(points).toHaveLength(2 * 3 * 2);
    expect(points.map((p) => `${p.strategy}/${p.bandwidth}/${p["args.rate"]}`)).toEqual([
      "pre-copy/10000000/1", "pre-copy/10000000/2", "pre-copy/100000000/1", "pre-copy/100000000/2",
      "pre-copy/1000000000/1", "pre-copy/1000000000/2",
      "post-copy/10000000/1", "post-copy/10000000/2", "post-copy/100000000/1", "post-copy/100000000/2",
      "post-copy/1000000000/1", "post-copy/1000000000/2",
    ]);
  });

  it("fills every point with base values and the defaults", () => {
    const [first] = expandSweep(spec);
    expect(first).toEqual({
      strategy: "pre-copy", bandwidth: 10_000_000, latency: 2_000_000, "downtime-target": 30_000_000, "max-rounds": 30,
      speed: 100_000_000, memory: null, at: 0, "push-order": "fault-near", machine: null, "args.pages": 16, "args.rate": 1,
    });
    expect(Object.keys(first!)).toEqual(parameterNames(spec));
  });

  it("passes guest arguments as KEY=VALUE in column order", () => {
    expect(bootArgs(expandSweep(spec)[3]!)).toBe("pages=16 rate=2");
  });

  it("lists the axes that vary (a one-value sweep does not)", () => {
    expect(varyingAxes(spec)).toEqual(["strategy", "bandwidth", "args.rate"]);
  });

  it("without a sweep is one point", () => {
    expect(expandSweep(parseSpec({ guest: "multi" }, "s.json"))).toHaveLength(1);
  });

  it("refuses more than 100,000 points without expanding them, naming how many and where from", () => {
    const huge = parseSpec({ guest: "multi", sweep: Object.fromEntries(["a", "b", "c", "d", "e", "f"].map((k) => [`args.${k}`, Array.from({ length: 100 }, (_, i) => i)])) }, "s.json");
    expect(pointCount(huge)).toBe(1e12);
    expect(() => expandSweep(huge)).toThrow(new UserError("s.json: sweep: 1,000,000,000,000 points (100 args.a × 100 args.b × 100 args.c × 100 args.d × 100 args.e × 100 args.f); at most 100,000 in one experiment: sweep fewer values, or split it"));
  });
});
