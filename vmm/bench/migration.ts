/**
 * Migration benchmarks, called by the bench program (`npm run bench`) after the monitor's, all
 * over loopback TCP: the stream against a raw socket (stream-throughput.ts) between two host
 * processes and within this process; then, between the host processes, pre-copy's downtime
 * and total time beside the simulated engine's prediction, and post-copy's time to a running
 * guest (live-migration.ts); then stop-and-copy with its pages on multifd channels against
 * without (multifd.ts).
 */
import { withMigratingGuest } from "./host-migration.js";
import { benchPostcopy, benchPrecopy, type PostcopyFigure, type PrecopyFigure } from "./live-migration.js";
import { GUEST_MEMORY, GUEST_SPEED, WORKING_SET_PAGES, WRITE_RATE } from "./migration-guest.js";
import { benchMultifd, type MultifdFigure } from "./multifd.js";
import { benchStream, benchStreamInProcess, STREAM_WARM_ROUNDS, type StreamThroughputFigure } from "./stream-throughput.js";

export interface MigrationBenchReport {
  guest: { memoryBytes: number; workingSetPages: number; writesPerMillionTicks: number; speed: number };
  /** Between host processes (the goal's figure), then within one process. */
  stream: StreamThroughputFigure[];
  precopy: PrecopyFigure[];
  postcopy: PostcopyFigure;
  /** Stop-and-copy between the host processes on 0, 2 and 4 channels. */
  multifd: MultifdFigure[];
}

const MULTIFD_ROUNDS = 3;

/** The stream against a raw socket alone (`--only stream`): between host processes, then within this process, `rounds` each. */
export async function benchStreamAlone(rounds: number): Promise<StreamThroughputFigure[]> {
  const inProcess = await benchStreamInProcess(rounds);
  const between = await withMigratingGuest((move, pids) => benchStream("host processes", rounds, async () => (await move({ strategy: "stop-copy" })).stats, pids));
  return [between, inProcess];
}

export async function benchMigration(): Promise<MigrationBenchReport> {
  const inProcess = await benchStreamInProcess();
  return withMigratingGuest(async (move, pids) => {
    const stream = await benchStream("host processes", 3, async () => (await move({ strategy: "stop-copy" })).stats, pids);
    return {
      guest: { memoryBytes: GUEST_MEMORY, workingSetPages: WORKING_SET_PAGES, writesPerMillionTicks: WRITE_RATE, speed: GUEST_SPEED },
      stream: [stream, inProcess],
      precopy: await benchPrecopy(move, stream.pagesBytesPerSecond),
      postcopy: await benchPostcopy(move),
      multifd: await benchMultifd(MULTIFD_ROUNDS, async (multifdChannels) => (await move({ strategy: "stop-copy", multifdChannels })).stats),
    };
  });
}

const mbps = (bytesPerSecond: number) => `${(bytesPerSecond / 1e6).toFixed(0)} MB/s`;
const msText = (ms: number) => `${ms.toFixed(1)} ms`;

function formatStreamRow(s: StreamThroughputFigure): string {
  const verdict = s.between === "host processes" ? `goal ${s.goal}x, ${s.ratio >= s.goal ? "met" : "not met"}; ` : "";
  return (
    `  stream between ${s.between} (stop-and-copy, ${(s.bytes / 1e6).toFixed(1)} MB): ${mbps(s.streamBytesPerSecond)} (page frames alone ${mbps(s.pagesBytesPerSecond)})  ` +
    `raw socket ${mbps(s.rawBytesPerSecond)}  ${s.ratio.toFixed(3)}x (${verdict}median of ${s.rounds} rounds, ${s.ratioRange.map((r) => r.toFixed(2)).join("–")}, after ${STREAM_WARM_ROUNDS} not counted)` +
    (s.cpuMs ? `; CPU ${msText(s.cpuMs.stream)} a migration, ${msText(s.cpuMs.raw)} a raw push` : "")
  );
}

/** The rows of `--only stream`. */
export function formatStreamReport(stream: StreamThroughputFigure[]): string {
  return ["migration stream over loopback TCP against a raw socket pushing the same bytes (64 MiB memwriter):", ...stream.map(formatStreamRow)].join("\n") + "\n";
}

export function formatMigrationReport(r: MigrationBenchReport): string {
  const g = r.guest;
  const lines = [
    `migration over loopback TCP: memwriter in ${g.memoryBytes >> 20} MiB, ${g.workingSetPages} pages written, one every ${1e6 / g.writesPerMillionTicks} ticks, at ${g.speed / 1e6}M ticks/s`,
  ];
  lines.push(...r.stream.map(formatStreamRow));
  for (const p of r.precopy) {
    const limit = p.bandwidth === null ? `unlimited (simulated at ${mbps(p.simulatedBandwidth)})` : `${mbps(p.bandwidth)}`;
    lines.push(
      `  pre-copy between host processes at ${limit}, guest measured at ${(p.measuredSpeed / 1e6).toFixed(2)}M ticks/s:  ` +
        `downtime ${msText(p.realDowntimeMs)} (simulated ${msText(p.simulatedDowntimeMs)})  ` +
        `total ${msText(p.realTotalMs)} (simulated ${msText(p.simulatedTotalMs)})  ` +
        `rounds ${p.realRounds} (simulated ${p.simulatedRounds})`,
    );
  }
  const c = r.postcopy;
  lines.push(
    `  post-copy between host processes: guest running on the destination ${msText(c.runningAfterMs)} after the migration started; every page there after ${msText(c.totalMs)} (${c.pagesRequested} pages requested)`,
  );
  lines.push(
    `  multifd, stop-and-copy between host processes: ` +
      r.multifd.map((m) => `${m.channels === 0 ? "stream alone" : `${m.channels} channels`} ${mbps(m.streamBytesPerSecond)}${m.channels === 0 ? "" : ` (${m.gain.toFixed(3)}x)`}`).join(", ") +
      ` (median of ${MULTIFD_ROUNDS})`,
  );
  return lines.join("\n") + "\n";
}
