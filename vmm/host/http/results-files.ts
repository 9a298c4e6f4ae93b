/**
 * A results directory of `toyvmm experiment --out`, offered read-only to the web view under
 * /results/: `index.json` (the directory's name and its files) and the files a view reads —
 * results.csv, results.json, experiment.json and the vega-lite specs (*.vl.json) — each within
 * a limit, and nothing else in the folder.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { basename, join } from "node:path";

const OFFERED = /^(results\.csv|results\.json|experiment\.json|[A-Za-z0-9_.-]+\.vl\.json)$/;
const FILE_MAX = 16 << 20;

export function resultsFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => OFFERED.test(name) && statSync(join(dir, name)).isFile())
    .sort();
}

/**
 * Answers GET results/`name`; false when it is not one of the offered files. Without a
 * directory the index says so (`{"name": null}`), so that a page can ask any view.
 */
export function serveResults(
  dir: string | null,
  name: string,
  response: ServerResponse,
  headers: Record<string, string>,
): boolean {
  let body: Buffer;
  if (name === "index.json") {
    body = Buffer.from(
      JSON.stringify(dir === null ? { name: null, files: [] } : { name: basename(dir), files: resultsFiles(dir) }),
    );
  } else {
    if (dir === null || !OFFERED.test(name)) return false;
    try {
      if (statSync(join(dir, name)).size > FILE_MAX) return false;
      body = readFileSync(join(dir, name));
    } catch {
      return false;
    }
  }
  const type = name.endsWith(".csv") ? "text/csv; charset=utf-8" : "application/json";
  response.writeHead(200, {
    ...headers,
    "content-type": type,
    "content-length": body.length,
    "cache-control": "no-cache",
  });
  response.end(body);
  return true;
}
