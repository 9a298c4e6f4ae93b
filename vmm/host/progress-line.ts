/**
 * The live progress line of `toyvmm vm migrate` on a terminal: phase, round, bytes sent and
 * left, dirty rate, time left and the share done — which never goes backwards, though a
 * pre-copy's estimate may (pages dirtied again): the line keeps the largest share it showed.
 */
import { formatNs } from "../migration/units.js";
import type { Progress } from "./migrate-client.js";

export interface Terminal {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const REDRAW_MS = 100;

export class ProgressLine {
  private shown = 0;
  private drawnAt = -Infinity;
  private drawn = false;

  constructor(private readonly terminal: Terminal) {}

  /** A line on a terminal; null when stderr is a file or a pipe (then nothing is drawn). */
  static on(terminal: Terminal): ProgressLine | null {
    return terminal.isTTY ? new ProgressLine(terminal) : null;
  }

  update(progress: Progress, force = false): void {
    this.shown = Math.max(this.shown, progress.completed);
    const now = Date.now();
    if (!force && now - this.drawnAt < REDRAW_MS) return;
    this.drawnAt = now;
    this.drawn = true;
    const width = Math.max(20, (this.terminal.columns || 80) - 1);
    this.terminal.write(`\r\x1b[K${progressText(progress, this.shown).slice(0, width)}`);
  }

  /** Says something on a line of its own, above the progress line. */
  say(line: string): void {
    this.clear();
    this.terminal.write(`${line}\n`);
  }

  clear(): void {
    if (this.drawn) this.terminal.write("\r\x1b[K");
    this.drawn = false;
  }
}

/** `pre-copy round 3  [######----]  62%  1.2 MiB sent, 640 KiB left  dirty 1,200 pages/s  ETA 80 ms` */
export function progressText(progress: Progress, share: number): string {
  const percent = Math.floor(share * 100);
  const filled = Math.round(share * 20);
  const bar = `[${"#".repeat(filled)}${"-".repeat(20 - filled)}]`;
  const round = progress.round > 0 && !progress.phase.includes("round") ? ` (round ${progress.round})` : "";
  const dirty = progress.dirtyPagesPerSecond > 0 ? `  dirty ${progress.dirtyPagesPerSecond.toLocaleString("en")} pages/s` : "";
  return `${progress.phase}${round}  ${bar} ${String(percent).padStart(3)}%  ${bytes(progress.transferredBytes)} sent, ${bytes(progress.remainingBytes)} left${dirty}  ETA ${formatNs(progress.remainingNs)}`;
}

/** 1.2 MiB, 640 KiB, 512 B. */
export function bytes(count: number): string {
  if (count >= 1 << 30) return `${(count / (1 << 30)).toFixed(1)} GiB`;
  if (count >= 1 << 20) return `${(count / (1 << 20)).toFixed(1)} MiB`;
  if (count >= 1024) return `${(count / 1024).toFixed(1)} KiB`;
  return `${count} B`;
}
