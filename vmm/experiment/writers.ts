/**
 * Rows as CSV (parameters in base units, results as integers and the model's errors to 4
 * decimals: the file to diff or to load in a spreadsheet), JSON (the same, plus each row's
 * rounds as a list) and a text table for people (the swept parameters in human units and the
 * main results). The CSV is a header and one line per row, so it can be written a row at a time.
 */
import { AXES, axis, type AxisValue } from "./axes.js";
import { resultColumns, type Cell, type Row } from "./row.js";

function csvCell(value: Cell | AxisValue | undefined): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Parameter names in the rows' column order. */
export const paramNames = (rows: Row[]): string[] => (rows[0] ? Object.keys(rows[0].params) : AXES.map((a) => a.name));

export const csvHeader = (params: string[]): string => ["point", ...params, ...resultColumns(params).map((c) => c.key)].join(",") + "\n";

export const csvLine = (row: Row, params: string[]): string =>
  [row.point, ...params.map((p) => row.params[p]), ...resultColumns(params).map((c) => c.get(row.result))].map(csvCell).join(",") + "\n";

export function toCsv(rows: Row[]): string {
  const params = paramNames(rows);
  return csvHeader(params) + rows.map((row) => csvLine(row, params)).join("");
}

export function toJson(rows: Row[], name: string): string {
  const columns = resultColumns(paramNames(rows));
  const out = rows.map((row) => {
    const results: Record<string, Cell | number[]> = {};
    for (const c of columns) results[c.key] = c.key === "round_bytes" ? row.result.roundBytes : c.get(row.result);
    return { point: row.point, params: row.params, results };
  });
  return JSON.stringify({ experiment: name, rows: out }, null, 2) + "\n";
}

/** Results shown in the text table, by column key, those the experiment has (the CSV has them all). */
export const TABLE_RESULTS = [
  "status", "total_ns", "downtime_ns", "interruption_ns", "rounds", "bytes_sent", "pages_sent", "pages_resent", "zero_pages",
  "postcopy_requests", "postcopy_stall_ns", "guest_ticks", "model_downtime_ns", "model_downtime_err", "model_note", "xbzrle_saved_bytes", "compression_saved_bytes", "answers", "out_of_place", "memcheck",
];

const HEADINGS: Record<string, string> = {
  status: "status", total_ns: "total", downtime_ns: "downtime", rounds: "rounds", bytes_sent: "sent", pages_sent: "pages",
  pages_resent: "resent", zero_pages: "zero", postcopy_requests: "requests", postcopy_stall_ns: "stall",
  guest_ticks: "guest instr", model_downtime_ns: "model downtime", model_downtime_err: "model err", model_note: "note",
  xbzrle_saved_bytes: "xbzrle saved", compression_saved_bytes: "compression saved", memcheck: "memcheck",
  interruption_ns: "interruption", answers: "answers", out_of_place: "out of place",
};

/** `shown` are the parameters to list (usually the swept ones); numbers right-aligned. */
export function toTable(rows: Row[], shown: string[]): string {
  const columns = resultColumns(paramNames(rows));
  const results = TABLE_RESULTS.flatMap((key) => columns.filter((c) => c.key === key));
  const header = ["#", ...shown.map((p) => p.replace(/^args\./, "")), ...results.map((c) => HEADINGS[c.key] ?? c.key)];
  const body = rows.map((row) => [
    String(row.point),
    ...shown.map((p) => axis(p, p).show(row.params[p] as AxisValue)),
    ...results.map((c) => c.show(row.result)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const numeric = header.map((_, i) => body.every((r) => /^[-+\d.]/.test(r[i]!)));
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...body.map(line)].join("\n") + "\n";
}
