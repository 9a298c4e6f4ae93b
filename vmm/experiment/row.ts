/**
 * One row per point of a sweep: the parameters, the migration statistics, the dirty-rate probe
 * and the model's prediction. `RESULT_COLUMNS` is the one list of result columns: CSV header,
 * table heading, plot metric name and title all come from it.
 */
import { formatMegabytes, formatNs } from "../migration/units.js";
import type { MigrationStatus } from "../migration/stats.js";
import type { AxisValue } from "./axes.js";

export interface PointResult {
  status: MigrationStatus;
  error: string | null;
  totalNs: number;
  downtimeNs: number;
  setupNs: number;
  expectedDowntimeNs: number;
  rounds: number;
  bytesSent: number;
  returnBytes: number;
  pagesSent: number;
  pagesResent: number;
  zeroPages: number;
  postcopyFaults: number;
  postcopyRequests: number;
  postcopyStallNs: number;
  guestTicks: number;
  /** Bytes of each pre-copy round (the last is the stop-and-copy round). */
  roundBytes: number[];
  /** Measured on a copy of the guest at the migration point (see probe.ts); null for post-copy. */
  dirtyPagesPerSecond: number | null;
  workingSetPages: number | null;
  /** The analytic model (model.ts) for stop-copy and pre-copy; null for post-copy. */
  model: { rounds: number; bytes: number; downtimeNs: number; totalNs: number } | null;
  /** (model − measured) / measured for downtime and bytes sent; null without both. */
  modelDowntimeErr: number | null;
  modelBytesErr: number | null;
  /** Why the model is outside its regime here (probe.ts), or "" when it applies; null: no model. */
  modelNote: string | null;
  /** memwriter's invariant where the guest runs after the migration (check.ts): "ok", "failed: …", or null. */
  memcheck: string | null;
  /** With XBZRLE on (the spec names xbzrle-cache): its cache figures; absent otherwise. */
  xbzrle?: { hits: number; misses: number; overflows: number; bytesSaved: number } | null;
  /** With compression on (the spec names compress): pages compressed, bytes saved, virtual ns spent; absent otherwise. */
  compression?: { pages: number; bytesSaved: number; ns: number } | null;
  /**
   * With a network workload (request-rate > 0, network-point.ts): the stream client's answers,
   * bytes out of place, longest gap between answers (null: it said nothing) and whether every
   * byte came back once and in order; absent otherwise.
   */
  stream?: { answers: number; outOfPlace: number; gapNs: number | null; intact: boolean } | null;
}

export interface Row {
  /** 0-based position in the sweep. */
  point: number;
  /** Every parameter with its value in base units (see axes.ts), in column order. */
  params: Record<string, AxisValue>;
  result: PointResult;
}

export type Cell = number | string | null;

export interface ResultColumn {
  /** CSV/JSON name. */
  key: string;
  /** Name for plots (`--plot y=downtime`) and table headings; absent: not plottable. */
  metric?: string;
  title: string;
  /** Plot value = cell × scale (ns → ms, bytes → MB). */
  scale: number;
  get(r: PointResult): Cell;
  /** For the text table. */
  show(r: PointResult): string;
}

const ms = (ns: number | null | undefined): string => (ns === null || ns === undefined ? "-" : formatNs(ns));
const num = (n: number | null | undefined): string => (n === null || n === undefined ? "-" : String(n));
const percent = (f: number | null): string => (f === null ? "-" : `${f >= 0 ? "+" : ""}${(f * 100).toFixed(1)}%`);
const mb = (bytes: number | null | undefined): string => (bytes === null || bytes === undefined ? "-" : formatMegabytes(bytes));

function column(key: string, metric: string | undefined, title: string, scale: number, get: (r: PointResult) => Cell, show: (r: PointResult) => string): ResultColumn {
  return { key, metric, title, scale, get, show };
}
const time = (key: string, metric: string, title: string, get: (r: PointResult) => number | null) =>
  column(key, metric, `${title} (ms)`, 1e-6, get, (r) => ms(get(r)));
const count = (key: string, metric: string, title: string, get: (r: PointResult) => number | null) =>
  column(key, metric, title, 1, get, (r) => num(get(r)));
