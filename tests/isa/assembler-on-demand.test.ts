/**
 * Booting or running a prebuilt image does not load the assembler (a cold start pays for it
 * only when there is source to assemble); a `.s` file still assembles on the way. Runs the
 * built program (dist/) with a module hook that names every file it loads (tests/helpers/modules-loaded.ts).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, modulesLoaded } from "../helpers/modules-loaded.js";

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
