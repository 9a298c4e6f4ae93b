/**
 * The installed program (package.json's bin, vmm/cli/toyvmm.cts) runs the build's bundle of
 * the CLI from its code cache, and behaves as the modules do. The help examples run through it
 * too (examples.test.ts), every command included.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { modulesLoaded } from "../helpers/modules-loaded.js";

const { bin } = JSON.parse(readFileSync("package.json", "utf8")) as { bin: { toyvmm: string } };
const PROGRAM = resolve(bin.toyvmm);
const MODULES = resolve("dist/vmm/cli/main.js");
const launcher = createRequire(import.meta.url)(PROGRAM) as typeof import("../../vmm/cli/toyvmm.cjs");

const run = (script: string, args: string[]) => {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: "utf8", timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

const dir = mkdtempSync(join(tmpdir(), "toyvmm-installed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HELLO = join(dir, "hello.tvm");
spawnSync(process.execPath, [MODULES, "asm", "programs/hello.s", "-o", HELLO], { timeout: 30_000 });

describe("the installed program", () => {
  it("is the launcher, and V8 takes its code cache", () => {
    expect(bin.toyvmm).toBe("dist/vmm/cli/toyvmm.cjs");
    const script = launcher.compileBundle(readFileSync(launcher.CODE_CACHE));
    expect(script.cachedDataRejected).toBe(false);
  });

  it("runs, fails and explains as the modules do", () => {
    for (const args of [
      ["run", HELLO],
      ["boot", "solo"],
      ["run", join(dir, "missing.tvm")],
      ["run", HELLO, "--max-tick", "5"],
      ["inspect", HELLO],
    ]) {
      expect(run(PROGRAM, args), args.join(" ")).toEqual(run(MODULES, args));
    }
    expect(run(PROGRAM, ["run", HELLO]).stdout).toBe("Hello, world!\n");
  });

  it("loads the packages it keeps outside the bundle only when they are asked for", () => {
    const outside = [
      "/node_modules/zod/",
      "/node_modules/pino",
      "/node_modules/ws/",
      "/node_modules/vega",
      "/node_modules/@node-rs/crc32",
    ];
    for (const args of [
      ["boot", "solo"],
      ["run", HELLO],
    ]) {
      const { files, builtins, stdout } = modulesLoaded(args, PROGRAM);
      expect(stdout, args.join(" ")).toContain("ello");
      // yargs' checks come from yargs-assert.ts, not node:assert with its error formatting.
      expect(builtins.filter((name) => name.includes("assert")), args.join(" ")).toEqual([]);
      // The bundle is read as a script, not loaded as a module: no file of dist/ loads but the launcher.
      expect([...new Set(files.filter((f) => f.includes("/dist/")))], args.join(" ")).toEqual([`file://${PROGRAM}`]);
      expect(
        files.filter((f) => outside.some((part) => f.includes(part))),
        args.join(" "),
      ).toEqual([]);
    }
    const logged = modulesLoaded(["run", HELLO, "--log-level", "debug"], PROGRAM);
    expect(logged.files.some((f) => f.includes("/node_modules/pino/"))).toBe(true);
  });

  it("runs the modules when the bundle is missing or older than them", () => {
    // A stand-in build: a bundle and modules that each say which ran.
    const say = (who: string) => `(function (exports) { exports.runProgram = async () => process.stdout.write("${who}\\n"); })\n`;
    copyFileSync(PROGRAM, join(dir, "toyvmm.cjs"));
    writeFileSync(join(dir, "main.js"), `export const runProgram = async () => process.stdout.write("modules\\n");\n`);
    writeFileSync(join(dir, "package.json"), `{ "type": "module" }\n`);
    expect(run(join(dir, "toyvmm.cjs"), []).stdout).toBe("modules\n");
    writeFileSync(join(dir, "bundle.cjs"), say("bundle"));
    const now = Date.now() / 1000;
    utimesSync(join(dir, "main.js"), now - 60, now - 60);
    expect(run(join(dir, "toyvmm.cjs"), []).stdout).toBe("bundle\n");
    utimesSync(join(dir, "bundle.cjs"), now - 120, now - 120);
    expect(run(join(dir, "toyvmm.cjs"), []).stdout).toBe("modules\n");
  });
});
