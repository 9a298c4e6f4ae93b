/**
 * The network workload axis: `request-rate` runs the guest as a server beside multi-net's
 * stream client, and the row has the client's answers, bytes out of place and longest gap
 * between answers (the interruption) beside the downtime; a CSV line reads back to the same
 * result (a resumed sweep); a program cannot be the server.
 */
import { describe, expect, it } from "vitest";
import { planExperiment } from "../../vmm/experiment/plan.js";
import { runPlan } from "../../vmm/experiment/run.js";
import { parseSpec } from "../../vmm/experiment/spec.js";
import { resultFromCells, resultColumns } from "../../vmm/experiment/row.js";
import { csvHeader, csvLine } from "../../vmm/experiment/writers.js";

const spec = (base: Record<string, unknown>) => parseSpec({ guest: "multi-net", base: { "args.run": "tcpecho", at: 300000, "stream-time": "6ms", ...base } }, "x.json");

describe("experiments with a network workload", () => {
  it("a server migrates while the client streams: every byte back, the interruption beside the downtime", () => {
    const [row] = runPlan(planExperiment(spec({ strategy: "pre-copy", "request-rate": 10000 })));
    expect(row!.result.status).toBe("completed");
    expect(row!.result.error).toBeNull();
    expect(row!.result.model).toBeNull();
    expect(row!.result.stream).toEqual({ answers: 60, outOfPlace: 0, gapNs: 1974840, intact: true });
    expect(row!.result.downtimeNs).toBe(1644700);
    // The client sees the downtime and the retransmission that follows it.
    expect(row!.result.stream!.gapNs! > row!.result.downtimeNs).toBe(true);

    const params = Object.keys(row!.params);
    const header = csvHeader(params).trimEnd().split(",");
    const cells = csvLine(row!, params).trimEnd().split(",");
    expect(resultColumns(params).map((c) => c.key)).toEqual(expect.arrayContaining(["answers", "out_of_place", "interruption_ns"]));
    expect(resultFromCells((key) => cells[header.indexOf(key)] ?? "")).toEqual(row!.result);
  });

  it("a program cannot be the server; a rate above one request a tick is refused", () => {
    expect(() => planExperiment(parseSpec({ guest: "programs/memwriter.s", base: { "request-rate": 1000 } }, "x.json"))).toThrow(
      "x.json: base.request-rate: a network workload needs a guest kernel as its server (such as multi-net), not the program memwriter",
    );
    expect(() => planExperiment(parseSpec({ guest: "multi-net", base: { speed: 1000, "request-rate": 2000 } }, "x.json"))).toThrow(
      "x.json: base.request-rate: 2000 requests a second is more than one a tick at speed 1000",
    );
  });
});
