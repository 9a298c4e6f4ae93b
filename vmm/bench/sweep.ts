/**
 * A sweep's points on worker threads against the same points one after another on this thread
 * (`toyvmm experiment --jobs N` vs `--jobs 1`): wall seconds of each and the speed-up, and
 * whether the two gave the same CSV (they must). Called by `npm run bench`.
 */
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { planExperiment } from "../experiment/plan.js";
import { runPlanParallel } from "../experiment/pool.js";
import { runPlan } from "../experiment/run.js";
import { parseSpec } from "../experiment/spec.js";
import { toCsv } from "../experiment/writers.js";

export interface SweepFigure {
  points: number;
  jobs: number;
  serialSeconds: number;
  parallelSeconds: number;
  speedup: number;
  identical: boolean;
}

/** 24 points of pre-copy and stop-and-copy on a 256-page memwriter, each a few tenths of a second. */
const SPEC = {
  guest: fileURLToPath(new URL("../../../programs/memwriter.s", import.meta.url)),
  base: { "args.pages": 256, "args.iters": 0, memory: "2MiB", at: 10_240_600, latency: "100us", "downtime-target": "5ms" },
  sweep: { strategy: ["pre-copy", "stop-copy"], bandwidth: ["50MB/s", "100MB/s", "200MB/s"], "args.rate": [25, 50, 100, 200] },
};

export async function benchSweep(): Promise<SweepFigure> {
  const plan = planExperiment(parseSpec(SPEC, "bench sweep"));
  const jobs = availableParallelism();
  const t0 = performance.now();
  const serial = toCsv(runPlan(plan));
  const t1 = performance.now();
  const parallel = toCsv(await runPlanParallel(plan, { jobs }));
  const t2 = performance.now();
  const serialSeconds = (t1 - t0) / 1000;
  const parallelSeconds = (t2 - t1) / 1000;
  return { points: plan.points.length, jobs, serialSeconds, parallelSeconds, speedup: serialSeconds / parallelSeconds, identical: serial === parallel };
}

export function formatSweepReport(f: SweepFigure): string {
  return (
    `experiment sweep of ${f.points} points: serial ${f.serialSeconds.toFixed(2)} s, ${f.jobs} worker threads ${f.parallelSeconds.toFixed(2)} s, ` +
    `speed-up ${f.speedup.toFixed(2)}x (results ${f.identical ? "identical" : "DIFFERENT"})\n`
  );
}
