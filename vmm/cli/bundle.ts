/**
 * `npm run build` step: the CLI's built modules bundled into one CommonJS file (esbuild), and
 * V8's code cache of it recorded after a few typical runs, which toyvmm.cts, the installed
 * program, starts from.
 *
 * The bundle behaves as the modules do: each module's `import.meta.url` stays its own file's
 * URL in dist/ (bundled.ts, version.ts and the rest find the package's folders from it, and
 * the experiment pool's worker threads load their script beside it), and `createRequire`
 * of its own URL becomes the bundle's `require`, so yargs' CommonJS build (main.ts) is in
 * the bundle too. Packages only some commands need, and the native ones, stay outside and
 * load from node_modules when asked for; one imported (vega, an ES module) is imported by the
 * program's own file (toyvmm.cts `importOutside`), since Node 20 loses a script's dynamic
 * import callback when it is compiled from a code cache.
 */
import { build, type Plugin } from "esbuild";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { assembleFile } from "../../isa/asm/index.js";
import { encodeImage } from "../../isa/image/format.js";
import type { BundledCli } from "./toyvmm.cjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const launcher = createRequire(import.meta.url)("./toyvmm.cjs") as typeof import("./toyvmm.cjs");
const { MODULE_PARAMETERS } = launcher;

/** Loaded from node_modules at run time: native code, or large and needed by few commands. */
const OUTSIDE = ["@node-rs/crc32", "lz4-napi", "pino", "pino-pretty", "vega", "vega-lite", "ws", "zod"];

/**
 * Runs whose code goes in the cache: a program from an image (assembled here, by the modules,
 * not the bundle) and a bundled guest. V8 reads the whole cache at every start, so code few
 * runs need (the assembler, help) is left out: with it the cache was 1 MB rather than 0.6,
 * and a run of an image started 30 ms later.
 */
function warmRuns(dir: string): string[][] {
  const image = join(dir, "hello.tvm");
  writeFileSync(image, encodeImage(assembleFile(join(HERE, "../../../programs/hello.s")).image));
  return [
    ["run", image],
    ["boot", "solo"],
  ];
}

const MODULE_URL = "__moduleUrl";
const MODULE_PATH = "__modulePath";
const IMPORT_OUTSIDE = "__importOutside";
/** `import("package")`: a dynamic import of a package, not of a file of ours. */
const PACKAGE_IMPORT = /\bimport\((["'])([^./"'][^"']*)\1\)/g;

const ownUrls: Plugin = {
  name: "own-module-urls",
  setup(bundle) {
    bundle.onLoad({ filter: /\.js$/ }, (args) => {
      const own = JSON.stringify(relative(HERE, args.path));
      const source = readFileSync(args.path, "utf8")
        .replace(/^#!.*/, "")
        .replaceAll("createRequire(import.meta.url)", "require")
        // The file's path without the round trip through a URL (a cold start makes a few).
        .replaceAll("fileURLToPath(import.meta.url)", `${MODULE_PATH}(${own})`)
        .replaceAll("import.meta.url", `${MODULE_URL}(${own})`)
        .replace(PACKAGE_IMPORT, `${IMPORT_OUTSIDE}("$2")`);
      return { contents: source, loader: "js" };
    });
  },
};

/** yargs' `require("assert")` gets the two checks it uses (yargs-assert.ts), not all of node:assert. */
const yargsAssert: Plugin = {
  name: "yargs-assert",
  setup(bundle) {
    bundle.onResolve({ filter: /^assert$/ }, (args) =>
      args.importer.includes(`${sep}yargs${sep}`) ? { path: join(HERE, "yargs-assert.js") } : undefined,
    );
  },
};

/**
 * esbuild escapes what is not ASCII in strings, not in regular expressions: one there would
 * make the whole bundle a two-byte string again. Says where it is.
 */
function requireAscii(source: string): void {
  const at = source.search(/[^\x00-\x7f]/);
  if (at < 0) return;
  const line = source.slice(0, at).split("\n").length;
  throw new Error(`bundle: ${relative(process.cwd(), launcher.BUNDLE)}:${line}: a character outside ASCII (write it as \\u${source.charCodeAt(at).toString(16).padStart(4, "0")}): ${JSON.stringify(source.slice(Math.max(0, at - 30), at + 10))}`);
}

async function main(): Promise<void> {
  await build({
    entryPoints: [join(HERE, "main.js")],
    outfile: launcher.BUNDLE,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    external: OUTSIDE,
    plugins: [ownUrls, yargsAssert],
    // The file is the function Node would wrap a CommonJS module in, written out, so that
    // compiling it needs no copy of the source with the wrapper around it (toyvmm.cts).
    banner: {
      js: [
        `(function (${MODULE_PARAMETERS.join(", ")}) {`,
        `const ${MODULE_PATH} = (path) => require("node:path").join(__dirname, path);`,
        `const ${MODULE_URL} = (path) => require("node:url").pathToFileURL(${MODULE_PATH}(path)).href;`,
        `const ${IMPORT_OUTSIDE} = (name) => require("./toyvmm.cjs").importOutside(name);`,
      ].join("\n"),
    },
    footer: { js: "})" },
    logLevel: "warning",
    // Every start reads and compiles this file: without comments and indentation it is 0.93 MB
    // rather than 1.3, and in ASCII alone V8 holds it in one byte a character
    // (docs/ARCHITECTURE.md, "The installed program starts from a code cache").
    minifyWhitespace: true,
    charset: "ascii",
  });
  requireAscii(readFileSync(launcher.BUNDLE, "utf8"));
  const script = launcher.compileBundle();
  const cli: BundledCli = launcher.loadBundle(script);
  const dir = mkdtempSync(join(tmpdir(), "toyvmm-bundle-"));
  try {
    for (const words of warmRuns(dir)) {
      let errors = "";
      const stderr = { write: (text: string) => ((errors += text), true) };
      const status = await cli.runCli(words, { stdout: { write: () => true }, stderr });
      if (status !== 0)
        throw new Error(
          `bundle: toyvmm ${words.join(" ")} exited ${status} while warming the code cache: ${errors.trim()}`,
        );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  writeFileSync(launcher.CODE_CACHE, script.createCachedData());
  console.log(`bundled ${relative(process.cwd(), launcher.BUNDLE)} and its code cache`);
}

await main();
