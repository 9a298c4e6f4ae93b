/**
 * Cold start as a user sees it: `toyvmm boot solo` as a new process until its first console
 * line, beside Node itself starting and printing a line (`node -e`), the floor under any
 * Node program. Both are whole processes timed from spawn; on a shared machine they move
 * together, and what lies between them is toyvmm's own start.
 */
import { spawn } from "node:child_process";
import { benchColdBoot } from "./monitor.js";
import { median } from "./statistics.js";

/** The goal for `toyvmm boot solo` to its first console line. */
export const COLD_BOOT_TARGET_MS = 80;
const GUEST = "solo";
const TIMEOUT_MS = 20_000;

export interface ColdStartFigure {
  guest: string;
  /** Median ms to the first console line; null when some round did not get there. */
  medianMs: number | null;
  samples: (number | null)[];
  /** Median ms for `node -e 'console.log(1)'` to print its line, in the same rounds. */
  nodeMs: number | null;
  nodeSamples: (number | null)[];
  target: number;
}

/** A measurement taken once a round. */
export interface ColdStartJob {
  key: "boot" | "node";
  run: () => Promise<number | null>;
}

/** Milliseconds from spawning `node -e` until it has printed a line, or null. */
function nodeFirstLine(env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, ["-e", "console.log(1)"], { stdio: ["ignore", "pipe", "ignore"], env });
    let ms: number | null = null;
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.stdout.on("data", (chunk: Buffer) => {
      if (ms === null && chunk.includes(10)) ms = Number(process.hrtime.bigint() - start) / 1e6;
    });
    child.on("error", () => resolve(null));
    child.on("close", () => {
      clearTimeout(timer);
      resolve(ms);
    });
  });
}

export function coldStartJobs(env: NodeJS.ProcessEnv = process.env): ColdStartJob[] {
  return [
    { key: "boot", run: async () => (await benchColdBoot(GUEST, TIMEOUT_MS, env)).firstLineMs },
    { key: "node", run: () => nodeFirstLine(env) },
  ];
}

const medianOf = (samples: (number | null)[]): number | null =>
  samples.length > 0 && samples.every((x) => x !== null) ? median(samples as number[]) : null;

export function coldStartFigure(boot: (number | null)[], node: (number | null)[]): ColdStartFigure {
  return { guest: GUEST, medianMs: medianOf(boot), samples: boot, nodeMs: medianOf(node), nodeSamples: node, target: COLD_BOOT_TARGET_MS };
}

/** `rounds` rounds of both, each round starting with the other one. */
export async function benchColdStart(rounds: number, env: NodeJS.ProcessEnv = process.env): Promise<ColdStartFigure> {
  const jobs = coldStartJobs(env);
  const samples = { boot: [] as (number | null)[], node: [] as (number | null)[] };
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < jobs.length; j++) {
      const job = jobs[(j + round) % jobs.length]!;
      samples[job.key].push(await job.run());
    }
  }
  return coldStartFigure(samples.boot, samples.node);
}

export function formatColdStart(f: ColdStartFigure): string {
  const ms = (x: number | null) => (x === null ? "n/a" : `${x.toFixed(0)} ms`);
  return (
    `cold boot: toyvmm boot ${f.guest} to its first console line, median of ${f.samples.length}: ${ms(f.medianMs)} ` +
    `(target ≤ ${f.target} ms); node -e printing a line, the same rounds: ${ms(f.nodeMs)}`
  );
}
