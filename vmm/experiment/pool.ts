/**
 * `runPlanParallel`: the points of a plan on worker threads (point-worker.ts), each point on a
 * fresh guest exactly as `runPlan` runs it, so the rows are the same to the byte. Points are
 * handed out in order, one at a time, to whichever worker is free; rows are passed to `onRow`
 * in point order (a row that finishes early waits for those before it), so results.csv grows
 * exactly as in a serial run and a resumed sweep still finds its finished points first.
 *
 *   an error at a point   no further points start; the rows before it are passed on, then it
 *                         is thrown (as in a serial run, which would have stopped there)
 *   the signal aborts     the workers are ended at once, mid-migration; the rows passed on so
 *                         far are the result
 */
import { availableParallelism } from "node:os";
import { readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { UserError } from "../../isa/errors.js";
import type { ProgressEvent } from "../migration/stats.js";
import type { ExperimentPlan } from "./plan.js";
import type { Row } from "./row.js";
import { pointsToRun, type RunOptions } from "./run.js";

export type ToWorker = { index: number };
export type FromWorker =
  | { kind: "row"; index: number; row: Row }
  | { kind: "progress"; index: number; event: ProgressEvent }
  | { kind: "error"; index: number; user: boolean; message: string; exitCode: number };

export interface ParallelOptions extends RunOptions {
  /** Worker threads (at most one per point to run); default: the machine's cores. */
  jobs?: number;
  /** Aborting ends the workers at once. */
  signal?: AbortSignal;
}

export const defaultJobs = (): number => availableParallelism();

/**
 * The worker's script. Built, it sits beside this file; run from the TypeScript sources (the
 * tests), worker threads cannot load .ts, so the build's copy runs, and must be current.
 */
function workerScript(): URL {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith(".js")) return new URL("./point-worker.js", here);
  const built = new URL("../../dist/vmm/experiment/point-worker.js", here);
  requireCurrentBuild(fileURLToPath(built), fileURLToPath(new URL("../../", here)));
  return built;
}

let buildChecked = false;
function requireCurrentBuild(script: string, root: string): void {
  if (buildChecked) return;
  let builtMs = 0;
  try {
    builtMs = statSync(script).mtimeMs;
  } catch {
    throw new Error(`${script}: missing; worker threads run the built code: run \`npm run build\``);
  }
  for (const dir of ["isa", "vmm"]) {
    for (const file of readdirSync(root + dir, { recursive: true }) as string[]) {
      if (file.endsWith(".ts") && statSync(`${root}${dir}/${file}`).mtimeMs > builtMs) {
        throw new Error(`dist/ is older than ${dir}/${file}; worker threads run the built code: run \`npm run build\``);
      }
    }
  }
  buildChecked = true;
}

export function runPlanParallel(plan: ExperimentPlan, options: ParallelOptions = {}): Promise<Row[]> {
  const todo = pointsToRun(plan, options);
  const jobs = Math.max(1, Math.min(options.jobs ?? defaultJobs(), todo.length));
  const rows: Row[] = [];
  const done = new Map<number, Row>();
  let next = 0; // position in todo of the next point to start
  let emitted = 0; // positions in todo whose rows went to onRow
  let failure: { position: number; error: Error } | null = null;
  const workers: Worker[] = [];

  return new Promise<Row[]>((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener("abort", abort);
      for (const w of workers) void w.terminate();
      if (error) reject(error);
      else resolve(rows);
    };
    const abort = () => finish();
    if (options.signal?.aborted || todo.length === 0) return finish();
    options.signal?.addEventListener("abort", abort);

    const flush = () => {
      for (let row = done.get(todo[emitted]!); row && !settled && (failure === null || emitted < failure.position); row = done.get(todo[emitted]!)) {
        done.delete(todo[emitted]!);
        rows.push(row);
        emitted++;
        options.onRow?.(row);
      }
    };
    const startNext = (worker: Worker): boolean => {
      if (failure !== null || next >= todo.length) return false;
      const index = todo[next++]!;
      options.onProgress?.({ point: index, points: plan.points.length, params: plan.points[index]!, migration: null });
      worker.postMessage({ index } satisfies ToWorker);
      return true;
    };
    let busy = 0;
    const idle = () => {
      busy--;
      if (busy > 0) return;
      if (failure) finish(failure.error);
      else finish();
    };

    const script = workerScript();
    for (let j = 0; j < jobs; j++) {
      const worker = new Worker(script, { workerData: { spec: plan.spec, guest: plan.guest } });
      workers.push(worker);
      worker.on("message", (message: FromWorker) => {
        if (settled) return;
        if (message.kind === "progress") {
          options.onProgress?.({ point: message.index, points: plan.points.length, params: plan.points[message.index]!, migration: message.event });
          return;
        }
        if (message.kind === "row") done.set(message.index, message.row);
        else {
          const position = todo.indexOf(message.index, emitted);
          if (failure === null || position < failure.position) failure = { position, error: message.user ? new UserError(message.message, message.exitCode) : new Error(message.message) };
        }
        try {
          flush();
        } catch (error) {
          failure = { position: -1, error: error as Error };
        }
        if (!startNext(worker)) idle();
      });
      worker.on("error", (error) => finish(error));
      worker.on("exit", (code) => {
        if (!settled && code !== 0) finish(new Error(`a sweep's worker thread exited with status ${code}`));
      });
      busy++;
      if (!startNext(worker)) idle();
    }
  });
}
