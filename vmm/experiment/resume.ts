/**
 * Reading a sweep's results.csv back to resume it. Its complete lines are the first points, in
 * order; each is read into a row that must write out as the very same line for the same point
 * of this plan, so the resumed sweep's files equal an uninterrupted run's to the byte.
 */
import { readFileSync, truncateSync } from "node:fs";
import { UserError } from "../../isa/errors.js";
import { ioError } from "./files.js";
import { pointParams, type ExperimentPlan } from "./plan.js";
import { resultFromCells, type Row } from "./row.js";
import { parameterNames } from "./sweep.js";
import { csvHeader, csvLine } from "./writers.js";

/** The lines of `text` (each with its "\n"), a quoted field's line breaks kept inside its line. */
function csvLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === "\n" && !quoted) {
      lines.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  return lines;
}

/** The cells of one line, as csvCell wrote them. */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  for (const m of line.replace(/\n$/, "").matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)) {
    cells.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!);
  }
  return cells;
}

/**
 * The rows results.csv at `path` holds for `plan`, whose line i is point `indices[i]` (a shard's
 * points, or all); a line cut short by a crash is dropped (and with `repair`, cut from the file).
 */
export function finishedRows(path: string, plan: ExperimentPlan, indices: number[], { repair = true } = {}): Row[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw ioError(path, error);
  }
  const lines = csvLines(text);
  const whole = lines.join("");
  if (repair && whole.length < text.length) truncateSync(path, Buffer.byteLength(whole));
  const params = parameterNames(plan.spec);
  if (lines.length === 0) return [];
  if (lines[0] !== csvHeader(params)) throw new UserError(`${path}: line 1: not the header of this experiment's results`);
  const keys = lines[0].trimEnd().split(",");
  return lines.slice(1).map((line, i) => {
    const index = indices[i];
    const point = index === undefined ? undefined : plan.points[index];
    const cells = csvCells(line);
    const row: Row | null = point ? { point: index!, params: pointParams(point, plan.guest), result: resultFromCells((key) => cells[keys.indexOf(key)] ?? "") } : null;
    const what = index === undefined ? `more lines than the ${indices.length} points` : `not point ${index}`;
    if (!row || csvLine(row, params) !== line) throw new UserError(`${path}: line ${i + 2}: ${what} of this experiment`);
    return row;
  });
}
