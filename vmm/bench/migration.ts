/**
 * Migration benchmarks, called by the bench program (`npm run bench`) after the monitor's:
 * the stream against a raw socket (stream-throughput.ts), pre-copy's downtime and total time
 * beside the simulated engine's prediction, and post-copy's time to a running guest
 * (live-migration.ts). All over loopback TCP, both ends in this process.
 */
import { benchPostcopy, benchPrecopy, type PostcopyFigure, type PrecopyFigure } from "./live-migration.js";
import { GUEST_MEMORY, GUEST_SPEED, WORKING_SET_PAGES, WRITE_RATE } from "./migration-guest.js";
import { benchStreamThroughput, type StreamThroughputFigure } from "./stream-throughput.js";

export interface MigrationBenchReport {
  guest: { memoryBytes: number; workingSetPages: number; writesPerMillionTicks: number; speed: number };
  stream: StreamThroughputFigure;
  precopy: PrecopyFigure[];
  postcopy: PostcopyFigure;
}

export async function benchMigration(): Promise<MigrationBenchReport> {
  const stream = await benchStreamThroughput();
  return {
    guest: {
      memoryBytes: GUEST_MEMORY,
      workingSetPages: WORKING_SET_PAGES,
      writesPerMillionTicks: WRITE_RATE,
      speed: GUEST_SPEED,
    },
    stream,
    precopy: await benchPrecopy(stream.pagesBytesPerSecond),
    postcopy: await benchPostcopy(),
  };
}

const mbps = (bytesPerSecond: number) => `${(bytesPerSecond / 1e6).toFixed(0)} MB/s`;
const msText = (ms: number) => `${ms.toFixed(1)} ms`;

export function formatMigrationReport(r: MigrationBenchReport): string {
  const g = r.guest;
  const s = r.stream;
  const lines = [
    `migration over loopback TCP: memwriter in ${g.memoryBytes >> 20} MiB, ${g.workingSetPages} pages written, one every ${1e6 / g.writesPerMillionTicks} ticks, at ${g.speed / 1e6}M ticks/s`,
    `  stream (stop-and-copy, ${(s.bytes / 1e6).toFixed(1)} MB): ${mbps(s.streamBytesPerSecond)} (page frames alone ${mbps(s.pagesBytesPerSecond)})  ` +
      `raw socket ${mbps(s.rawBytesPerSecond)}  ${s.ratio.toFixed(3)}x (goal ${s.goal}x, ${s.ratio >= s.goal ? "met" : "not met"}; median of ${s.rounds})`,
  ];
  for (const p of r.precopy) {
    const limit =
      p.bandwidth === null ? `unlimited (simulated at ${mbps(p.simulatedBandwidth)})` : `${mbps(p.bandwidth)}`;
    lines.push(
      `  pre-copy at ${limit}, guest measured at ${(p.measuredSpeed / 1e6).toFixed(2)}M ticks/s:  ` +
        `downtime ${msText(p.realDowntimeMs)} (simulated ${msText(p.simulatedDowntimeMs)})  ` +
        `total ${msText(p.realTotalMs)} (simulated ${msText(p.simulatedTotalMs)})  ` +
        `rounds ${p.realRounds} (simulated ${p.simulatedRounds})`,
    );
  }
  const c = r.postcopy;
  lines.push(
    `  post-copy: guest running on the destination ${msText(c.runningAfterMs)} after migrate; every page there after ${msText(c.totalMs)} (${c.pagesRequested} pages requested)`,
  );
  return lines.join("\n") + "\n";
}
