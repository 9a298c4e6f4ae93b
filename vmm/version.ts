/** toyvmm's version (`--version`, a host's greeting): package.json's, found walking up from here (source or dist/). */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function toyvmmVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (manifest.name === "toyvmm" && manifest.version) return manifest.version;
    } catch {
      // not here; keep walking up
    }
    if (dirname(dir) === dir) return "unknown";
  }
}
