import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { encodeImage } from "../../isa/image/format.js";
import { runCli } from "../../vmm/cli/main.js";
import { assignBootArgs } from "../../vmm/cli/boot.js";
import { listBundledGuests } from "../../vmm/monitor/bundled.js";
import { helloKernel, preemptiveKernel } from "./kernels.js";

async function toyvmmWithStdin(stdin: string | undefined, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const text = (c: string | Uint8Array) => (typeof c === "string" ? c : Buffer.from(c).toString("latin1"));
  const code = await runCli(argv, {
    stdout: { write: (c) => out.push(text(c)) },
    stderr: { write: (c) => err.push(text(c)) },
    ...(stdin !== undefined ? { stdin: Readable.from([Buffer.from(stdin)]) } : {}),
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

const toyvmm = (...argv: string[]) => toyvmmWithStdin(undefined, ...argv);

const dir = mkdtempSync(join(tmpdir(), "toyvmm-boot-"));
const hello = join(dir, "hello.tvm");
writeFileSync(hello, encodeImage(helloKernel("hello\nworld\n", 0)));
const preempt = join(dir, "preempt.tvm");
writeFileSync(preempt, encodeImage(preemptiveKernel()));
const failing = join(dir, "fail.tvm");
writeFileSync(failing, encodeImage(helloKernel("bye\n", 3)));

describe("toyvmm boot", () => {
  it("--input gives each VM console input from a file or from stdin", async () => {
    const fromStdin = await toyvmmWithStdin("migrate me\n", "boot", "solo", "--args", "prog=echo", "--input", "-");
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toContain("MIGRATE ME\n");
    const file = join(dir, "input.txt");
    writeFileSync(file, "from a file\n");
    const fromFile = await toyvmm("boot", "solo", "--args", "prog=echo", "--input", file);
    expect(fromFile.stdout).toContain("FROM A FILE\n");
    const missing = await toyvmm("boot", "solo", "--input", join(dir, "absent.txt"));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("one VM: raw console, exit status 0", async () => {
    const r = await toyvmm("boot", hello);
    expect(r).toEqual({ code: 0, stdout: "hello\nworld\n", stderr: "" });
  });

  it("several VMs: lines labelled with unique names; bare gives the same", async () => {
    const r = await toyvmm("boot", hello, hello, preempt, "--quantum", "5");
    expect(r.code).toBe(7);
    const lines = r.stdout.split("\n").filter(Boolean);
    expect(lines.filter((l) => l.startsWith("[hello] "))).toEqual(["[hello] hello", "[hello] world"]);
    expect(lines.filter((l) => l.startsWith("[hello-2] "))).toEqual(["[hello-2] hello", "[hello-2] world"]);
    expect(lines.find((l) => l.startsWith("[preempt]"))).toMatch(/^\[preempt\] [ab]{24}$/);
    const bare = await toyvmm("boot", hello, hello, preempt, "--quantum", "5", "--bare");
    expect(bare.stdout).toBe(r.stdout);
    expect(r.stderr).toBe("toyvmm: preempt: exited with status 7\n");
  });

  it("--json: per-VM outcome and statistics", async () => {
    const r = await toyvmm("boot", preempt, "--json");
    const report = JSON.parse(r.stdout);
    expect(report.state).toBe("done");
    expect(report.vms[0].outcome).toEqual({ kind: "exited", status: 7 });
    expect(report.vms[0].stats.interrupts["timer-interrupt"]).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/^[ab]{24}$/); // the console moves to stderr
  });

  it("--max-ticks stops a long guest", async () => {
    const r = await toyvmm("boot", preempt, "--max-ticks", "1000", "--json");
    expect(JSON.parse(r.stdout).state).toBe("tick-limit");
    expect(JSON.parse(r.stdout).ticks).toBe(1000);
  });

  it("non-zero halt status and unknown guests", async () => {
    expect((await toyvmm("boot", failing)).code).toBe(3);
    const r = await toyvmm("boot", "no-such-guest");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^toyvmm: no-such-guest: no such bundled guest .*\n$/);
  });

  it("--list shows every bundled guest with a description", async () => {
    const r = await toyvmm("boot", "--list");
    expect(r.code).toBe(0);
    for (const g of listBundledGuests()) expect(r.stdout).toContain(g.name);
    expect(r.stdout).toMatch(/^solo\s+\S/m);
  });

  it("boot arguments: in order, or NAME:ARGS", () => {
    expect(assignBootArgs(["a", "b", "c"], ["x=1", "c:y=2", "z"])).toEqual(["x=1", "z", "y=2"]);
    expect(assignBootArgs(["a"], ["run=a:b"])).toEqual(["run=a:b"]);
    expect(() => assignBootArgs(["solo"], ["soloo:prog=fib"])).toThrow('--args "soloo:prog=fib": no VM is called soloo (VMs: solo)');
    expect(() => assignBootArgs(["a"], ["1", "2"])).toThrow(/every VM already has/);
  });
});
