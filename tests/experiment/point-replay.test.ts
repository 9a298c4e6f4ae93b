/**
 * A results directory's point replayed for the web view (vmm/host/http/point-replay.ts) is the
 * migration the sweep ran: with convergence control on as well, its statistics equal the row's.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pointReplayer } from "../../vmm/host/http/point-replay.js";
import { toyvmm } from "../cli/run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "toyvmm-point-replay-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a replayed experiment point", () => {
  it("migrates as its row did, auto-converge and the post-copy policy included", async () => {
    const out = join(dir, "results");
    const run = await toyvmm([
      "experiment",
      "--guest",
      "programs/memwriter.s",
      "--arg",
      "pages=512",
      "--arg",
      "iters=0",
      "--arg",
      "rate=400",
      "--memory",
      "4MiB",
      "--bandwidth",
      "100MB/s",
      "--latency",
      "100us",
      "--downtime-target",
      "5ms",
      "--at",
      "20480600",
      "--auto-converge",
      "off,on",
      "--postcopy-policy",
      "never,auto",
      "--out",
      out,
      "--jobs",
      "1",
    ]);
    expect(run.code, run.stderr).toBe(0);
    type Saved = { point: number; results: { downtime_ns: number; bytes_sent: number } };
    const rows = (JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { rows: Saved[] }).rows;
    expect(rows).toHaveLength(4);
    // The options matter here: the four points do not all migrate alike.
    expect(new Set(rows.map((r) => r.results.downtime_ns)).size).toBeGreaterThan(1);
    const replay = pointReplayer(out, "programs/memwriter.s");
    for (const row of rows) {
      const { stats } = replay(row.point);
      const replayed = { point: row.point, downtime_ns: stats.downtimeNs, bytes_sent: stats.bytesSent };
      expect(replayed).toEqual({
        point: row.point,
        downtime_ns: row.results.downtime_ns,
        bytes_sent: row.results.bytes_sent,
      });
    }
  });
});
