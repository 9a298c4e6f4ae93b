/**
 * Bad input of every kind ends in one line on stderr naming the problem, and exit status 1 (bad
 * input) or 2 (usage): never an internal error, never a stack trace, never a hang.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { singleLine, toyvmm } from "./run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "toyvmm-bad-"));
const binary = join(dir, "binary.s");
writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));

const CASES: [string[], number, RegExp][] = [
  [["boot"], 2, /^toyvmm: name at least one guest to boot \(or --list\) \(see toyvmm boot --help\)$/],
  [["boot", "multi", "--quantum", "0"], 1, /^toyvmm: --quantum 0: expected a whole number of ticks ≥ 1$/],
  [["boot", "solo", "--args", "soloo:prog=fib"], 1, /no VM is called soloo \(VMs: solo\)$/],
  [["boot", "programs/hello.s"], 1, /user program .*`toyvmm run programs\/hello\.s`/],
  [["boot", "solo", "--memory", "2GiB"], 1, /--memory "2GiB": guest memory is a multiple of 4096 bytes from 4 KiB to 1 GiB$/],
  [["boot", "nosuch"], 1, /^toyvmm: nosuch: no such bundled guest/],
  [["migrate", "solo", "--at"], 2, /^toyvmm: --at needs a value/],
  [["migrate", "solo", "--strategy"], 2, /^toyvmm: --strategy needs a value/],
  [["run", "programs/hello.s", "--args"], 2, /^toyvmm: --args needs a value/],
  [["migrate", "solo", "--at", "2O"], 2, /^toyvmm: --at "2O": expected a number/],
  [["migrate", "solo", "--stratgy", "post-copy"], 2, /^toyvmm: unknown option --stratgy \(did you mean --strategy\?\)/],
  [["migrate", "solo", "--foo-bar"], 2, /^toyvmm: unknown option --foo-bar \(see toyvmm migrate --help\)$/],
  [["migrate", "solo", "--bandwidth", "100mb/s"], 1, /did you mean MB\/s or Mb\/s\?$/],
  [["migrate", "solo", "--max-ticks", "-3"], 1, /^toyvmm: --max-ticks -3: expected a whole number of ticks ≥ 1$/],
  [["run", binary], 1, /binary\.s/],
  [["run", join(dir, "absent.s")], 1, /absent\.s: no such file$/],
  [["run", "programs/hello.s", "--input", dir], 1, /is a directory$/],
  [["run", "programs/strings.s", "--input", "/dev/urandom"], 1, /^toyvmm: \/dev\/urandom: too large for console input \(more than 16 MiB\)$/],
  [["boot", "solo", "--input", "/dev/zero"], 1, /^toyvmm: \/dev\/zero: too large for console input/],
];

describe("bad input", () => {
  it.each(CASES)("%j: one line, status %i", async (argv, code, message) => {
    const r = await toyvmm(argv);
    expect(r.code, r.stderr).toBe(code);
    const line = singleLine(r.stderr);
    expect(line).toMatch(message);
    expect(line).not.toMatch(/internal error|\n\s+at /);
  });

  it("a failed write to stdout is one line naming the file, from a real process", () => {
    const full = openSync("/dev/full", "w");
    try {
      for (const argv of [["run", "programs/hello.s"], ["boot", "solo"], ["inspect", "programs/hello.s"]]) {
        const r = spawnSync(process.execPath, ["dist/vmm/cli/main.js", ...argv], { stdio: ["ignore", full, "pipe"], timeout: 20_000 });
        expect(r.status, argv.join(" ")).toBe(1);
        expect(singleLine(r.stderr.toString())).toMatch(/^toyvmm: \/dev\/full \(standard output\): no space left on device/);
      }
    } finally {
      closeSync(full);
    }
  });
});
