import { describe, expect, it } from "vitest";
import { formatEta, progressText } from "../../vmm/experiment/progress.js";

describe("the progress line's text", () => {
  const p = { point: 30, points: 90, params: { strategy: "pre-copy", "args.rate": 200 }, migration: { atNs: 0, phase: "round 2", completed: 0.456, remainingNs: 0 } };

  it("says where the sweep is, the ETA, the point and its migration", () => {
    expect(progressText(p, ["strategy", "args.rate"], 72_000, 120)).toBe("[31/90] 33%  ETA 1m12s  pre-copy rate=200  round 2 45%");
    expect(progressText({ ...p, point: 0, migration: null }, ["strategy"], null, 120)).toBe("[1/90] 0%  ETA …  pre-copy");
  });

  it("is cut to one column less than the terminal, ending in …", () => {
    const line = progressText(p, ["strategy", "args.rate"], 72_000, 30);
    expect(line).toBe("[31/90] 33%  ETA 1m12s  pre-…");
    expect(line).toHaveLength(29);
  });

  it("writes ETAs in seconds, minutes or hours", () => {
    expect([0, 42_400, 725_000, 3_600_000 * 3 + 125_000].map(formatEta)).toEqual(["0s", "42s", "12m05s", "3h02m"]);
  });
});
