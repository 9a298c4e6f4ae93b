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
      { axis: "bandwidth", values: [10_000_000, 125_000_000, 5000], where: "x.json: sweep.bandwidth" },
      { axis: "strategy", values: ["post-copy", "pre-copy"], where: "x.json: sweep.strategy" },
      { axis: "args.rate", values: [10, 20], where: "x.json: sweep.args.rate" },
    ]);
    expect(spec.baseWhere.latency).toBe("x.json: base.latency");
    expect(spec.plots).toEqual([{ x: "bandwidth", y: "downtime" }]);
  });

  it("keeps a bundled guest name as a name", () => {
    expect(parseSpec({ guest: "multi" }, "x.json", "/specs").guest).toBe("multi");
  });

  const cases: [string, unknown, string | RegExp][] = [
    ["not an object", [1, 2], "x.json: expected a JSON object with guest, base, sweep"],
    ["unknown field", { guest, swep: {} }, "x.json: swep: unknown field (fields: name, description, guest, base, sweep, plots, labels)"],
    ["no guest", { sweep: {} }, "x.json: guest: expected a bundled guest name or a .s/.tvm path"],
    ["a description that is not text", { guest, description: 5 }, "x.json: description: expected a string"],
    ["an empty name", { guest, name: " " }, "x.json: name: expected a non-empty string"],
    ["unknown axis", { guest, sweep: { bandwith: ["1MB/s"] } }, 'x.json: sweep.bandwith: unknown axis "bandwith" (known: strategy, bandwidth, latency, downtime-target, max-rounds, speed, memory, at, push-order, machine, auto-converge, dirty-limit, postcopy-policy, postcopy-after, xbzrle-cache, compress, compress-cost, decompress-cost, request-rate, stream-time, args.KEY)'],
    // units.ts words the unit errors; what matters here is the place in front
    ["bad unit", { guest, sweep: { bandwidth: ["10MB/s", "10XB/s"] } }, /^x\.json: sweep\.bandwidth\[1\] "10XB\/s": /],
    ["duration without unit", { guest, base: { latency: "5" } }, /^x\.json: base\.latency "5": /],
    ["bad strategy", { guest, sweep: { strategy: ["pre-copy", "precopy"] } }, 'x.json: sweep.strategy[1]: "precopy" is not one of stop-copy, pre-copy, post-copy'],
    ["a strategy that is not text", { guest, base: { strategy: 1 } }, "x.json: base.strategy: 1 is not one of stop-copy, pre-copy, post-copy"],
    ["memory not in pages", { guest, base: { memory: "1000" } }, /^x\.json: base\.memory "1000": .*4 KiB to 1 GiB/],
    ["memory above the machine's limit", { guest, base: { memory: "2GiB" } }, /^x\.json: base\.memory "2GiB": .*4 KiB to 1 GiB/],
    ["memory as a number above the limit", { guest, base: { memory: 2 ** 40 } }, /^x\.json: base\.memory "1099511627776": .*1 GiB/],
    ["zero bandwidth", { guest, base: { bandwidth: 0 } }, "x.json: base.bandwidth: 0: must be a whole number of bytes per second from 1kB/s to 1000GB/s"],
    ["negative bandwidth", { guest, sweep: { bandwidth: [-1] } }, "x.json: sweep.bandwidth[0]: -1: must be a whole number of bytes per second from 1kB/s to 1000GB/s"],
    ["fractional bandwidth", { guest, base: { bandwidth: 1500.5 } }, "x.json: base.bandwidth: 1500.5: must be a whole number of bytes per second from 1kB/s to 1000GB/s"],
    ["huge bandwidth", { guest, base: { bandwidth: 1e300 } }, "x.json: base.bandwidth: 1e+300: must be a whole number of bytes per second from 1kB/s to 1000GB/s"],
    ["a bandwidth below the range as text", { guest, base: { bandwidth: "1B/s" } }, 'x.json: base.bandwidth: "1B/s": must be a whole number of bytes per second from 1kB/s to 1000GB/s'],
    ["a bandwidth of the wrong type", { guest, base: { bandwidth: true } }, "x.json: base.bandwidth: true: expected a number of bytes per second or text such as 100MB/s"],
    ["null latency", { guest, base: { latency: null } }, "x.json: base.latency: null: expected a number of nanoseconds or text such as 30ms"],
    ["a latency over a minute", { guest, base: { latency: "2h" } }, /^x\.json: base\.latency "2h": /],
    ["a latency over a minute in ns", { guest, base: { latency: 61e9 } }, "x.json: base.latency: 61000000000: must be a whole number of nanoseconds from 0 ns to 60 s"],
    ["negative downtime target", { guest, base: { "downtime-target": -1 } }, "x.json: base.downtime-target: -1: must be a whole number of nanoseconds from 0 ns to 60 s"],
    ["zero max-rounds", { guest, base: { "max-rounds": 0 } }, "x.json: base.max-rounds: 0: must be a whole number of rounds from 1 to 100"],
    ["max-rounds as text that is not a number", { guest, base: { "max-rounds": "many" } }, 'x.json: base.max-rounds: "many": expected a whole number of rounds'],
    ["zero speed", { guest, base: { speed: 0 } }, "x.json: base.speed: 0: must be a whole number of instructions per second from 1000 to 1000000000000"],
    ["a speed of NaN", { guest, base: { speed: Number.NaN } }, "x.json: base.speed: NaN: must be a whole number of instructions per second from 1000 to 1000000000000"],
    ["negative at", { guest, base: { at: -5 } }, "x.json: base.at: -5: must be a whole number of instructions from 0 to 1000000000000"],
    ["an at past 2^53", { guest, base: { at: 2 ** 60 } }, "x.json: base.at: 1152921504606847000: must be a whole number of instructions from 0 to 1000000000000"],
    ["a bad push order", { guest, base: { "push-order": "random" } }, 'x.json: base.push-order: "random" is not one of fault-near, linear'],
    ["a bad machine", { guest, base: { machine: "vm" } }, 'x.json: base.machine: "vm" is not one of process, monitor, bare'],
    ["empty axis", { guest, sweep: { speed: [] } }, "x.json: sweep.speed: expected a non-empty list of values"],
    ["not a list", { guest, sweep: { speed: "1e8" } }, "x.json: sweep.speed: expected a non-empty list of values"],
    ["a sweep that is not an object", { guest, sweep: [1] }, "x.json: sweep: expected an object of parameter: [values]"],
    ["a base that is not an object", { guest, base: "fast" }, "x.json: base: expected an object of parameter: value"],
    ["repeated value", { guest, sweep: { bandwidth: ["100MB/s", 100000000] } }, "x.json: sweep.bandwidth[1]: 100000000 repeats an earlier value"],
    ["both base and sweep", { guest, base: { at: 5 }, sweep: { at: [1, 2] } }, "x.json: sweep.at: also fixed in base; give it in one place"],
    ["argument with a space", { guest, base: { "args.run": "a b" } }, 'x.json: base.args.run: "a b": a guest argument value cannot hold spaces, \'=\' or control characters'],
    ["argument with a NUL", { guest, base: { "args.run": "a\u0000b" } }, 'x.json: base.args.run: "a\\u0000b": a guest argument value cannot hold spaces, \'=\' or control characters'],
    ["argument that is an object", { guest, sweep: { "args.rate": [{}] } }, "x.json: sweep.args.rate[0]: {}: expected a number or a string"],
    ["a bad argument name", { guest, base: { "args.": 1 } }, /^x\.json: base\.args\.: unknown axis "args\."/],
    ["bad plot metric", { guest, plots: [{ x: "bandwidth", y: "speedup" }] }, 'x.json: plots[0]: y: "speedup" is not a metric (metrics: total, downtime, setup, expected-downtime, rounds, bytes, return-bytes, pages, resent, zero, faults, requests, stall, ticks, dirty-rate, working-set, model-rounds, model-bytes, model-downtime, model-total, model-downtime-err, model-bytes-err, xbzrle-hits, xbzrle-misses, xbzrle-overflows, xbzrle-saved, compressed, compression-saved, compress-time, answers, out-of-place, interruption)'],
    ["bad plot axis", { guest, plots: [{ x: "colour", y: "downtime" }] }, 'x.json: plots[0]: x: unknown axis "colour" (known: strategy, bandwidth, latency, downtime-target, max-rounds, speed, memory, at, push-order, machine, auto-converge, dirty-limit, postcopy-policy, postcopy-after, xbzrle-cache, compress, compress-cost, decompress-cost, request-rate, stream-time, args.KEY)'],
    ["plots that are not a list", { guest, plots: {} }, 'x.json: plots: expected a list of {"x": …, "y": …}'],
    ["a label for an unknown axis", { guest, labels: { rat: "rate" } }, /^x\.json: labels\.rat: unknown axis "rat"/],
    ["an empty label", { guest, labels: { "args.rate": "" } }, 'x.json: labels.args.rate: expected a non-empty title such as "dirty rate (pages/s)"'],
  ];
  for (const [label, json, message] of cases) {
    it(`rejects ${label} in one line naming file and field`, () => {
      const got = error(() => parseSpec(json, "x.json"));
      if (typeof message === "string") expect(got).toBe(message);
      else expect(got).toMatch(message);
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
