/** `toyvmm debug` through the real CLI: scripts from -x FILE and from stdin, --json, one-line mistakes. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toyvmm } from "../cli/run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "toyvmm-debug-"));
const script = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("toyvmm debug", () => {
  it("runs a script from -x FILE: the student's session on buggy-sort", async () => {
    const file = script(
      "find.gdb",
      "continue\nx/7dw numbers\nwatch next_word\nreverse-continue\ninfo registers t0 t4\n",
    );
    const r = await toyvmm(["debug", "programs/buggy-sort.s", "-x", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("after: 1 -1 2 3 5 8\n[program exited with status 0 at tick 1058]\n");
    expect(r.stdout).toContain("0x00002014 <numbers+0x10>:\t5\t8\t9\n");
    expect(r.stdout).toContain("Watchpoint 1: next_word\nOld value = -1 (0xffffffff)\nNew value = 9 (0x00000009)\n");
    expect(r.stdout).toMatch(/t0 {13}0x00000005 {9}5\nt4 {13}0x00000005 {9}5\n$/);
  });

  it("reads the commands from stdin when it is a pipe, and answers in JSON", async () => {
    const r = await toyvmm(
      ["debug", "solo", "--args", "prog=hello", "--json"],
      "catch syscall write\ncontinue\nbacktrace\n",
    );
    expect(r.code).toBe(0);
    const answers = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(answers.map((a) => a.command)).toEqual(["catch", "continue", "backtrace"]);
    expect(answers[1]).toMatchObject({ ok: true, stop: { reason: "catchpoint", syscall: "write", vm: "solo" } });
    expect(answers[2].lines.at(-1)).toMatch(/trap handler, entered from 0x[0-9a-f]{8} <u_write\+0x[0-9a-f]+>: syscall/);
  });

  it("a mistake in a script ends the session with FILE:LINE and status 1", async () => {
    const file = script("bad.gdb", "break main\n\n# a comment\nbreak nowhere\ncontinue\n");
    const r = await toyvmm(["debug", "programs/hello.s", "-x", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`toyvmm: ${file}:4: no symbol "nowhere" in the image\n`);
    expect(r.stdout).not.toContain("Hello");
  });

  it("refuses what makes no sense, in one line", async () => {
    const both = await toyvmm(["debug", "programs/hello.s", "solo"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^toyvmm: a program is debugged alone/);
    const interval = await toyvmm(["debug", "programs/hello.s", "--snapshot-interval", "0"]);
    expect(interval).toMatchObject({
      code: 1,
      stderr: "toyvmm: --snapshot-interval 0: expected a whole number of ticks ≥ 1\n",
    });
  });
});
