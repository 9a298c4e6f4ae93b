/**
 * One outcome and one exit-status rule for run, boot and migrate (vmm/outcome.ts): the same
 * guest ending the same way gives the same outcome object and the same status whichever
 * command ran it, migrated or not, and no hidden limit cuts a long run short.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeImage } from "../../isa/image/format.js";
import { helloKernel } from "../vmm/kernels.js";
import { toyvmm } from "./run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "toyvmm-outcomes-"));
const file = (name: string, data: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
};
const halting = file("halt3.tvm", encodeImage(helloKernel("bye\n", 3)));
const empty = file("empty.s", ".memsize 65536\n.org 0x1000\nstart:\n    .word 0\n");
const sleeper = "tests/fixtures/guests/sleeper.s";
const faulting = file(
  "fault.s",
  '.include "lib/start.s"\nmain:\n    push ra\n    li t0, 3000\nspin:\n    addi t0, t0, -1\n    bne t0, zero, spin\n    lui t0, 0x40\n    sw t0, 0(t0)\n    ret\n',
);

const json = async (argv: string[]) => {
  const r = await toyvmm([...argv, "--json"]);
  return { code: r.code, report: JSON.parse(argv[0] === "run" ? r.stderr : r.stdout) };
};

describe("one outcome rule", () => {
  it("a kernel's halt status is the exit status of boot, boot --bare and migrate alike", async () => {
    for (const argv of [["boot", halting], ["boot", halting, "--bare"], ["migrate", halting, "--at", "3"]]) {
      const text = await toyvmm(argv);
      expect(text.code, argv.join(" ")).toBe(3);
      const { code, report } = await json(argv);
      expect(code).toBe(3);
      const outcome = argv[0] === "boot" ? report.vms[0].outcome : report.outcome;
      expect(outcome).toEqual({ kind: "exited", status: 3 });
    }
  });

  it("a kernel that cannot run is a fault in boot and in migrate, never 'halted' with status 0", async () => {
    const boot = await json(["boot", empty]);
    const migrated = await json(["migrate", empty, "--no-process"]);
    expect(boot.report.vms[0].outcome.kind).toBe("fault");
    expect(migrated.report.outcome).toEqual(boot.report.vms[0].outcome);
    expect(boot.code).toBeGreaterThan(128);
    expect(migrated.code).toBe(boot.code);
  });

  it("a program that faults after it moved exits 128 + cause, as under run", async () => {
    const run = await toyvmm(["run", faulting]);
    expect(run.code).toBe(135);
    expect(run.stderr).toMatch(/fault at pc 0x[0-9a-f]{8} <spin\+0x\w+>: access-fault at 0x00400000\n$/);
    for (const strategy of ["stop-copy", "pre-copy", "post-copy"]) {
      const migrated = await json(["migrate", faulting, "--at", "100", "--strategy", strategy]);
      expect(migrated.code, strategy).toBe(135);
      expect(migrated.report.outcome).toMatchObject({ kind: "fault", cause: 7, causeName: "access-fault" });
      expect(migrated.report.movedAtTick).toBeGreaterThanOrEqual(100);
      expect(migrated.report.stderr).toMatch(/fault at pc 0x[0-9a-f]{8} <spin\+0x\w+>: access-fault/);
    }
  });

  it("the tick limit is --max-ticks on every command, and exit status 124", async () => {
    const run = await toyvmm(["run", "programs/memwriter.s", "--args", "iters=0", "--max-ticks", "5000"]);
    expect(run.code).toBe(124);
    const boot = await json(["boot", sleeper, "--max-ticks", "100000"]);
    expect(boot.code).toBe(124);
    expect(boot.report.vms[0].outcome).toEqual({ kind: "limit" });
    const migrated = await json(["migrate", sleeper, "--at", "10", "--max-ticks", "100000"]);
    expect(migrated).toMatchObject({ code: 124, report: { outcome: { kind: "limit" }, ticks: 100000 } });
    const program = await json(["migrate", "programs/memwriter.s", "--args", "iters=0", "--at", "1000", "--max-ticks", "50000"]);
    expect(program).toMatchObject({ code: 124, report: { outcome: { kind: "limit" }, ticks: 50000 } });
  });

  it("a guest that runs past 2^32 ticks runs to its halt under boot, bare and every migration", async () => {
    const expected = { console: ".....\n", outcome: { kind: "exited", status: 0 }, exitStatus: 0 };
    // A long quantum: round robin in 10,000-tick turns would take half a million turns here.
    const boot = await json(["boot", sleeper, "--quantum", "100000000"]);
    expect(boot.report.vms[0]).toMatchObject({ outcome: expected.outcome });
    const ticks = boot.report.ticks;
    expect(ticks).toBeGreaterThan(2 ** 32);
    expect((await json(["boot", sleeper, "--bare", "--quantum", "100000000"])).report.ticks).toBe(ticks);
    for (const strategy of ["stop-copy", "pre-copy", "post-copy"]) {
      const migrated = await json(["migrate", sleeper, "--at", "10", "--strategy", strategy]);
      expect(migrated.code, strategy).toBe(0);
      expect(migrated.report).toMatchObject({ ...expected, ticks });
    }
  });

  it("marks the moment the guest moved on stderr, between the hosts' console output", async () => {
    const r = await toyvmm(["migrate", "solo", "--args", "prog=fib n=5", "--at", "20000"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^toyvmm: migrated to host B at tick \d+ by pre-copy, downtime [\d.]+ [mun]?s\n/);
  });
});
