import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root (where package.json and dist/ are), from this file in source or dist. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/** The installed `toyvmm` program (package.json's bin), which the whole-process figures run. */
export function installedProgram(): string {
  const root = packageRoot();
  const { bin } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { bin: { toyvmm: string } };
  return join(root, bin.toyvmm);
}
