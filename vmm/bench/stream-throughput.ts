/**
 * Row (a) of the migration bench: the migration stream of the 64 MiB memwriter on loopback
 * TCP (stop-and-copy, no bandwidth limit, both ends in this process) against a raw socket
 * pushing the same number of bytes, alternated round by round because the machine is shared
 * and noisy. Goal (issue 9): the stream at ≥ 0.8 of the raw socket.
 */
import { rawSocketThroughput } from "./raw-socket.js";
import { migrateOverLoopback } from "./real-migration.js";
import { median } from "./statistics.js";

export const STREAM_GOAL = 0.8;

export interface StreamThroughputFigure {
  rounds: number;
  bytes: number;
  /** Bytes per second from the lanes' opening to the destination's `done`: pages, state, both memory checks. */
  streamBytesPerSecond: number;
  /** Bytes per second of the page frames alone, from the first to the last one queued. */
  pagesBytesPerSecond: number;
  rawBytesPerSecond: number;
  /** Median over rounds of stream / raw within the round. */
  ratio: number;
  goal: number;
}

export async function benchStreamThroughput(rounds = 3): Promise<StreamThroughputFigure> {
  const stream: number[] = [];
  const pages: number[] = [];
  const raw: number[] = [];
  let bytes = 0;
  for (let i = 0; i < rounds; i++) {
    const { source } = await migrateOverLoopback({ strategy: "stop-copy" });
    bytes = source.bytesSent;
    stream.push(bytes / ((source.totalNs - source.setupNs) / 1e9));
    const round = source.rounds[0]!;
    pages.push(round.bytes / ((round.endNs - round.startNs) / 1e9));
    raw.push(await rawSocketThroughput(bytes));
  }
  return {
    rounds,
    bytes,
    streamBytesPerSecond: median(stream),
    pagesBytesPerSecond: median(pages),
    rawBytesPerSecond: median(raw),
    ratio: median(stream.map((s, i) => s / raw[i]!)),
    goal: STREAM_GOAL,
  };
}