const bytes = (key: string, metric: string, title: string, get: (r: PointResult) => number | null) =>
  column(key, metric, `${title} (MB)`, 1e-6, get, (r) => mb(get(r)));

export const RESULT_COLUMNS: ResultColumn[] = [
  column("status", undefined, "status", 1, (r) => r.status, (r) => r.status),
  time("total_ns", "total", "total time", (r) => r.totalNs),
  time("downtime_ns", "downtime", "downtime", (r) => r.downtimeNs),
  time("setup_ns", "setup", "setup time", (r) => r.setupNs),
  time("expected_downtime_ns", "expected-downtime", "expected downtime", (r) => r.expectedDowntimeNs),
  count("rounds", "rounds", "rounds", (r) => r.rounds),
  bytes("bytes_sent", "bytes", "bytes sent", (r) => r.bytesSent),
  bytes("return_bytes", "return-bytes", "return bytes", (r) => r.returnBytes),
  count("pages_sent", "pages", "pages sent", (r) => r.pagesSent),
  count("pages_resent", "resent", "pages resent", (r) => r.pagesResent),
  count("zero_pages", "zero", "zero pages", (r) => r.zeroPages),
  count("postcopy_faults", "faults", "post-copy faults", (r) => r.postcopyFaults),
  count("postcopy_requests", "requests", "post-copy requests", (r) => r.postcopyRequests),
  time("postcopy_stall_ns", "stall", "post-copy stall", (r) => r.postcopyStallNs),
  count("guest_ticks", "ticks", "guest instructions during migration", (r) => r.guestTicks),
  column("round_bytes", undefined, "bytes per round", 1, (r) => r.roundBytes.join(";"), (r) => r.roundBytes.join(";") || "-"),
  count("dirty_pages_per_s", "dirty-rate", "dirty pages per second", (r) => r.dirtyPagesPerSecond),
  count("working_set_pages", "working-set", "working set (pages)", (r) => r.workingSetPages),
  count("model_rounds", "model-rounds", "model rounds", (r) => r.model?.rounds ?? null),
  bytes("model_bytes", "model-bytes", "model bytes", (r) => r.model?.bytes ?? null),
  time("model_downtime_ns", "model-downtime", "model downtime", (r) => r.model?.downtimeNs ?? null),
  time("model_total_ns", "model-total", "model total time", (r) => r.model?.totalNs ?? null),
  column("model_downtime_err", "model-downtime-err", "model downtime error (fraction)", 1, (r) => r.modelDowntimeErr, (r) => percent(r.modelDowntimeErr)),
  column("model_bytes_err", "model-bytes-err", "model bytes error (fraction)", 1, (r) => r.modelBytesErr, (r) => percent(r.modelBytesErr)),
  column("model_note", undefined, "where the model does not apply", 1, (r) => r.modelNote, (r) => r.modelNote || "-"),
  column("memcheck", undefined, "memwriter memory check", 1, (r) => r.memcheck, (r) => (r.memcheck?.startsWith("failed") ? "FAILED" : (r.memcheck ?? "-"))),
  column("error", undefined, "error", 1, (r) => r.error ?? "", (r) => r.error ?? ""),
];

/**
 * Results of the ways pages travel as fewer bytes, and of a network workload: columns only of
 * an experiment whose spec names their parameter, so older results keep their columns. They go
 * before the memory check.
 */
const OPTIONAL_COLUMNS: { param: string; columns: ResultColumn[] }[] = [
  {
    param: "xbzrle-cache",
    columns: [
      count("xbzrle_hits", "xbzrle-hits", "XBZRLE cache hits", (r) => r.xbzrle?.hits ?? null),
      count("xbzrle_misses", "xbzrle-misses", "XBZRLE cache misses", (r) => r.xbzrle?.misses ?? null),
      count("xbzrle_overflows", "xbzrle-overflows", "XBZRLE overflows (sent plain)", (r) => r.xbzrle?.overflows ?? null),
      bytes("xbzrle_saved_bytes", "xbzrle-saved", "bytes XBZRLE saved", (r) => r.xbzrle?.bytesSaved ?? null),
    ],
  },
  {
    param: "compress",
    columns: [
      count("compressed_pages", "compressed", "pages compressed", (r) => r.compression?.pages ?? null),
      bytes("compression_saved_bytes", "compression-saved", "bytes compression saved", (r) => r.compression?.bytesSaved ?? null),
      time("compress_ns", "compress-time", "time spent compressing", (r) => r.compression?.ns ?? null),
    ],
  },
  {
    param: "request-rate",
    columns: [
      count("answers", "answers", "answers the client got", (r) => r.stream?.answers ?? null),
      count("out_of_place", "out-of-place", "bytes out of place", (r) => r.stream?.outOfPlace ?? null),
      time("interruption_ns", "interruption", "longest gap between answers", (r) => r.stream?.gapNs ?? null),
    ],
  },
];

