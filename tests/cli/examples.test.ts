/**
 * Every example in every command's --help runs as written, as a whole process in a shell, from
 * a folder that holds the project's programs/, guest-os/ and docs/ (as a user's checkout does),
 * through the installed program (package.json's bin: the bundle and its code cache).
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { commandSpecs } from "./command-spec.js";

const EXIT_LIMIT = 124;
/** The examples run five at a time: on a busy two-core machine a sweep's shards take a while. */
const EXAMPLE_LIMIT_MS = 120_000;
const work = mkdtempSync(join(tmpdir(), "toyvmm-examples-"));
for (const folder of ["programs", "guest-os", "docs"]) symlinkSync(resolve(folder), join(work, folder));
mkdirSync(join(work, "bin"));
const shim = join(work, "bin", "toyvmm");
writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${resolve("dist/vmm/cli/toyvmm.cjs")}" "$@"\n`);
chmodSync(shim, 0o755);

const examples = (await commandSpecs()).flatMap((spec) => spec.examples.map((example) => [spec.name, example] as const));

/** Runs `example` in bash from the work folder; resolves to its exit status and stderr. */
function shell(example: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn("bash", ["-o", "pipefail", "-c", example], {
      cwd: work,
      env: { ...process.env, PATH: `${join(work, "bin")}:${process.env.PATH}`, HOME: work },
      stdio: ["ignore", "ignore", "pipe"],
      timeout: EXAMPLE_LIMIT_MS,
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (status) => done({ status, stderr }));
  });
}

describe("help examples", () => {
  it.concurrent.each(examples)("%s: %s", async (_command, example) => {
    const r = await shell(example);
    // A bounded run of a program that never ends stops at its tick limit, as its example says.
    const expected = /--max-ticks/.test(example) ? EXIT_LIMIT : 0;
    expect(r.status, `${example}\n${r.stderr}`).toBe(expected);
  }, EXAMPLE_LIMIT_MS + 10_000);
});
