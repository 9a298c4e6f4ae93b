#!/usr/bin/env node
/**
 * The installed `toyvmm` program (package.json's bin). It runs the CLI from one file, the
 * build's bundle of it (bundle.cjs, made by bundle.ts: the function expression Node would wrap
 * a CommonJS module in), compiled from V8's code cache of that
 * file (bundle.cache): Node 20 has no compile cache for ES modules, and resolving, reading and
 * compiling the CLI's few hundred modules one by one was most of what a cold start cost.
 * A cache this Node's V8 refuses only costs the compile. Without a bundle, or with one older
 * than the modules (the TypeScript compiled again, not yet bundled), the modules run as they
 * are: `node dist/vmm/cli/main.js` is the same CLI.
 */
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Script } from "node:vm";

export const BUNDLE = join(__dirname, "bundle.cjs");
export const CODE_CACHE = join(__dirname, "bundle.cache");
const MODULES_MAIN = join(__dirname, "main.js");

/** What the bundle exports: main.ts's. */
export interface BundledCli {
  runProgram(): Promise<void>;
  runCli(words: string[], io?: unknown): Promise<number>;
}

/** What the bundle, one function expression (bundle.ts), takes: a CommonJS module's arguments. */
export const MODULE_PARAMETERS = ["exports", "require", "module", "__filename", "__dirname"];

/** The bundle as a script, from `cachedData` where V8 takes it. */
export function compileBundle(cachedData?: Buffer): Script {
  return new Script(readFileSync(BUNDLE, "utf8"), { filename: BUNDLE, cachedData });
}

/** Imports a package for the bundle, which cannot (see bundle.ts). */
export function importOutside(name: string): Promise<unknown> {
  return import(name);
}

/** Runs the bundle's top level, as Node runs a CommonJS module's. */
export function loadBundle(script: Script): BundledCli {
  const module = { exports: {} as BundledCli };
  (script.runInThisContext() as (...args: unknown[]) => void)(
    module.exports,
    createRequire(BUNDLE),
    module,
    BUNDLE,
    __dirname,
  );
  return module.exports;
}

function readCache(): Buffer | undefined {
  try {
    return readFileSync(CODE_CACHE);
  } catch {
    return undefined;
  }
}

/** Whether the bundle was made from the modules there are now. */
function bundleCurrent(): boolean {
  const bundled = statSync(BUNDLE, { throwIfNoEntry: false });
  return bundled !== undefined && bundled.mtimeMs >= statSync(MODULES_MAIN).mtimeMs;
}

if (require.main === module) {
  if (bundleCurrent()) void loadBundle(compileBundle(readCache())).runProgram();
  else void import("./main.js").then((cli: BundledCli) => cli.runProgram());
}
