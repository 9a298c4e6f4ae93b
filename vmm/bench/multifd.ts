/**
 * Multifd's row of the migration bench: the 64 MiB memwriter's stop-and-copy between two
 * `toyvmm host` processes with its pages on the stream alone, and on 2 and 4 channels beside
 * it (vmm/migration/real/multifd.ts), alternated run by run because the machine is shared and
 * noisy. The gain is each channel count's stream rate over the one without channels, the median
 * over rounds of the ratio within each round.
 */
import type { MigrationStats } from "../migration/stats.js";
import { median } from "./statistics.js";

export const CHANNEL_COUNTS = [0, 2, 4] as const;

export interface MultifdFigure {
  channels: number;
  /** Bytes per second from the lanes' opening to the destination's `done`. */
  streamBytesPerSecond: number;
  /** Median over rounds of this rate over that without channels within the round. */
  gain: number;
}

export async function benchMultifd(rounds: number, migrate: (channels: number) => Promise<MigrationStats>): Promise<MultifdFigure[]> {
  const rates = CHANNEL_COUNTS.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < CHANNEL_COUNTS.length; k++) {
      // Each round starts at another channel count, so none always runs first.
      const i = (k + round) % CHANNEL_COUNTS.length;
      const stats = await migrate(CHANNEL_COUNTS[i]!);
      rates[i]!.push(stats.bytesSent / ((stats.totalNs - stats.setupNs) / 1e9));
    }
  }
  return CHANNEL_COUNTS.map((channels, i) => ({
    channels,
    streamBytesPerSecond: median(rates[i]!),
    gain: median(rates[i]!.map((rate, round) => rate / rates[0]![round]!)),
  }));
}
