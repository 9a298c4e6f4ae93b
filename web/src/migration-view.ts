/**
 * One migration as it happens, from the source host's view of it: status and phase, the page
 * map, bytes per round, the dirty rate against the bandwidth, the downtime target and the
 * estimate, post-copy faults as they come, the switch-over moment and, once it ended, the
 * final statistics as `query-migrate` gives them. It polls `query-migrate-pages` ten times a
 * second and `query-migrate` four times, and hears MIGRATION and MIGRATION_PROGRESS between.
 */
import type { HostConnection } from "./connection.js";
import { bytes, count, el, ns } from "./format.js";
import { legend, PageMapCanvas } from "./page-map.js";
import type { MigrationInfo, MigrationPages } from "./protocol.js";
import { RoundBars } from "./round-bars.js";

const PAGE_BYTES = 4096;
const ENDED = new Set(["completed", "failed", "cancelled"]);
const PAGES_EVERY_MS = 100;
const INFO_EVERY_MS = 250;
/** Fault lines kept on screen. */
const FAULTS_SHOWN = 12;

export interface MigrationWatch {
  source: HostConnection;
  vm: string;
  /** Where it goes, for the title. */
  to: string;
  /** The stream's bandwidth cap in bytes per second, when one was set. */
  bandwidth: number | null;
  downtimeTargetNs: number | null;
  /** Whether the page may steer it (cancel, post-copy): not in a replay. */
  controls: boolean;
}

export class MigrationView {
  readonly element = el("div", { class: "migration" });
  private readonly map = new PageMapCanvas();
  private readonly bars = new RoundBars();
  private readonly status = el("p", { class: "status", role: "status", "aria-live": "polite" });
  private readonly progress = el("progress", { max: "1", value: "0", "aria-label": "share done" });
  private readonly figures = el("dl", { class: "figures" });
  private readonly rates = el("div", { class: "rates" });
  private readonly faults = el("ol", { class: "faults", "aria-label": "post-copy faults" });
  private readonly final = el("div", { class: "final" });
  private readonly buttons = el("div", { class: "buttons" });
  private info: MigrationInfo | null = null;
  private pages: MigrationPages | null = null;
  private last: { atNs: number; streamBytes: number } | null = null;
  private measured = 0;
  private switchedAtNs: number | null = null;
  private timers: number[] = [];
  private unlisten: () => void;
  /** Called once when the migration ended, with its final view. */
  onEnd: (info: MigrationInfo) => void = () => {};

  constructor(private readonly watch: MigrationWatch) {
    this.element.dataset.vm = watch.vm;
    const title = el("h2", {}, `${watch.vm}: ${watch.source.greeting?.host ?? "?"} → ${watch.to}`);
    const mapFigure = el("figure", {}, this.map.canvas, el("figcaption", {}, "Memory, one cell per page"), legend());
    const barsFigure = el(
      "figure",
      {},
      this.bars.canvas,
      el("figcaption", {}, "Bytes per round (the running round striped)"),
    );
    this.element.append(
      title,
      this.status,
      this.progress,
      this.buttons,
      el("div", { class: "charts" }, mapFigure, barsFigure),
      this.rates,
      this.figures,
      el("h3", {}, "Post-copy faults"),
      this.faults,
      this.final,
    );
    if (watch.controls) this.addControls();
    this.unlisten = watch.source.onEvent((event) => {
      if (event.event === "MIGRATION" && event.data.vm === watch.vm && event.data.direction === "outgoing")
        void this.refreshInfo();
      if (event.event === "MIGRATION_PROGRESS" && event.data.vm === watch.vm) this.noteProgress(event.data.phase);
    });
    this.timers.push(
      window.setInterval(() => void this.refreshPages(), PAGES_EVERY_MS),
      window.setInterval(() => void this.refreshInfo(), INFO_EVERY_MS),
    );
    void this.refreshInfo();
    void this.refreshPages();
  }

  private addControls(): void {
    const cancel = el("button", { type: "button", "data-action": "cancel" }, "Cancel migration");
    cancel.addEventListener("click", () => void this.steer("migrate-cancel"));
    const postcopy = el("button", { type: "button", "data-action": "postcopy" }, "Switch to post-copy now");
    postcopy.addEventListener("click", () => void this.steer("migrate-start-postcopy"));
    this.buttons.append(cancel, postcopy);
  }

  private async steer(command: "migrate-cancel" | "migrate-start-postcopy"): Promise<void> {
    try {
      this.info = await this.watch.source.call(command, { vm: this.watch.vm });
    } catch (error) {
      this.status.textContent = (error as Error).message;
    }
  }

  private noteProgress(phase: string): void {
    if (this.switchedAtNs === null && (phase === "stop-and-copy" || phase === "switch-over") && this.pages)
      this.switchedAtNs = this.pages.atNs;
  }

  private async refreshPages(): Promise<void> {
    if (this.watch.source.closed) return this.stop();
    try {
      const pages = await this.watch.source.call("query-migrate-pages", { vm: this.watch.vm });
      if (this.last && pages.atNs > this.last.atNs && pages.streamBytes > this.last.streamBytes)
        this.measured = ((pages.streamBytes - this.last.streamBytes) * 1e9) / (pages.atNs - this.last.atNs);
      this.last = { atNs: pages.atNs, streamBytes: pages.streamBytes };
      if (pages.requests > (this.pages?.requests ?? 0))
        this.noteFaults(pages.requests - (this.pages?.requests ?? 0), pages.atNs);
      this.pages = pages;
      this.render();
    } catch {
      // Not started yet, or gone with its host: the info poll says which.
    }
  }

