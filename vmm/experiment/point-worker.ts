/**
 * A worker thread of a parallel sweep (pool.ts): it is given the plan's spec and loaded guest,
 * expands the same points, and runs each point index it is sent on a fresh guest, answering
 * with the row (or the point's error) and its migration's progress, at most every
 * PROGRESS_MS of wall time (progress never touches the results).
 */
import { parentPort, workerData } from "node:worker_threads";
import { UserError } from "../../isa/errors.js";
import type { LoadedGuest } from "./guest.js";
import type { ExperimentPlan } from "./plan.js";
import { runPoint } from "./run.js";
import type { ExperimentSpec } from "./spec.js";
import { expandSweep } from "./sweep.js";
import type { FromWorker, ToWorker } from "./pool.js";

const PROGRESS_MS = 100;

const { spec, guest } = workerData as { spec: ExperimentSpec; guest: LoadedGuest };
const plan: ExperimentPlan = { spec, guest, points: expandSweep(spec) };
const port = parentPort!;
const send = (message: FromWorker) => port.postMessage(message);

port.on("message", ({ index }: ToWorker) => {
  let posted = -Infinity;
  try {
    const row = runPoint(plan, index, (event) => {
      const now = performance.now();
      if (now - posted < PROGRESS_MS && event.completed < 1) return;
      posted = now;
      send({ kind: "progress", index, event });
    });
    send({ kind: "row", index, row });
  } catch (error) {
    const user = error instanceof UserError;
    send({ kind: "error", index, user, message: user ? error.message : String((error as Error)?.stack ?? error), exitCode: user ? error.exitCode : 1 });
  }
});
