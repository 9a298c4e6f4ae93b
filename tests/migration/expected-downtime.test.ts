/**
 * The downtime pre-copy expects when it stops is measured over the link's bandwidth. A live round
 * that moved no bytes (every page it resent was a zero marker, or none was dirty) says nothing
 * about the link, so it must not turn the bandwidth into 1 B/s and the estimate into minutes.
 */
import { describe, expect, it } from "vitest";
import { toyvmm } from "../cli/run-cli.js";

describe("the expected downtime", () => {
  it("stays close to the downtime when the last live rounds carried no bytes", async () => {
    const run = await toyvmm(["migrate", "programs/memwriter.s", "--downtime-target", "1ms", "--json"]);
    expect(run.code).toBe(0);
    const { stats } = JSON.parse(run.stdout) as {
      stats: { expectedDowntimeNs: number; downtimeNs: number; rounds: { bytes: number }[] };
    };
    expect(stats.rounds.at(-1)!.bytes).toBe(0);
    expect(stats.expectedDowntimeNs).toBeGreaterThan(stats.downtimeNs * 0.9);
    expect(stats.expectedDowntimeNs).toBeLessThan(stats.downtimeNs * 1.1);
  });
});
