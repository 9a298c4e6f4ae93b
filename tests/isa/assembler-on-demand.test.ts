/**
 * Booting or running a prebuilt image does not load the assembler (a cold start pays for it
 * only when there is source to assemble); a `.s` file still assembles on the way. Runs the
 * built program (dist/) with a module hook that names every file it loads.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = join(import.meta.dirname, "..", "..", "dist", "vmm", "cli", "main.js");
const HOOK = `export async function load(url, context, next) { if (url.startsWith("file:")) process.stderr.write("LOADED " + url + "\\n"); return next(url, context); }`;
const REGISTER = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});`;

/** The files a run of the program loads, and its stdout. */
function modulesLoaded(args: string[]): { files: string[]; stdout: string } {
  const run = spawnSync(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(REGISTER)}`, CLI, ...args], {
    encoding: "utf8",
    timeout: 30_000,
  });
  if (run.status !== 0) throw new Error(`toyvmm ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
  return { files: run.stderr.split("\n").filter((l) => l.startsWith("LOADED ")), stdout: run.stdout };
}

const dir = mkdtempSync(join(tmpdir(), "toyvmm-asm-on-demand-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the assembler loads on demand", () => {
  it("not for booting a bundled guest, nor for running a .tvm image", () => {
    const image = join(dir, "hello.tvm");
    execFileSync(process.execPath, [CLI, "asm", "programs/hello.s", "-o", image], { timeout: 30_000 });
    for (const args of [["boot", "solo"], ["run", image]]) {
      const { files } = modulesLoaded(args);
      expect(files.some((f) => f.includes("/dist/vmm/cli/"))).toBe(true);
      expect(files.filter((f) => f.endsWith("/isa/asm/assembler.js"))).toEqual([]);
    }
  });

  it("for running a .s source", () => {
    const { files, stdout } = modulesLoaded(["run", "programs/hello.s"]);
    expect(files.some((f) => f.endsWith("/isa/asm/assembler.js"))).toBe(true);
    expect(stdout).toContain("ello");
  });
});
