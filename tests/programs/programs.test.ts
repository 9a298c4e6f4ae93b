/**
 * Every programs/*.s and programs/bench/*.s runs in the process VM and must print exactly what its header says
 * (`; expect-stdout:`, `; expect-exit:` … see vmm/process/expectations.ts). A new program is
 * tested by adding it: no test to write.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assembleFile } from "../../isa/asm/index.js";
import { readExpectations } from "../../vmm/process/expectations.js";
import { runProcess } from "../../vmm/process/process-vm.js";

const PROGRAMS = "programs";
const sources = (dir: string) =>
  readdirSync(join(PROGRAMS, dir))
    .filter((name) => name.endsWith(".s"))
    .sort()
    .map((name) => join(dir, name));
const files = [...sources(""), ...sources("bench")];

const decoder = new TextDecoder();

describe("programs/*.s and programs/bench/*.s in the process VM", () => {
  it("finds the programs", () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  for (const name of files) {
    it(name, () => {
      const path = join(PROGRAMS, name);
      const expected = readExpectations(readFileSync(path, "utf8"), path);
      expect(expected.stdout, `${name} has no expect-stdout header`).toBeDefined();
      expect(expected.exit, `${name} has no expect-exit header`).toBeDefined();
      const out: Uint8Array[] = [];
      const err: Uint8Array[] = [];
      const result = runProcess(assembleFile(path).image, {
        name: path,
        args: expected.args,
        input: expected.input,
        stdout: (bytes) => out.push(bytes),
        stderr: (bytes) => err.push(bytes),
        maxTicks: 200_000_000,
      });
      const stderr = decoder.decode(Buffer.concat(err));
      expect(decoder.decode(Buffer.concat(out)), stderr).toBe(expected.stdout);
      if (expected.stderr !== undefined) expect(stderr).toBe(expected.stderr);
      expect(result.reason).toBe("exit");
      expect(result.exitStatus).toBe(expected.exit);
    });
  }
});
