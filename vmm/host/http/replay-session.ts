/**
 * One page's replay of a recorded simulated migration (recording.ts), speaking the control
 * protocol as a host would, so the page that watches real hosts watches this too: a greeting
 * from host "simulated", the VM's events (VM_STARTED, MIGRATION, MIGRATION_PROGRESS,
 * CONSOLE_OUTPUT, VM_DESTROYED) as virtual time reaches them, and the queries a view asks
 * (query-host, query-vms, query-migrations, query-migrate, query-migrate-pages,
 * query-migrate-parameters, console-follow), answered as of the current virtual moment.
 * Everything else is refused: a replay cannot be steered, only watched — except
 * `replay-point {point}`, which (with --results) plays that point of the results directory
 * instead. Each page that connects gets its own replay from the start.
 *
 * Virtual time runs `pace` times slower than the wall clock. Output waits in a queue of at
 * most OUTPUT_QUEUE_MAX bytes, as a host's does; a page that lets it fill is dropped.
 */
import { performance } from "node:perf_hooks";
import { LineReader } from "../line-reader.js";
import type { MigrationInfo } from "../protocol-migrate.js";
import { PROTOCOL_VERSION, REQUEST_LINE_MAX } from "../protocol.js";
import { OUTPUT_QUEUE_MAX } from "../session.js";
import type { Moment, Recording } from "./recording.js";
import type { ViewSession } from "./view-server.js";

/** The replay's host name, and where it says the VM goes. */
export const SIMULATED_HOST = "simulated";
const DESTINATION = "simulated host B";
const TICK_MS = 100;

const line = (message: object): string => JSON.stringify(message) + "\n";

export class ReplaySession implements ViewSession {
  private readonly reader = new LineReader(REQUEST_LINE_MAX);
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  private startedMs = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private progressSent = 0;
  private consoleSent = 0;
  private following = false;
  private ended = false;
  closing: string | null = null;
  overflowed = false;
  readonly isAuthenticated = true;

  constructor(
    private recording: Recording,
    /** Wall-clock time per virtual time for a recording: 100 plays a 20 ms migration in 2 s. */
    private readonly pace: (recording: Recording) => number,
    private readonly version: string,
    /** Called when there is output to send. */
    private readonly poke: () => void,
    /** A results directory's point, recorded (`replay-point`); absent: this replay has none. */
    private readonly replayPoint?: (point: number) => Recording,
  ) {
    this.send({
      toyvmm: { version, protocol: PROTOCOL_VERSION, host: SIMULATED_HOST, auth: "none", capabilities: [] },
    });
    this.start(recording);
  }

  /** Plays `recording` from its start. */
  private start(recording: Recording): void {
    clearInterval(this.timer);
    this.recording = recording;
    this.startedMs = performance.now();
    this.progressSent = 0;
    this.consoleSent = 0;
    this.ended = false;
    this.event("VM_STARTED", { vm: recording.vm, state: "running", from: "guest" });
    this.event("MIGRATION", { vm: recording.vm, direction: "outgoing", status: "active", detail: null });
    this.timer = setInterval(() => this.advance(), TICK_MS);
  }

  get hasQueued(): boolean {
    return this.queue.length > 0;
  }

  /** Virtual time now, from 0 to the migration's end. */
  private now(): number {
    return Math.min(this.recording.endNs, ((performance.now() - this.startedMs) * 1e6) / this.pace(this.recording));
  }

