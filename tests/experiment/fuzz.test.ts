import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UserError } from "../../isa/errors.js";
import { AXES } from "../../vmm/experiment/axes.js";
import { planExperiment } from "../../vmm/experiment/plan.js";
import { runPlan } from "../../vmm/experiment/run.js";
import { parseSpec } from "../../vmm/experiment/spec.js";
import { resolveOptions } from "../../vmm/migration/options.js";
import { ANY_HOST } from "../../vmm/migration/index.js";

const GUEST = "programs/memwriter.s";

/** Values a user might write wrongly: zero, negative, huge, fractional, NaN-ish, bad units, wrong types. */
const bad = fc.oneof(
  fc.constantFrom(0, -1, 1, 1e300, 2 ** 53, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "", " ", "NaN", "Infinity", "1e400", "0MB/s", "1B/s", "1mb/s", "1GiB", "61s", "a b", "x=y", "a\u0000", true, null, {}, []),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 8 }),
);

/** Values that make sense for each parameter (some still wrong for the guest: 4KiB is too little memory). */
const GOOD: Record<string, fc.Arbitrary<unknown>> = {
  strategy: fc.constantFrom("stop-copy", "pre-copy", "post-copy"),
  bandwidth: fc.constantFrom("10MB/s", "1Gbit/s", "512KiB/s", 1000, 1e12),
  latency: fc.constantFrom("0ns", "250us", "1ms", 60e9),
  "downtime-target": fc.constantFrom(0, "5ms", "60s"),
  "max-rounds": fc.integer({ min: 1, max: 100 }),
  speed: fc.constantFrom(1000, "100M", 1e12),
  memory: fc.constantFrom("4KiB", "1MiB", "4MiB", "64MiB", 1 << 20),
  at: fc.constantFrom(0, 1000, 640600, 1e12),
  "push-order": fc.constantFrom("fault-near", "linear"),
  machine: fc.constantFrom("process", "monitor", "bare"),
  "auto-converge": fc.constantFrom("off", "on"),
  "dirty-limit": fc.constantFrom(0, 1000, "5k"),
  "postcopy-policy": fc.constantFrom("never", "after", "auto"),
  "postcopy-after": fc.integer({ min: 1, max: 100 }),
  "xbzrle-cache": fc.constantFrom(0, 4096, "64KiB", "off"),
  compress: fc.constantFrom("off", "on"),
  "compress-cost": fc.constantFrom(0, 1000, "1ns", "800ps"),
  "decompress-cost": fc.constantFrom(0, 750, "2ns"),
  "request-rate": fc.constantFrom(0, 1000, 20000, 1e9),
  "stream-time": fc.constantFrom(1, "1ms", "10ms"),
  "args.pages": fc.integer({ min: -1, max: 64 }),
  "args.rate": fc.integer({ min: 0, max: 1000 }),
  "args.iters": fc.integer({ min: 0, max: 4 }),
  "args.x": fc.string({ minLength: 1, maxLength: 300 }),
};
const names = [...AXES.map((a) => a.name), "args.pages", "args.rate", "args.iters", "args.x"];
const valueOf = (name: string) => fc.oneof({ weight: 20, arbitrary: GOOD[name]! }, { weight: 1, arbitrary: bad });
const values = (name: string) => fc.oneof({ weight: 20, arbitrary: fc.array(valueOf(name), { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: bad });
const some = <T>(arb: (name: string) => fc.Arbitrary<T>) =>
  fc.subarray(names, { maxLength: 5 }).chain((keys) => fc.tuple(...keys.map((k) => arb(k).map((v) => [k, v] as const)))).map((entries) => Object.fromEntries(entries));

const spec = fc.record(
  {
    guest: fc.oneof({ weight: 20, arbitrary: fc.constant(GUEST) }, { weight: 1, arbitrary: fc.constantFrom("solo", "nosuch", "", "../nosuch.s") }),
    name: fc.oneof({ weight: 20, arbitrary: fc.constant("fuzz") }, { weight: 1, arbitrary: bad }),
    base: fc.oneof({ weight: 20, arbitrary: some(valueOf) }, { weight: 1, arbitrary: bad }),
    sweep: fc.oneof({ weight: 20, arbitrary: some(values) }, { weight: 1, arbitrary: bad }),
    plots: fc.array(fc.record({ x: fc.constantFrom(...names, "colour"), y: fc.constantFrom("downtime", "total", "total", "speedup") }), { maxLength: 1 }),
    labels: fc.oneof({ weight: 20, arbitrary: fc.constant({ "args.rate": "dirty rate (writes)" }) }, { weight: 1, arbitrary: bad }),
  },
  { requiredKeys: ["guest"] },
);

describe("random specs", () => {
  it("are accepted or refused with one UserError line naming the spec; accepted ones suit the engine", () => {
    fc.assert(
      fc.property(spec, (json) => {
        let plan;
        try {
          plan = planExperiment(parseSpec(json, "x.json", "."));
        } catch (error) {
          expect(error).toBeInstanceOf(UserError);
          expect((error as Error).message).toMatch(/^x\.json: [^\n]+$/);
          return;
        }
        // Whatever was accepted, the engine takes without complaint.
        for (const p of plan.points) {
          resolveOptions({
            strategy: p.strategy as "pre-copy",
            host: ANY_HOST,
            bandwidth: p.bandwidth as number,
            latencyNs: p.latency as number,
            downtimeTargetNs: p["downtime-target"] as number,
            maxRounds: p["max-rounds"] as number,
            speed: p.speed as number,
          });
        }
      }),
      { numRuns: 150 },
    );
  });

  it("that are accepted run to rows or stop with a UserError, never another exception", () => {
    // Small and quick, but every strategy, machine and push order, guest arguments that may be nonsense.
    const small = fc.record({
      strategy: GOOD.strategy!,
      bandwidth: fc.constantFrom("10MB/s", "1Gbit/s", 1e12),
      latency: fc.constantFrom(0, "100us", "1ms"),
      "downtime-target": fc.constantFrom(0, "1ms", "60s"),
      "max-rounds": fc.integer({ min: 1, max: 100 }),
      speed: fc.constantFrom(1000, "100M", 1e9),
      memory: fc.constantFrom("1MiB", "2MiB"),
      at: fc.integer({ min: 0, max: 100_000 }),
      "push-order": GOOD["push-order"]!,
      machine: GOOD.machine!,
      "args.pages": fc.integer({ min: -1, max: 8 }),
      "args.rate": fc.integer({ min: -1, max: 100_000 }),
      "args.iters": fc.integer({ min: 0, max: 2 }),
    });
    fc.assert(
      fc.property(small, fc.constantFrom(GUEST, "solo", "multi"), (base, guest) => {
        try {
          const rows = runPlan(planExperiment(parseSpec({ guest, base }, "x.json", ".")));
          expect(rows).toHaveLength(1);
        } catch (error) {
          expect(error).toBeInstanceOf(UserError);
          expect((error as Error).message).toMatch(/^x\.json: [^\n]+$/);
        }
      }),
      { numRuns: 12 },
    );
  });
});
