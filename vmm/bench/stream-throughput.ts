/**
 * Row (a) of the migration bench: the migration stream of the 64 MiB memwriter on loopback
 * TCP (stop-and-copy, no bandwidth limit) against a raw socket pushing the same number of
 * bytes, alternated round by round because the machine is shared and noisy. Measured twice:
 * between two `toyvmm host` processes against a raw socket to a sink in a process of its own
 * (as a user sees it: the goal, issue 9, is the stream at ≥ 0.8 of the raw socket), and with
 * both ends in this process against a sink in this process (one thread does the work of both
 * hosts then, so this figure is lower). Between host processes, also the CPU the processes at
 * work used (every thread), per migration and per push: where both cores are busy, work in
 * either process (the stream's CRCs at both ends above all) is time, wherever it runs.
 */
import { rawSocketThroughput, withRawSink } from "./raw-socket.js";
import { migrateOverLoopback } from "./real-migration.js";
import { cpuOf, withCpu } from "./process-cpu.js";
import { median } from "./statistics.js";
import type { MigrationStats } from "../migration/stats.js";

export const STREAM_GOAL = 0.8;

/**
 * Each measurement starts this long after the one before it, so that neither runs in the
 * other's aftermath (the source host releasing a 64 MiB VM, the destination compiling the
 * guest's code, collections in every process): pushed at once after a migration, the raw
 * socket ran a fifth to a third slower, which flattered the ratio.
 */
const SETTLE_MS = 300;
const settle = () => new Promise((resume) => setTimeout(resume, SETTLE_MS));
/**
 * Rounds run first and not counted: the hosts' first migrations run code V8 has not yet
 * optimized (page frames alone went from about 400 MB/s in a run's first rounds to 540-630 in
 * its later ones), and a long-running host's migrations are the later kind.
 */
export const STREAM_WARM_ROUNDS = 2;

export interface StreamThroughputFigure {
  /** "host processes" (the goal's figure) or "one process". */
  between: "host processes" | "one process";
  rounds: number;
  bytes: number;
  /** Bytes per second from the lanes' opening to the destination's `done`: pages, state, the memory check. */
  streamBytesPerSecond: number;
  /** Bytes per second of the page frames alone, from the first to the last one queued. */
  pagesBytesPerSecond: number;
  rawBytesPerSecond: number;
  /** Median over rounds of stream / raw within the round. */
  ratio: number;
  /**
   * The lowest and highest of those ratios: on a shared two-core machine one run's rounds
   * spread from a third to three quarters, so one run's median moves by a tenth between runs.
   */
  ratioRange: [number, number];
  goal: number;
  /**
   * Between host processes, medians of the CPU milliseconds both hosts used from the migrate
   * command to its answer (the guest's first instructions at the destination among them), and
   * the raw socket's pusher and sink per push; null within one process, or where a process's
   * CPU cannot be read (not Linux).
   */
  cpuMs: { stream: number; raw: number } | null;
}

/** `migrate` runs one migration; `pids`, the processes that do it, for its CPU (null: not measured). */
export async function benchStream(
  between: StreamThroughputFigure["between"],
  rounds: number,
  migrate: () => Promise<MigrationStats>,
  pids: number[] | null,
): Promise<StreamThroughputFigure> {
  const stream: number[] = [];
  const pages: number[] = [];
  const raw: number[] = [];
  const streamCpu: number[] = [];
  const rawCpu: number[] = [];
  let bytes = 0;
  await withRawSink(between === "host processes", async (port, sinkPid) => {
    const hostsCpu = pids ? cpuOf(pids) : () => null;
    const pushCpu = pids ? cpuOf([process.pid, sinkPid]) : () => null;
    for (let i = -STREAM_WARM_ROUNDS; i < rounds; i++) {
      await settle();
      const [source, migrationMs] = await withCpu(hostsCpu, migrate);
      bytes = source.bytesSent;
      await settle();
      const [rawRate, pushMs] = await withCpu(pushCpu, () => rawSocketThroughput(bytes, port));
      if (i < 0) continue;
      stream.push(bytes / ((source.totalNs - source.setupNs) / 1e9));
      const round = source.rounds[0]!;
      pages.push(round.bytes / ((round.endNs - round.startNs) / 1e9));
      raw.push(rawRate);
      if (migrationMs !== null) streamCpu.push(migrationMs);
      if (pushMs !== null) rawCpu.push(pushMs);
    }
  });
  const ratios = stream.map((s, i) => s / raw[i]!);
  return {
    between,
    rounds,
    bytes,
    streamBytesPerSecond: median(stream),
    pagesBytesPerSecond: median(pages),
    rawBytesPerSecond: median(raw),
    ratio: median(ratios),
    ratioRange: [Math.min(...ratios), Math.max(...ratios)],
    goal: STREAM_GOAL,
    cpuMs: streamCpu.length === rounds && rawCpu.length === rounds ? { stream: median(streamCpu), raw: median(rawCpu) } : null,
  };
}

/** Both ends in this process, as the tests run the driver (each migration boots its guest too: no CPU figure). */
export function benchStreamInProcess(rounds = 3): Promise<StreamThroughputFigure> {
  return benchStream("one process", rounds, () => migrateOverLoopback({ strategy: "stop-copy" }), null);
}
