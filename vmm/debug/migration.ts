/**
 * A guest live-migrated during a debugging session, in the simulated world of `toyvmm migrate`:
 * when the guest first reaches `atTick`, the virtual driver moves it from host A to host B
 * exactly as `toyvmm migrate --at atTick` does (same engine, same link, same virtual time), so
 * the guest's console and end are those of that run. The session then takes the destination's
 * state as a snapshot and walks the migration's ticks again by replay (session.ts), so points
 * hit inside the migration, console output comes at its own tick, and reverse execution
 * crosses the switchover like any other tick.
 *
 * Host A holds the guest before the switchover tick (the first tick host B ran), host B from
 * it on; a migration that failed leaves the guest on host A.
 */
import { migrate } from "../migration/engine.js";
import type { MigrationOptions } from "../migration/options.js";
import type { MigrationStats } from "../migration/stats.js";
import { formatNs } from "../migration/units.js";
import type { Target } from "./target.js";

export type Host = "A" | "B";

/** What the session asks of the migration: everything `toyvmm migrate` takes but the host (the target's own) and link faults. */
export type MigrationParameters = Omit<MigrationOptions, "host" | "faults" | "onTransmit">;

export interface MigrationPlan {
  /** The guest tick at which the migration starts. */
  atTick: number;
  parameters: MigrationParameters;
}

/** How the migration went, once it ran. */
export interface MigrationRecord {
  stats: MigrationStats;
  /** The first tick on host B, or null when the guest stayed on host A. */
  switchTick: number | null;
  /** The guest's tick when the migration ended (post-copy: its last page arrived). */
  endTick: number;
}

export class DebugMigration {
  record: MigrationRecord | null = null;

  constructor(readonly plan: MigrationPlan) {}

  get atTick(): number {
    return this.plan.atTick;
  }

  /** Whether the migration must run before the guest goes on from `tick`. */
  due(tick: number): boolean {
    return this.record === null && tick >= this.plan.atTick;
  }

  /** Ticks the guest may run from `tick` before the migration must run (Infinity once it ran). */
  ticksBefore(tick: number): number {
    return this.record === null ? Math.max(0, this.plan.atTick - tick) : Infinity;
  }

  /**
   * Runs the migration on the target's guest; the target goes on with the VM that holds it
   * afterwards. `silently` runs before the console shows again (the session's snapshots).
   */
  run(target: Target, silently: () => void): MigrationRecord {
    const handover = target.handover();
    try {
      const result = migrate(handover.vm, { ...this.plan.parameters, host: handover.host });
      handover.settle(result.vm);
      this.record = {
        stats: result.stats,
        switchTick: result.migrated ? result.source.ticks : null,
        endTick: result.vm.ticks,
      };
      silently();
    } finally {
      handover.release();
    }
    return this.record;
  }

  hostAt(tick: number): Host {
    const s = this.record?.switchTick;
    return s !== null && s !== undefined && tick >= s ? "B" : "A";
  }

  /** Where the migration stands at guest tick `tick`, in words. */
  phaseAt(tick: number): string {
    const r = this.record;
    if (!r) return `not started: it starts when the guest reaches tick ${this.plan.atTick}`;
    if (tick < this.plan.atTick) return `before the migration, which starts at tick ${this.plan.atTick}`;
    if (tick >= r.endTick) return r.stats.status === "completed" ? "completed" : `ended ${r.stats.status}`;
    if (r.switchTick === null || tick < r.switchTick)
      return r.stats.strategy === "pre-copy"
        ? "copying memory while the guest runs on host A"
        : "setting up: the guest runs on host A until it stops to move";
    return r.stats.strategy === "post-copy"
      ? "post-copy: the guest runs on host B, which faults in pages host A has not pushed yet"
      : "completing: the guest runs on host B";
  }

  /** The line said when the migration has just run. */
  moveLine(): string {
    const r = this.record!;
    const s = r.stats;
    if (r.switchTick === null)
      return `[migration ${s.status} (${s.error ?? "no reason given"}): the guest goes on at host A, tick ${r.endTick}]`;
    return `[migrated to host B by ${s.strategy}: switchover at tick ${r.switchTick}, downtime ${formatNs(s.downtimeNs)}, migration done at tick ${r.endTick}]`;
  }

  /** `info migration` at guest tick `tick`. */
  describe(tick: number): { lines: string[]; data: Record<string, unknown> } {
    const r = this.record;
    const p = this.plan;
    const lines = [
      `migration by ${p.parameters.strategy}, starting at tick ${p.atTick}: ${this.phaseAt(tick)}`,
      `the vCPU is on host ${this.hostAt(tick)} at tick ${tick}`,
    ];
    const data: Record<string, unknown> = {
      strategy: p.parameters.strategy,
      atTick: p.atTick,
      host: this.hostAt(tick),
      phase: this.phaseAt(tick),
      tick,
    };
    if (r) {
      const s = r.stats;
      lines.push(
        r.switchTick === null
          ? `status ${s.status}${s.error ? ` (${s.error})` : ""}: host A kept the guest; the migration ended at tick ${r.endTick}`
          : `switchover at tick ${r.switchTick}: host A ran the guest to tick ${r.switchTick - 1}, host B from ${r.switchTick}; the migration ended at tick ${r.endTick}`,
        `status ${s.status}, total ${formatNs(s.totalNs)}, downtime ${formatNs(s.downtimeNs)}, ${s.pagesSent} pages sent (${s.pagesResent} resent), ${s.bytesSent} bytes`,
      );
      if (s.strategy === "post-copy" || s.postcopySwitch)
        lines.push(
          `post-copy: ${s.postcopyFaults} faults, ${s.postcopyRequests} pages asked of host A, stalled ${formatNs(s.postcopyStallNs)}`,
        );
      Object.assign(data, { switchTick: r.switchTick, endTick: r.endTick, stats: s });
    }
    return { lines, data };
  }
}
