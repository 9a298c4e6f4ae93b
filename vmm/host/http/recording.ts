/**
 * A simulated migration recorded for the web view: while the virtual driver runs it, the page
 * map (vmm/migration/page-map.ts) is fed every frame and taken at moments of virtual time,
 * with the guest's ticks and how much console output it had. The replay (replay-session.ts)
 * then plays the moments back at a chosen pace. Simulated time is exact, so a recording is
 * the migration itself, not an approximation of it; replaying does not run it again.
 *
 * Bounded: at most MAX_MOMENTS moments. When they fill up, every other one is dropped and
 * the spacing doubles, so a migration of any length keeps an even sampling of itself.
 */
import { FORWARD, type Transmission } from "../../migration/link.js";
import type { MigrationResult } from "../../migration/engine.js";
import { PageMap, type PageMapSnapshot } from "../../migration/page-map.js";
import type { MigrationStats } from "../../migration/stats.js";
import type { MigratableVm } from "../../migration/vm-port.js";
import type { MigrationParameters } from "../protocol-migrate.js";

/** The parameters a recording shows: the link's and the switch-over's. */
type RecordedParameters = Pick<MigrationParameters, "bandwidth" | "downtimeTargetNs" | "maxRounds" | "postcopyAfter" | "xbzrleCache" | "compress">;

export const MAX_MOMENTS = 400;
const FIRST_SPACING_NS = 20_000;

export interface Moment {
  atNs: number;
  pages: PageMapSnapshot;
  /** The source guest's ticks (it stops at the switch-over). */
  ticks: number;
  /** Console output the source guest had written. */
  consoleLength: number;
}

export interface Recording {
  vm: string;
  kind: "monitor" | "process";
  memory: number;
  parameters: RecordedParameters;
  moments: Moment[];
  /** The final statistics (their `progress` is the migration's progress log). */
  stats: MigrationStats;
  /** Console output: the source's, then (migrated) the destination's. */
  console: { source: string; destination: string };
  migrated: boolean;
  endNs: number;
}

export class MigrationRecorder {
  private readonly pages: PageMap;
  private readonly moments: Moment[] = [];
  private spacingNs = FIRST_SPACING_NS;
  private lastNs = -Infinity;

  constructor(
    private readonly vm: MigratableVm,
    /** Its name in the view (a VM name, not the file it came from). */
    private readonly name: string,
  ) {
    this.pages = new PageMap(vm.memory.pageCount, () => (vm.destroyed ? null : vm.memory.dirty));
  }

  /** For the migration's options: every frame, either way. */
  readonly onTransmit = (t: Transmission): void => {
    if (t.direction === FORWARD) this.pages.forward(t.bytes);
    else this.pages.returned(t.bytes);
    if (t.startNs - this.lastNs >= this.spacingNs) this.take(t.startNs);
  };

  private take(atNs: number): void {
    this.lastNs = atNs;
    const vm = this.vm;
    this.moments.push({ atNs, pages: this.pages.snapshot(), ticks: vm.ticks, consoleLength: vm.output.length });
    if (this.moments.length >= MAX_MOMENTS) {
      const kept = this.moments.filter((_, i) => i % 2 === 0);
      this.moments.splice(0, this.moments.length, ...kept);
      this.spacingNs *= 2;
    }
  }

  finish(result: MigrationResult, kind: Recording["kind"], parameters: RecordedParameters): Recording {
    const endNs = Math.max(result.stats.totalNs, this.lastNs);
    this.take(endNs);
    return {
      vm: this.name,
      kind,
      memory: this.vm.memory.size,
      parameters,
      moments: this.moments,
      stats: result.stats,
      console: { source: result.source.output, destination: result.migrated ? result.vm.output : "" },
      migrated: result.migrated,
      endNs,
    };
  }
}
