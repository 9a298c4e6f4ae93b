/** `toyvmm debug` through the real CLI: scripts from -x FILE and from stdin, --json, one-line mistakes. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { singleLine, toyvmm } from "../cli/run-cli.js";

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

  it("--debug-on-fault: run and boot replay to the fault and take commands there", async () => {
    const program = script(
      "fault.s",
      '.include "lib/start.s"\nmain:\n    push ra\n    li t0, 3000\nspin:\n    addi t0, t0, -1\n    bne t0, zero, spin\n    lui t0, 0x40\n    sw t0, 0(t0)\n    ret\n',
    );
    const run = await toyvmm(["run", program, "--debug-on-fault"], "info registers t0\nbacktrace\n");
    expect(run.code).toBe(135);
    expect(run.stdout).toMatch(/^=> 0x[0-9a-f]{8} <spin\+0xc>: {2}sw {6}t0, 0\(t0\) {4}\[tick 6008\]\nt0 {13}0x00400000/);
    expect(run.stdout).toContain("in main (sp 0x000ffffc)\n#1");
    const boot = await toyvmm(["boot", "tests/fixtures/debug/looping-trap.s", "--debug-on-fault"], "print/x $epc\n");
    expect(boot.code).toBe(135);
    expect(boot.stdout).toBe("=> 0x00001020 <handler+0x4>:  lw      t2, 0(t1)    [tick 260]\n$1 = 0x00001020\n");
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

  it("--migrate-at: the session over a live migration prints the console `toyvmm migrate` prints", async () => {
    const guest = ["multi", "--args", "run=count,hog"];
    const options = ["--strategy", "post-copy", "--bandwidth", "10MB/s", "--latency", "5ms"];
    const migrated = await toyvmm(["migrate", ...guest, "--at", "20000", ...options]);
    expect(migrated.code).toBe(0);
    const debug = await toyvmm(
      ["debug", ...guest, "--migrate-at", "20000", ...options, "--json"],
      "goto 21000\ninfo migration\nreverse-stepi 1000\ninfo migration\ncontinue\n",
    );
    expect(debug.code).toBe(0);
    const answers = debug.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(answers.map((a) => a.console ?? "").join("")).toBe(migrated.stdout);
    const switchTick = Number(/at tick (\d+)/.exec(migrated.stderr)![1]);
    expect(answers[1].migration).toMatchObject({ host: "B", switchTick, strategy: "post-copy" });
    expect(answers[3].migration).toMatchObject({ host: "A", tick: 20000, phase: "setting up: the guest runs on host A until it stops to move" });
    expect(answers[4].stop).toMatchObject({ reason: "end", host: "B" });
  });

  it("--migrate-at: a tick past the guest's end, a strategy that is not one, options without --migrate-at: one line each", async () => {
    const late = await toyvmm(["debug", "multi", "--migrate-at", "99999999"], "continue\n");
    expect(late).toMatchObject({ code: 1, stdout: "" });
    expect(singleLine(late.stderr)).toMatch(/^toyvmm: --migrate-at 99999999: multi ends after \d+ ticks, before the migration point$/);
    const strategy = await toyvmm(["debug", "multi", "--migrate-at", "100", "--strategy", "teleport"]);
    expect(strategy.code).toBe(2);
    expect(singleLine(strategy.stderr)).toMatch(/^toyvmm: invalid value: --strategy "teleport" is not one of/);
    const alone = await toyvmm(["debug", "multi", "--bandwidth", "1MB/s"]);
    expect(alone.code).toBe(2);
    expect(singleLine(alone.stderr)).toMatch(/^toyvmm: --bandwidth goes with --migrate-at TICK/);
    const policy = await toyvmm(["debug", "multi", "--migrate-at", "100", "--strategy", "stop-copy", "--auto-converge"]);
    expect(policy).toMatchObject({ code: 1, stderr: "toyvmm: --auto-converge: controls pre-copy's rounds; give --strategy pre-copy\n" });
  });
});
