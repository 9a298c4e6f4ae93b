/**
 * What reverse execution costs (vmm/debug/timeline.ts): a program run forward to 10^8 ticks
 * under the debugger's snapshots, then the memory each snapshot holds and the time to go back
 * one instruction (restore the snapshot before, replay the rest) and to jump to the middle; then
 * the same run live-migrated by pre-copy half-way (`--migrate-at`), and the time to go back one
 * instruction over its switchover, from host B's first tick to host A's last.
 *
 *   node dist/vmm/bench/main.js            (this is its last part)
 */
import { readImageFile } from "../../isa/sources.js";
import type { Host } from "../debug/migration.js";
import { openProgram } from "../debug/open.js";
import type { Session } from "../debug/session.js";
import type { TimelineStats } from "../debug/timeline.js";
import type { Strategy } from "../migration/stream/frames.js";
import { median } from "./statistics.js";

export interface ReverseReport {
  program: string;
  ticks: number;
  interval: number;
  forwardSeconds: number;
  plainSeconds: number;
  timeline: TimelineStats;
  reverseStepiMs: number;
  gotoMiddleMs: number;
  overMigration: MigrationReverseReport;
}

export interface MigrationReverseReport {
  strategy: Strategy;
  atTick: number;
  switchTick: number;
  endTick: number;
  /** Forward to the end with the migration half-way, against the same without it (forwardSeconds). */
  forwardSeconds: number;
  reverseStepiMs: number;
  /** The same step back from the same tick in the run without the migration. */
  unmigratedReverseStepiMs: number;
}

const PROGRAM = "programs/memwriter.s";
const ARGS = "pages=16 iters=0";

export function benchReverse(ticks = 100_000_000, interval = 100_000): ReverseReport {
  const image = readImageFile(PROGRAM, { includePath: [] });
  const { session } = openProgram(image, { name: PROGRAM, args: ARGS, interval });
  let start = performance.now();
  session.goto(ticks);
  const forwardSeconds = (performance.now() - start) / 1000;
  const plain = openProgram(image, { name: PROGRAM, args: ARGS, interval: Number.MAX_SAFE_INTEGER }).session;
  start = performance.now();
  plain.target.runFast(ticks);
  const plainSeconds = (performance.now() - start) / 1000;

  const back: number[] = [];
  for (let i = 0; i < 5; i++) {
    start = performance.now();
    const reply = session.execute("reverse-stepi");
    if (reply.error) throw new Error(reply.error);
    back.push(performance.now() - start);
  }
  start = performance.now();
  session.goto(ticks / 2);
  const gotoMiddleMs = performance.now() - start;
  return {
    program: `${PROGRAM} ${ARGS}`,
    ticks,
    interval,
    forwardSeconds,
    plainSeconds,
    timeline: session.vm.timeline.stats(),
    reverseStepiMs: median(back),
    gotoMiddleMs,
    overMigration: benchOverMigration(ticks, interval, session),
  };
}

/** Median time of `reverse-stepi` from `tick`, checked to arrive at the tick before. */
function backFrom(session: Session, tick: number, host?: Host): number {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    session.goto(tick);
    const start = performance.now();
    const reply = session.execute("reverse-stepi");
    times.push(performance.now() - start);
    if (reply.error || session.host() !== host || session.target.ticks !== tick - 1)
      throw new Error(
        `reverse-stepi from tick ${tick} did not reach tick ${tick - 1}${host ? ` on host ${host}` : ""}`,
      );
  }
  return median(times);
}

function benchOverMigration(
  ticks: number,
  interval: number,
  unmigrated: Session,
  strategy: Strategy = "pre-copy",
): MigrationReverseReport {
  const image = readImageFile(PROGRAM, { includePath: [] });
  const atTick = ticks / 2;
  const migration = { atTick, parameters: { strategy } };
  const { session } = openProgram(image, { name: PROGRAM, args: ARGS, interval, migration });
  const start = performance.now();
  session.goto(ticks);
  const forwardSeconds = (performance.now() - start) / 1000;
  const record = session.vm.migration!.record!;
  const switchTick = record.switchTick!;
  return {
    strategy,
    atTick,
    switchTick,
    endTick: record.endTick,
    forwardSeconds,
    reverseStepiMs: backFrom(session, switchTick, "A"),
    unmigratedReverseStepiMs: backFrom(unmigrated, switchTick),
  };
}

export function formatReverseReport(r: ReverseReport): string {
  const t = r.timeline;
  const m = r.overMigration;
  return [
    `reverse execution: ${r.program}, ${r.ticks} ticks, a snapshot every ${r.interval} ticks (${t.interval} after thinning)`,
    `  forward under snapshots ${r.forwardSeconds.toFixed(2)} s, plain ${r.plainSeconds.toFixed(2)} s (x${(r.forwardSeconds / r.plainSeconds).toFixed(2)})`,
    `  ${t.snapshots} snapshots, ${(t.bytes / 2 ** 20).toFixed(1)} MiB; each after the first ${(t.bytesPerSnapshot / 1024).toFixed(1)} KiB (${t.pagesPerSnapshot.toFixed(1)} dirty pages)`,
    `  back one instruction ${r.reverseStepiMs.toFixed(1)} ms (median of 5), goto the middle ${r.gotoMiddleMs.toFixed(1)} ms`,
    `  migrated by ${m.strategy} at tick ${m.atTick} (switchover at tick ${m.switchTick}, done at ${m.endTick}): forward ${m.forwardSeconds.toFixed(2)} s (x${(m.forwardSeconds / r.forwardSeconds).toFixed(2)} of the run without it)`,
    `  back one instruction over the switchover ${m.reverseStepiMs.toFixed(1)} ms, from the same tick without the migration ${m.unmigratedReverseStepiMs.toFixed(1)} ms (medians of 7)`,
  ].join("\n");
}
