/**
 * The page's files, served read-only from one folder: only names made of letters, digits,
 * ".", "_" and "-" in folders below it (no "..", no hidden files), with their content type,
 * and nothing else; each file is read within a limit.
 */
import { readFileSync, statSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { extname, join } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".ico": "image/x-icon",
};
/** Largest file served (the biggest bundle is far smaller). */
const FILE_MAX = 16 << 20;
const SAFE_PATH = /^(?:[A-Za-z0-9_][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Answers GET `path` (without its leading "/") from `root`; false when there is no such file. */
export function serveStatic(
  root: string,
  path: string,
  response: ServerResponse,
  headers: Record<string, string>,
): boolean {
  const name = path === "" ? "index.html" : path;
  const type = TYPES[extname(name)];
  if (!SAFE_PATH.test(name) || name.includes("..") || !type) return false;
  const file = join(root, name);
  let body: Buffer;
  try {
    if (!statSync(file).isFile() || statSync(file).size > FILE_MAX) return false;
    body = readFileSync(file);
  } catch {
    return false;
  }
  // The bundles' names carry their content hash; the page itself is always asked again.
  const cache = name.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache";
  response.writeHead(200, { ...headers, "content-type": type, "content-length": body.length, "cache-control": cache });
  response.end(body);
  return true;
}
