/**
 * The default include path: the bundled `programs/` and `guest-os/` folders of this
 * installation, so that a program anywhere can `.include "lib/start.s"` (programs/lib) or a
 * kernel `.include "lib/head.s"` (guest-os/lib). They are found by walking up from this module
 * to the toyvmm package.json — the same from the source tree, from dist/ and from an installed
 * package, which ships both folders beside dist/.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BUNDLED_FOLDERS = ["programs", "guest-os"] as const;

let found: readonly string[] | undefined;

/** The bundled folders that exist, in search order (programs/ first); empty when none is found. */
export function bundledIncludePath(): readonly string[] {
  found ??= packageRoot(dirname(fileURLToPath(import.meta.url)));
  return found;
}

function packageRoot(start: string): string[] {
  for (let dir = start; ; dir = dirname(dir)) {
    if (isToyvmmPackage(join(dir, "package.json"))) {
      return BUNDLED_FOLDERS.map((name) => join(dir, name)).filter((folder) => existsSync(folder));
    }
    if (dirname(dir) === dir) return [];
  }
}

function isToyvmmPackage(manifest: string): boolean {
  try {
    return (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "toyvmm";
  } catch {
    return false;
  }
}