  private async refreshInfo(): Promise<void> {
    if (this.watch.source.closed) return this.stop();
    try {
      const info = await this.watch.source.call("query-migrate", { vm: this.watch.vm });
      this.info = info;
      this.noteProgress(info.phase);
      if (ENDED.has(info.status)) await this.end(info);
      this.render();
    } catch (error) {
      this.status.textContent = (error as Error).message;
    }
  }

  private noteFaults(added: number, atNs: number): void {
    this.faults.append(el("li", {}, `${ns(atNs)}: ${count(added)} page request${added === 1 ? "" : "s"}`));
    while (this.faults.children.length > FAULTS_SHOWN) this.faults.firstElementChild!.remove();
  }

  private async end(info: MigrationInfo): Promise<void> {
    if (this.timers.length === 0) return;
    this.stop();
    // The last map and the final figures, as the host has them now that it ended.
    await this.refreshPages();
    this.buttons.replaceChildren();
    // Too quick for the polls to have seen it: the final rounds say when the last one (the stop) began.
    const rounds = (info.stats.rounds ?? []) as { startNs: number }[];
    if (this.switchedAtNs === null && rounds.length > 1)
      this.switchedAtNs = rounds.at(-1)!.startNs - rounds[0]!.startNs;
    this.final.replaceChildren(el("h3", {}, "Final statistics"), finalTable(info));
    this.element.dataset.ended = info.status;
    this.onEnd(info);
  }

  /** Takes the view off the page (a replay that starts over). */
  close(): void {
    this.stop();
    this.element.remove();
  }

  private stop(): void {
    for (const timer of this.timers) window.clearInterval(timer);
    this.timers = [];
    this.unlisten();
  }

  private render(): void {
    const { info, pages } = this;
    if (info) {
      this.status.textContent = `${info.status} · ${info.strategy ?? "?"} · ${info.phase}`;
      this.progress.value = info.completed;
      this.progress.textContent = `${Math.round(info.completed * 100)}%`;
    }
    if (pages) {
      this.map.draw(pages.map);
      this.bars.draw(pages.rounds, !ENDED.has(pages.status));
      this.element.dataset.pages = `${pages.counts.sent + pages.counts.zero}/${pages.map.length}`;
    }
    if (!info) return;
    const dirtyBytes = info.dirtyPagesPerSecond * PAGE_BYTES;
    const bandwidth = this.watch.bandwidth ?? this.measured;
    const target = this.watch.downtimeTargetNs;
    const expected = Number(info.stats.expectedDowntimeNs ?? 0);
    this.rates.replaceChildren(
      rateBar(
        "dirty rate",
        dirtyBytes,
        Math.max(dirtyBytes, bandwidth, 1),
        `${count(info.dirtyPagesPerSecond)} pages/s = ${bytes(dirtyBytes)}/s`,
        "dirty",
      ),
      rateBar(
        this.watch.bandwidth ? "bandwidth (cap)" : "bandwidth (measured)",
        bandwidth,
        Math.max(dirtyBytes, bandwidth, 1),
        `${bytes(bandwidth)}/s`,
        "bandwidth",
      ),
    );
    // query-migrate counts finished rounds; the page map also the running one.
    const sent = Math.max(info.transferredBytes, pages?.rounds.reduce((n, r) => n + r.bytes, 0) ?? 0);
    const rows: [string, string][] = [
      ["sent", bytes(sent)],
      ["left (estimate)", bytes(info.remainingBytes)],
      ["time left", ns(info.remainingNs)],
      ["elapsed", ns(info.elapsedNs)],
      ["downtime target", target === null ? "host's parameter" : ns(target)],
      ["downtime estimate", expected > 0 ? ns(expected) : "not yet"],
      ["post-copy faults", count(pages?.requests ?? 0)],
      ["switch-over", this.switchedAtNs === null ? "not yet" : `${ns(this.switchedAtNs)} in`],
      ["downtime", info.downtimeNs > 0 ? ns(info.downtimeNs) : "not yet"],
    ];
    this.figures.replaceChildren(...rows.flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]));
  }
}

/** A labelled bar: its length against `top`, its figure in words beside it. */
function rateBar(name: string, value: number, top: number, text: string, kind: string): HTMLElement {
  const bar = el("span", { class: `bar ${kind}` });
  bar.style.width = `${Math.max(0.5, (100 * value) / top)}%`;
  return el(
    "div",
    { class: "rate" },
    el("span", { class: "rate-name" }, name),
    el("span", { class: "track" }, bar),
    el("span", { class: "rate-value" }, text),
  );
}

/** The final statistics, named as `query-migrate` names them, so they can be checked against it. */
export function finalTable(info: MigrationInfo): HTMLElement {
  const s = info.stats as Record<string, unknown>;
  const rows: [string, string, string][] = [
    ["status", info.status, info.status],
    ["strategy", String(info.strategy), String(info.strategy)],
    ["rounds", String(info.round), String(info.round)],
    ["transferredBytes", bytes(info.transferredBytes), String(info.transferredBytes)],
    ["downtimeNs", ns(info.downtimeNs), String(info.downtimeNs)],
    ["elapsedNs", ns(info.elapsedNs), String(info.elapsedNs)],
    ["pagesSent", count(Number(s.pagesSent)), String(s.pagesSent)],
    ["pagesResent", count(Number(s.pagesResent)), String(s.pagesResent)],
    ["zeroPages", count(Number(s.zeroPages)), String(s.zeroPages)],
    ["postcopyRequests", count(Number(s.postcopyRequests)), String(s.postcopyRequests)],
    ["bytesSent", bytes(Number(s.bytesSent)), String(s.bytesSent)],
  ];
  const body = rows.map(([name, shown, exact]) =>
    el("tr", {}, el("th", { scope: "row" }, name), el("td", { "data-stat": name, "data-value": exact }, shown)),
  );
  return el("table", { class: "final-stats" }, el("tbody", {}, ...body));
}
