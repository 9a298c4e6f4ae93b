import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../isa/errors.js";
import { parseSpec, readSpecFile } from "../../vmm/experiment/spec.js";

/** The error `fn` throws: a UserError whose message is one line. */
function error(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const message = (e as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("expected an error");
}

const guest = "../programs/memwriter.s";

describe("experiment spec", () => {
  it("reads a valid spec: values in base units, sweep in the order written, guest relative to the spec", () => {
    const spec = parseSpec(
      {
        guest,
        base: { latency: "250us", memory: "2MiB", "args.pages": 32, at: 1000 },
        sweep: { bandwidth: ["10MB/s", "1Gbit/s", 5000], strategy: ["post-copy", "pre-copy"], "args.rate": [10, "20"] },
        plots: [{ x: "bandwidth", y: "downtime" }],
      },
      "x.json",
      "/specs",
    );
    expect(spec.guest).toBe(resolve("/specs", guest));
    expect(spec.name).toBe("x");
    expect(spec.base).toEqual({ latency: 250_000, memory: 2 << 20, "args.pages": 32, at: 1000 });
    expect(spec.sweep).toEqual([
      { axis: "bandwidth", values: [10_000_000, 125_000_000, 5000] },
      { axis: "strategy", values: ["post-copy", "pre-copy"] },
      { axis: "args.rate", values: [10, 20] },
    ]);
    expect(spec.plots).toEqual([{ x: "bandwidth", y: "downtime" }]);
  });

  it("keeps a bundled guest name as a name", () => {
    expect(parseSpec({ guest: "multi" }, "x.json", "/specs").guest).toBe("multi");
  });

  const cases: [string, unknown, string][] = [
    ["not an object", [1, 2], "x.json: expected a JSON object with guest, base, sweep"],
    ["unknown field", { guest, swep: {} }, "x.json: swep: unknown field (fields: name, description, guest, base, sweep, plots)"],
    ["no guest", { sweep: {} }, "x.json: guest: expected a bundled guest name or a .s/.tvm path"],
    ["unknown axis", { guest, sweep: { bandwith: ["1MB/s"] } }, 'x.json: sweep.bandwith: unknown axis "bandwith" (known: strategy, bandwidth, latency, downtime-target, max-rounds, speed, memory, at, push-order, machine, args.KEY)'],
    ["bad unit", { guest, sweep: { bandwidth: ["10MB/s", "10XB/s"] } }, 'x.json: sweep.bandwidth[1] "10XB/s": expected a number with a unit (B/s, kB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s; bits: bit/s, kbit/s, Mbit/s, Gbit/s, Mb/s, Mbps), e.g. 100MB/s or 1Gbit/s'],
    ["duration without unit", { guest, base: { latency: "5" } }, 'x.json: base.latency "5": expected a number with a unit (ns, us, ms, s), e.g. 30ms or 250us'],
    ["bad strategy", { guest, sweep: { strategy: ["pre-copy", "precopy"] } }, 'x.json: sweep.strategy[1]: "precopy" is not one of stop-copy, pre-copy, post-copy'],
    ["memory not in pages", { guest, base: { memory: "1000" } }, 'x.json: base.memory: "1000": memory must be a multiple of 4096 bytes between 4096 and 67108864'],
    ["negative at", { guest, base: { at: -5 } }, "x.json: base.at: expected a whole number ≥ 0, got -5"],
    ["empty axis", { guest, sweep: { speed: [] } }, "x.json: sweep.speed: expected a non-empty list of values"],
    ["not a list", { guest, sweep: { speed: "1e8" } }, "x.json: sweep.speed: expected a non-empty list of values"],
    ["repeated value", { guest, sweep: { bandwidth: ["100MB/s", 100000000] } }, 'x.json: sweep.bandwidth[1]: 100000000 repeats an earlier value'],
    ["both base and sweep", { guest, base: { at: 5 }, sweep: { at: [1, 2] } }, "x.json: sweep.at: also fixed in base; give it in one place"],
    ["argument with a space", { guest, base: { "args.run": "a b" } }, 'x.json: base.args.run: "a b": a guest argument value cannot hold spaces or \'=\''],
    ["bad plot metric", { guest, plots: [{ x: "bandwidth", y: "speedup" }] }, 'x.json: plots[0]: y: "speedup" is not a metric (metrics: total, downtime, setup, expected-downtime, rounds, bytes, return-bytes, pages, resent, zero, faults, requests, stall, ticks, dirty-rate, working-set, model-rounds, model-bytes, model-downtime, model-total, model-downtime-err, model-bytes-err)'],
    ["bad plot axis", { guest, plots: [{ x: "colour", y: "downtime" }] }, 'x.json: plots[0]: x: unknown axis "colour" (known: strategy, bandwidth, latency, downtime-target, max-rounds, speed, memory, at, push-order, machine, args.KEY)'],
  ];
  for (const [label, json, message] of cases) {
    it(`rejects ${label} in one line naming file and field`, () => {
      expect(error(() => parseSpec(json, "x.json"))).toBe(message);
    });
  }

  it("names the file for unreadable and malformed JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "toyvmm-spec-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{"guest": "multi",');
    expect(error(() => readSpecFile(bad))).toMatch(new RegExp(`^${bad}: not valid JSON: `));
    expect(error(() => readSpecFile(join(dir, "missing.json")))).toMatch(/missing\.json/);
  });

  it("bundled example specs parse", () => {
    for (const file of ["docs/experiments/precopy-vs-dirty-rate.json", "docs/experiments/strategies-vs-bandwidth.json"]) {
      const spec = readSpecFile(file);
      expect(spec.sweep.length).toBeGreaterThan(0);
      expect(spec.guest).toBe(resolve("programs/memwriter.s"));
    }
  });
});