/** The result columns of an experiment with these parameters. */
export function resultColumns(params: readonly string[]): ResultColumn[] {
  const extra = OPTIONAL_COLUMNS.filter((e) => params.includes(e.param)).flatMap((e) => e.columns);
  if (extra.length === 0) return RESULT_COLUMNS;
  const at = RESULT_COLUMNS.findIndex((c) => c.key === "memcheck");
  return [...RESULT_COLUMNS.slice(0, at), ...extra, ...RESULT_COLUMNS.slice(at)];
}

/** How a row's error begins when the stream client did not get every byte back once and in order. */
export const STREAM_ERROR = "stream client:";

export const METRICS = new Map([...RESULT_COLUMNS, ...OPTIONAL_COLUMNS.flatMap((e) => e.columns)].filter((c) => c.metric).map((c) => [c.metric!, c]));

/** The result behind a CSV line's result cells (`cell(key)`): `get` read backwards, for a resumed sweep. */
export function resultFromCells(cell: (key: string) => string): PointResult {
  const int = (key: string) => Number(cell(key));
  const maybe = (key: string) => (cell(key) === "" ? null : Number(cell(key)));
  const model = cell("model_rounds") === ""
    ? null
    : { rounds: int("model_rounds"), bytes: int("model_bytes"), downtimeNs: int("model_downtime_ns"), totalNs: int("model_total_ns") };
  return {
    status: cell("status") as MigrationStatus,
    error: cell("error") || null,
    totalNs: int("total_ns"),
    downtimeNs: int("downtime_ns"),
    setupNs: int("setup_ns"),
    expectedDowntimeNs: int("expected_downtime_ns"),
    rounds: int("rounds"),
    bytesSent: int("bytes_sent"),
    returnBytes: int("return_bytes"),
    pagesSent: int("pages_sent"),
    pagesResent: int("pages_resent"),
    zeroPages: int("zero_pages"),
    postcopyFaults: int("postcopy_faults"),
    postcopyRequests: int("postcopy_requests"),
    postcopyStallNs: int("postcopy_stall_ns"),
    guestTicks: int("guest_ticks"),
    roundBytes: cell("round_bytes") === "" ? [] : cell("round_bytes").split(";").map(Number),
    dirtyPagesPerSecond: maybe("dirty_pages_per_s"),
    workingSetPages: maybe("working_set_pages"),
    model,
    modelDowntimeErr: maybe("model_downtime_err"),
    modelBytesErr: maybe("model_bytes_err"),
    // The model's note is "" where it applies and absent (null) where there is no model.
    modelNote: model ? cell("model_note") : null,
    memcheck: cell("memcheck") || null,
    ...(cell("xbzrle_hits") !== "" || cell("xbzrle_misses") !== ""
      ? { xbzrle: { hits: int("xbzrle_hits"), misses: int("xbzrle_misses"), overflows: int("xbzrle_overflows"), bytesSaved: int("xbzrle_saved_bytes") } }
      : {}),
    ...(cell("compressed_pages") !== ""
      ? { compression: { pages: int("compressed_pages"), bytesSaved: int("compression_saved_bytes"), ns: int("compress_ns") } }
      : {}),
    ...(cell("answers") !== ""
      ? { stream: { answers: int("answers"), outOfPlace: int("out_of_place"), gapNs: maybe("interruption_ns"), intact: !cell("error").startsWith(STREAM_ERROR) } }
      : {}),
  };
}
