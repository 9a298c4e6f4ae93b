/**
 * One migration as a host reports it: either side's driver object, its status as MIGRATION
 * events, its progress as MIGRATION_PROGRESS events (at most ten a second, and at every change
 * of phase, so that a fast migration does not flood the clients), and the live figures
 * `query-migrate` answers with.
 */
import { performance } from "node:perf_hooks";
import type { IncomingMigration } from "../migration/real/incoming.js";
import type { OutgoingMigration } from "../migration/real/outgoing.js";
import type { MigrationStats } from "../migration/stats.js";
import type { Strategy } from "../migration/stream/frames.js";
import type { Memory } from "../../isa/memory.js";
import { PageMap } from "../migration/page-map.js";
import type { Host } from "./host.js";
import { CommandError } from "./protocol.js";
import type { MigrationInfo, MigrationPages } from "./protocol-migrate.js";

type Status = MigrationInfo["status"];
const ENDED: Status[] = ["completed", "failed", "cancelled"];
const PROGRESS_EVERY_MS = 100;

/** An outgoing migration comes with the memory it moves, for its page map. */
export type Driver = { kind: "outgoing"; out: OutgoingMigration; memory: Memory } | { kind: "incoming"; slot: IncomingMigration };

export class MigrationJob {
  status: Status;
  detail: string | null = null;
  private readonly startedMs = performance.now();
  private endedMs: number | null = null;
  private lastProgressMs = -Infinity;
  private lastPhase = "";
  /** What the source sent and the guest dirtied since (`query-migrate-pages`); outgoing only. */
  readonly pages: PageMap | null = null;
  private lastMap: { takenMs: number; map: MigrationPages } | null = null;

  constructor(
    private readonly host: Host,
    readonly vm: string,
    readonly peer: string,
    readonly driver: Driver,
  ) {
    this.status = driver.kind === "outgoing" ? "setup" : "waiting";
    const source = driver.kind === "outgoing" ? driver.out : driver.slot;
    source.on("status", (status: Status, detail?: string) => this.changed(status, detail ?? null));
    if (driver.kind === "outgoing") {
      const { out, memory } = driver;
      const pages = new PageMap(memory.pageCount, () => (out.stats.runsOn === "source" ? memory.dirty : null));
      out.on("frame", (direction: "forward" | "return", bytes: Uint8Array, length: number) => (direction === "forward" ? pages.forward(bytes, length) : pages.returned(bytes)));
      out.on("progress", () => this.progressed());
      this.pages = pages;
    }
  }

  get ended(): boolean {
    return ENDED.includes(this.status);
  }

  private get stats(): MigrationStats {
    return this.driver.kind === "outgoing" ? this.driver.out.stats : this.driver.slot.stats;
  }

  private changed(status: Status, detail: string | null): void {
    // A detail that merely names the phase is progress, not news.
    if (status === this.status && detail === this.detail) return;
    this.status = status;
    this.detail = detail;
    if (this.ended) this.endedMs = performance.now();
    this.host.emit({ event: "MIGRATION", data: { vm: this.vm, direction: this.driver.kind, status, detail } });
    if (this.ended && this.driver.kind === "outgoing") this.progressed(true);
  }

  /** The driver reports progress every few dozen frames: the page map and the event follow at most ten times a second. */
  private progressed(force = false): void {
    const now = performance.now();
    if (!force && this.phase === this.lastPhase && now - this.lastProgressMs < PROGRESS_EVERY_MS) return;
    this.pages?.sampleDirty();
    const info = this.info();
    this.lastPhase = info.phase;
    this.lastProgressMs = now;
    const { vm, phase, round, completed, transferredBytes, remainingBytes, remainingNs, dirtyPagesPerSecond } = info;
    this.host.emit({ event: "MIGRATION_PROGRESS", data: { vm, phase, round, completed, transferredBytes, remainingBytes, remainingNs, dirtyPagesPerSecond } });
  }

  /**
   * The page map; only the source keeps one. It is taken at most ten times a second however
   * many clients poll it (a poll sooner gets the last one), so views cannot make it a load.
   */
  pageMap(): MigrationPages {
    if (!this.pages) throw new CommandError("InvalidState", `query-migrate-pages: ${this.vm} arrives here; its page map is kept by the source host`);
    const now = performance.now();
    if (this.lastMap && now - this.lastMap.takenMs < PROGRESS_EVERY_MS && this.lastMap.map.status === this.status) return this.lastMap.map;
    const atNs = Math.round(((this.endedMs ?? now) - this.startedMs) * 1e6);
    const map = { vm: this.vm, status: this.status, atNs, ...this.pages.snapshot() };
    this.lastMap = { takenMs: now, map };
    return map;
  }

  /** The phase the driver last reported, else the status. */
  private get phase(): string {
    const progress = this.stats.progress;
    return progress[progress.length - 1]?.phase ?? this.status;
  }

  info(): MigrationInfo {
    const stats = this.stats;
    const last = stats.progress[stats.progress.length - 1];
    const completed = this.status === "completed" ? 1 : (last?.completed ?? 0);
    const transferredBytes = stats.rounds.reduce((sum, round) => sum + round.bytes, 0);
    // The last round that measured a dirty rate (the final stop-and-copy has the guest stopped).
    const measured = stats.rounds.filter((round) => round.endNs > 0 && round.dirtyPagesPerSecond > 0);
    const { progress: _log, ...rest } = stats;
    const strategy: Strategy | null = this.driver.kind === "incoming" && this.status === "waiting" ? null : stats.strategy;
    return {
      vm: this.vm,
      direction: this.driver.kind,
      status: this.status,
      strategy,
      peer: this.peer,
      detail: this.detail,
      phase: this.phase,
      round: stats.rounds.length,
      completed,
      transferredBytes,
      remainingBytes: completed > 0 ? Math.round((transferredBytes * (1 - completed)) / completed) : 0,
      remainingNs: this.ended ? 0 : Math.max(0, Math.round(last?.remainingNs ?? 0)),
      dirtyPagesPerSecond: measured[measured.length - 1]?.dirtyPagesPerSecond ?? 0,
      elapsedNs: Math.round(((this.endedMs ?? performance.now()) - this.startedMs) * 1e6),
      downtimeNs: Math.max(0, Math.round(stats.downtimeNs)),
      stats: JSON.parse(JSON.stringify(rest)) as MigrationInfo["stats"],
    };
  }
}
