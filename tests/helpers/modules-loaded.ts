/**
 * What a run of the built program (dist/) loads: every file, ES module or CommonJS, and every
 * built-in module of Node's own beyond those a bare `node` starts with.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const CLI = join(import.meta.dirname, "..", "..", "dist", "vmm", "cli", "main.js");

/** Names each ES module as it loads. */
const HOOK = `export async function load(url, context, next) { if (url.startsWith("file:")) process.stderr.write("LOADED " + url + "\\n"); return next(url, context); }`;
/** Registers the hook, and at exit names the CommonJS files and built-ins loaded since. */
const OBSERVE = `
import { createRequire, register } from "node:module";
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});
const require = createRequire(${JSON.stringify(CLI)});
const builtins = new Set(process.moduleLoadList);
process.on("exit", () => {
  for (const file of Object.keys(require.cache)) process.stderr.write("LOADED file://" + file + "\\n");
  for (const name of process.moduleLoadList) if (!builtins.has(name)) process.stderr.write("BUILTIN " + name + "\\n");
});`;

export interface Loaded {
  /** file: URLs of the files loaded. */
  files: string[];
  /** Node's own modules loaded, as `NativeModule zlib`. */
  builtins: string[];
  stdout: string;
}

/** Runs `toyvmm ARGS` (the modules, or `program`) to its end and says what it loaded; a non-zero exit fails. */
export function modulesLoaded(args: string[], program = CLI): Loaded {
  const run = spawnSync(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(OBSERVE)}`, program, ...args], {
    encoding: "utf8",
    timeout: 30_000,
  });
  if (run.status !== 0) throw new Error(`toyvmm ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
  const lines = run.stderr.split("\n");
  const after = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
  return { files: after("LOADED "), builtins: after("BUILTIN "), stdout: run.stdout };
}