  /** The last recorded moment at or before `atNs`. */
  private moment(atNs: number): Moment {
    const moments = this.recording.moments;
    let lo = 0;
    let hi = moments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (moments[mid]!.atNs <= atNs) lo = mid;
      else hi = mid - 1;
    }
    return moments[lo]!;
  }

  /** The events virtual time has reached since the last tick. */
  private advance(): void {
    if (this.ended || this.closing) return;
    const now = this.now();
    const { recording } = this;
    const progress = recording.stats.progress;
    let latest = -1;
    while (this.progressSent < progress.length && progress[this.progressSent]!.atNs <= now)
      latest = this.progressSent++;
    // The latest progress only: at most ten a second, as a host sends them.
    if (latest >= 0) {
      const { phase, round, completed, transferredBytes, remainingBytes, remainingNs, dirtyPagesPerSecond, vm } =
        this.info(now);
      this.event("MIGRATION_PROGRESS", {
        vm,
        phase,
        round,
        completed,
        transferredBytes,
        remainingBytes,
        remainingNs,
        dirtyPagesPerSecond,
      });
    }
    if (this.following) this.consoleTo(this.moment(now).consoleLength);
    if (now >= recording.endNs) {
      this.ended = true;
      clearInterval(this.timer);
      if (this.following) {
        this.consoleTo(recording.console.source.length);
        // What the guest wrote at the destination, which this replay has no moments of.
        const { source, destination } = recording.console;
        if (destination)
          this.event("CONSOLE_OUTPUT", {
            vm: recording.vm,
            offset: source.length,
            next: source.length + destination.length,
            text: destination,
            dropped: 0,
          });
      }
      this.event("MIGRATION", {
        vm: recording.vm,
        direction: "outgoing",
        status: this.finalStatus(),
        detail: recording.stats.error,
      });
      if (recording.migrated) this.event("VM_DESTROYED", { vm: recording.vm });
    }
    this.poke();
  }

  private finalStatus(): MigrationInfo["status"] {
    const status = this.recording.stats.status;
    return status === "completed" ? "completed" : status === "failed" ? "failed" : "postcopy-paused";
  }

  private consoleTo(length: number): void {
    if (length <= this.consoleSent) return;
    const text = this.recording.console.source.slice(this.consoleSent, length);
    this.event("CONSOLE_OUTPUT", { vm: this.recording.vm, offset: this.consoleSent, next: length, text, dropped: 0 });
    this.consoleSent = length;
  }

  /** The migration as query-migrate tells it, at virtual time `atNs`. */
  private info(atNs: number): MigrationInfo {
    const { recording } = this;
    const { stats } = recording;
    const done = atNs >= recording.endNs;
    const pages = this.moment(atNs).pages;
    const progress = stats.progress.filter((p) => p.atNs <= atNs).at(-1);
    const finished = stats.rounds.filter((r) => r.endNs > 0 && r.endNs <= atNs);
    const transferredBytes = done
      ? stats.rounds.reduce((n, r) => n + r.bytes, 0)
      : pages.rounds.reduce((n, r) => n + r.bytes, 0);
    const completed = done && stats.status === "completed" ? 1 : (progress?.completed ?? 0);
    const measured = finished.filter((r) => r.dirtyPagesPerSecond > 0).at(-1);
    const { progress: _log, ...rest } = stats;
    const expectedKnown = stats.rounds.length > 0 && atNs >= (stats.rounds.at(-1)!.startNs ?? 0);
    return {
      vm: recording.vm,
      direction: "outgoing",
      status: done ? this.finalStatus() : "active",
      strategy: stats.strategy,
      peer: DESTINATION,
      detail: done ? stats.error : null,
      phase: done ? (stats.status === "completed" ? "completed" : stats.status) : (progress?.phase ?? "setup"),
      round: done ? stats.rounds.length : pages.rounds.length,
      completed,
      transferredBytes,
      remainingBytes: completed > 0 ? Math.round((transferredBytes * (1 - completed)) / completed) : 0,
      remainingNs: done ? 0 : Math.max(0, Math.round(progress?.remainingNs ?? 0)),
      dirtyPagesPerSecond: measured?.dirtyPagesPerSecond ?? 0,
      elapsedNs: Math.round(atNs),
      downtimeNs: done ? Math.max(0, Math.round(stats.downtimeNs)) : 0,
      stats: done
        ? (JSON.parse(JSON.stringify(rest)) as MigrationInfo["stats"])
        : expectedKnown
          ? { expectedDowntimeNs: stats.expectedDowntimeNs }
          : {},
    };
  }

  private answer(name: string, args: Record<string, unknown>): unknown {
    const { recording } = this;
    const now = this.now();
    const vmOnly = () => {
      if (args.vm !== recording.vm)
        throw new Refusal(
          "VmNotFound",
          `no VM ${JSON.stringify(args.vm)} in this simulated migration (it has ${recording.vm})`,
        );
    };
    switch (name) {
      case "query-host":
        return { name: SIMULATED_HOST, version: this.version, speed: "max", migrateListen: null, vms: 1, guests: [] };
      case "query-vms": {
        const gone = recording.migrated && now >= recording.endNs;
        return gone
          ? []
          : [
              {
                name: recording.vm,
                kind: recording.kind,
                guest: recording.vm,
                state: "running",
                waiting: null,
                ticks: this.moment(now).ticks,
                memory: recording.memory,
              },
            ];
      }
      case "query-migrations":
        return [this.info(now)];
      case "query-migrate":
        vmOnly();
        return this.info(now);
      case "query-migrate-pages": {
        vmOnly();
        const info = this.info(now);
        return { vm: recording.vm, status: info.status, atNs: Math.round(now), ...this.moment(now).pages };
      }
      case "query-migrate-parameters":
        return recording.parameters;
      case "console-follow":
        vmOnly();
        this.following = args.follow !== false;
        return { offset: 0 };
      case "replay-point": {
        const point = args.point;
        if (!this.replayPoint)
          throw new Refusal("CommandNotFound", "replay-point: this replay was started without --results");
        if (!Number.isSafeInteger(point) || (point as number) < 0)
          throw new Refusal("InvalidArguments", "replay-point: point: expected a whole number ≥ 0");
        let recording: Recording;
        try {
          recording = this.replayPoint(point as number);
        } catch (error) {
          throw new Refusal("GenericError", (error as Error).message.replace(/\s*\n\s*/g, " "));
        }
        // The old replay ends here; the new one starts once its answer is out.
        if (!this.ended && this.recording.migrated) this.event("VM_DESTROYED", { vm: this.recording.vm });
        queueMicrotask(() => (this.start(recording), this.poke()));
        return { vm: recording.vm, endNs: recording.endNs };
      }
      case "query-commands":
        return [
          "replay-point",
          "query-host",
          "query-vms",
          "query-migrations",
          "query-migrate",
          "query-migrate-pages",
          "query-migrate-parameters",
          "console-follow",
        ].map((n) => ({ name: n, doc: "as on a host, for the replay" }));
      default:
        throw new Refusal(
          "CommandNotFound",
          `${name}: a simulated migration can be watched, not steered (toyvmm migrate --view answers queries only)`,
        );
    }
  }

  receive(chunk: Uint8Array): void {
    if (this.closing) return;
    for (const text of this.reader.push(chunk)) {
      if (text.trim() === "") continue;
      let request: { execute?: unknown; arguments?: unknown; id?: unknown };
      try {
        request = JSON.parse(text) as typeof request;
      } catch {
        this.send({ error: { class: "BadRequest", desc: "the request is not JSON" } });
        continue;
      }
      const id = request && typeof request === "object" && "id" in request ? { id: request.id } : {};
      try {
        if (!request || typeof request !== "object" || typeof request.execute !== "string")
          throw new Refusal("BadRequest", 'expected {"execute": NAME, …}');
        const args =
          request.arguments && typeof request.arguments === "object"
            ? (request.arguments as Record<string, unknown>)
            : {};
        this.send({ return: this.answer(request.execute, args), ...id });
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        this.send({ error: { class: error.errorClass, desc: error.message }, ...id });
      }
    }
    if (this.reader.overflowed) this.close("request line too long");
  }

  takeOutput(): string | null {
    const next = this.queue.shift();
    if (next === undefined) return null;
    this.queuedBytes -= next.length;
    return next;
  }

  dispose(): void {
    clearInterval(this.timer);
  }

  private event(event: string, data: object): void {
    const now = Date.now();
    this.send({ event, data, timestamp: { seconds: Math.floor(now / 1000), microseconds: (now % 1000) * 1000 } });
  }

  private send(message: object): void {
    const text = line(message);
    if (this.overflowed) return;
    if (this.queuedBytes + text.length > OUTPUT_QUEUE_MAX) {
      this.overflowed = true;
      this.queue.length = 0;
      return this.close("the page does not read what it is sent");
    }
    this.queue.push(text);
    this.queuedBytes += text.length;
  }

  private close(reason: string): void {
    this.closing ??= reason;
    this.dispose();
  }
}

class Refusal extends Error {
  constructor(
    readonly errorClass: string,
    message: string,
  ) {
    super(message);
  }
}
