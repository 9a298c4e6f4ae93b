/**
 * CPU time of whole processes, every thread, for the bench's figures of where a migration's
 * time goes: this process through Node (`process.cpuUsage`), another through Linux's
 * `/proc/PID/task/TID/schedstat` (nanoseconds; `/proc/PID/stat` counts in 10 ms ticks, too coarse
 * for a push of 30 ms). Elsewhere, or for a process that has gone, there is no figure (null).
 */
import { readdirSync, readFileSync } from "node:fs";

/** Milliseconds of CPU `pid` has used so far, its threads together; null where it cannot be read. */
export function processCpuMs(pid: number): number | null {
  if (pid === process.pid) {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  }
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    return Number.isFinite(ns) ? ns / 1e6 : null;
  } catch {
    return null;
  }
}

/** A sampler of the CPU the processes `pids` have used so far, together: null when any cannot be read. */
export function cpuOf(pids: number[]): () => number | null {
  return () => {
    let sum = 0;
    for (const pid of pids) {
      const ms = processCpuMs(pid);
      if (ms === null) return null;
      sum += ms;
    }
    return sum;
  };
}

/** `run`'s result and the CPU `sample` counted while it ran (null when it cannot count). */
export async function withCpu<T>(sample: () => number | null, run: () => Promise<T>): Promise<[T, number | null]> {
  const before = sample();
  const result = await run();
  const after = sample();
  return [result, before === null || after === null ? null : after - before];
}
