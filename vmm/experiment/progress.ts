/**
 * The text of a sweep's progress line, `[31/90] 34%  ETA 1m12s  pre-copy rate=200  round 2 45%`,
 * cut to the terminal's width. Drawing it (and deciding when) is the CLI's job; the ETA comes
 * from wall-clock time there and never touches the results.
 */
import { axis, type AxisValue } from "./axes.js";
import type { ExperimentProgress } from "./run.js";

/** `42s`, `12m05s`, `3h02m`. */
export function formatEta(ms: number): string {
  const s = Math.round(ms / 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
}

/** `width` is the terminal's; the line stays one column short of it so it never wraps. */
export function progressText(p: ExperimentProgress, varying: string[], etaMs: number | null, width: number): string {
  const share = Math.floor((p.point / p.points) * 100);
  const params = varying.map((v) => (v === "strategy" ? String(p.params[v]) : `${v.replace(/^args\./, "")}=${axis(v, v).show(p.params[v] as AxisValue)}`));
  const phase = p.migration ? `  ${p.migration.phase} ${Math.floor(p.migration.completed * 100)}%` : "";
  const line = `[${p.point + 1}/${p.points}] ${share}%  ETA ${etaMs === null ? "…" : formatEta(etaMs)}  ${params.join(" ")}${phase}`;
  const room = Math.max(10, width - 1);
  return line.length <= room ? line : `${line.slice(0, room - 1)}…`;
}
