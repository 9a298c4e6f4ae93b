import { describe, expect, it } from "vitest";
import { runExperiment } from "../../vmm/experiment/run.js";
import { parseSpec } from "../../vmm/experiment/spec.js";
import { parameterNames } from "../../vmm/experiment/sweep.js";
import { toCsv } from "../../vmm/experiment/writers.js";

const base = { "args.pages": 512, "args.iters": 0, "args.rate": 400, memory: "4MiB", latency: "100us", "downtime-target": "5ms", at: 1_280_610 };

describe("the convergence axes of an experiment", () => {
  it("are columns only when the spec names them", () => {
    const plain = parseSpec({ guest: "programs/memwriter.s", base }, "p.json");
    expect(parameterNames(plain)).not.toContain("auto-converge");
    expect(parameterNames(plain).join(",")).toBe("strategy,bandwidth,latency,downtime-target,max-rounds,speed,memory,at,push-order,machine,args.pages,args.iters,args.rate");
    const named = parseSpec({ guest: "programs/memwriter.s", base: { ...base, "dirty-limit": "5k" }, sweep: { "postcopy-policy": ["never", "auto"] } }, "c.json");
    expect(parameterNames(named)).toEqual(expect.arrayContaining(["dirty-limit", "postcopy-policy"]));
    expect(parameterNames(named)).not.toContain("auto-converge");
  });

  it("switch the engine's convergence control on per point: each changes the row, the memory check passes, the model claims no error", () => {
    const spec = parseSpec({ guest: "programs/memwriter.s", base, sweep: { "auto-converge": ["off", "on"], "postcopy-policy": ["never", "auto"] } }, "c.json");
    const rows = runExperiment(spec);
    const [plain, switched, throttled] = rows;
    expect(rows.every((r) => r.result.status === "completed" && r.result.memcheck === "ok")).toBe(true);
    expect(plain!.result.downtimeNs).toBeGreaterThan(5_000_000);
    expect(plain!.result.modelNote).toBe("D>=B");
    expect(switched!.result.downtimeNs).toBeLessThan(1_000_000);
    expect(switched!.result.postcopyRequests).toBeGreaterThan(0);
    expect(throttled!.result.downtimeNs).toBeLessThanOrEqual(5_000_000);
    expect(throttled!.result.rounds).toBeGreaterThan(plain!.result.rounds);
    for (const r of rows.slice(1)) expect([r.result.modelNote, r.result.modelDowntimeErr]).toEqual(["converge", null]);
    expect(toCsv(rows).split("\n")[0]).toMatch(/,machine,auto-converge,postcopy-policy,args\.pages,/);
  });
});
