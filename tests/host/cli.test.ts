/**
 * `toyvmm vm …` against real hosts: each action, its text and JSON, its errors in one line; a
 * guest run on a host prints exactly what `toyvmm boot` prints for it, however fast the host
 * runs it; a VM saved on one host and restored on another ends as an unpaused run does.
 */
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { singleLine, toyvmm } from "../cli/run-cli.js";
import { requireBuild, startHost, tempFolder, tokenFile, type TestHost } from "./helpers.js";

let host: TestHost;
let paced: TestHost;
const on = (h: TestHost) => ["--host", h.socket];

beforeAll(async () => {
  requireBuild();
  [host, paced] = await Promise.all([startHost(), startHost(["--speed", "2M"])]);
});

/** Waits (at most 10 s) until the VM has run some ticks. */
async function ticking(vm: string, h: TestHost): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const info = JSON.parse((await toyvmm(["vm", "info", vm, "--json", ...on(h)])).stdout) as { ticks: number };
    if (info.ticks > 0) return;
    await new Promise((resume) => setTimeout(resume, 5));
  }
  throw new Error(`${vm} did not start running`);
}

describe("toyvmm vm", () => {
  it.each([
    ["solo", "prog=fib n=20"],
    ["multi", ""],
    ["threads", ""],
  ])("runs %s %s on a host with the console toyvmm boot gives, at max speed and at 2M a second", async (guest, args) => {
    const boot = await toyvmm(["boot", guest, "--args", args, "--json"]);
    const expected = JSON.parse(boot.stdout) as { vms: { ticks: number }[] };
    for (const h of [host, paced]) {
      const name = `${guest}-det`;
      expect((await toyvmm(["vm", "start", guest, "--args", args, "--name", name, ...on(h)])).code).toBe(0);
      const watched = await toyvmm(["vm", "console", name, ...on(h)]);
      expect(watched.code).toBe(0);
      // `boot --json` writes the console on stderr.
      expect(watched.stdout).toBe(boot.stderr);
      const info = JSON.parse((await toyvmm(["vm", "info", name, "--json", ...on(h)])).stdout) as { ticks: number; state: string };
      expect(info).toMatchObject({ state: "ended", ticks: expected.vms[0]!.ticks });
      await toyvmm(["vm", "stop", name, ...on(h)]);
    }
  });

  it("starts a VM paused, lists it, resumes it, shows it, stops it", async () => {
    const started = await toyvmm(["vm", "start", "multi", "--paused", "--name", "m", ...on(host)]);
    expect(started).toMatchObject({ code: 0, stdout: "m started on host default (paused)\n" });
    const listed = await toyvmm(["vm", "list", ...on(host)]);
    expect(listed.stdout).toMatch(/^NAME +KIND +STATE +TICKS +MEMORY +GUEST\n/);
    expect(listed.stdout).toMatch(/\nm +monitor +paused +0 +512 KiB +multi\n/);
    const json = JSON.parse((await toyvmm(["vm", "list", "--json", ...on(host)])).stdout) as { name: string }[];
    expect(json.map((vm) => vm.name)).toContain("m");
    expect((await toyvmm(["vm", "resume", "m", ...on(host)])).stdout).toMatch(/^m running at tick 0\n$/);
    expect((await toyvmm(["vm", "console", "m", ...on(host)])).code).toBe(0);
    const info = await toyvmm(["vm", "info", "m", ...on(host)]);
    expect(info.stdout).toContain("outcome:   exited with status 0 (exit status 0)");
    expect(await toyvmm(["vm", "stop", "m", ...on(host)])).toMatchObject({ code: 0, stdout: "m stopped and removed from host default\n" });
    expect((await toyvmm(["vm", "info", "m", ...on(host)])).stderr).toMatch(/^toyvmm: m: no such VM on host default/);
  });

  it("pauses a running VM: its guest time stands still until it resumes", async () => {
    await toyvmm(["vm", "start", "programs/memwriter.s", "--args", "pages=4 rate=0 iters=0", "--name", "spin", ...on(host)]);
    await ticking("spin", host);
    const paused = await toyvmm(["vm", "pause", "spin", ...on(host)]);
    const at = Number(/at tick (\d+)/.exec(paused.stdout)![1]);
    await new Promise((resume) => setTimeout(resume, 100));
    const still = JSON.parse((await toyvmm(["vm", "info", "spin", "--json", ...on(host)])).stdout) as { ticks: number; state: string };
    expect(still).toMatchObject({ state: "paused", ticks: at });
    await toyvmm(["vm", "resume", "spin", ...on(host)]);
    await new Promise((resume) => setTimeout(resume, 100));
    const moved = JSON.parse((await toyvmm(["vm", "info", "spin", "--json", ...on(host)])).stdout) as { ticks: number };
    expect(moved.ticks).toBeGreaterThan(at);
    await toyvmm(["vm", "stop", "spin", ...on(host)]);
  });

  it("saves a VM on one host and restores it on another: the same console and ticks as a run never stopped", async () => {
    // 3.5 million ticks: 1.7 s at the paced host's 2M a second, so the pause lands mid-run even on a loaded machine.
    const args = "prog=sieve n=200000";
    const boot = await toyvmm(["boot", "solo", "--args", args, "--json"]);
    const ticks = (JSON.parse(boot.stdout) as { vms: { ticks: number }[] }).vms[0]!.ticks;
    const file = join(tempFolder(), "solo.snap");

    await toyvmm(["vm", "start", "solo", "--args", args, "--name", "moving", ...on(paced)]);
    await ticking("moving", paced);
    await toyvmm(["vm", "pause", "moving", ...on(paced)]);
    const before = await toyvmm(["vm", "console", "moving", "--no-follow", ...on(paced)]);
    const saved = await toyvmm(["vm", "save", "moving", file, ...on(paced)]);
    expect(saved.stdout).toMatch(/^moving saved to .*solo\.snap \(\d+ (B|KiB) at tick (\d+)\); it left host default\n$/);
    const at = Number(/at tick (\d+)/.exec(saved.stdout)![1]);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(ticks);
    expect((await toyvmm(["vm", "list", "--json", ...on(paced)])).stdout).not.toContain('"moving"');

    const restored = await toyvmm(["vm", "restore", file, ...on(host)]);
    expect(restored.stdout).toBe(`moving restored on host default at tick ${at}\n`);
    const after = await toyvmm(["vm", "console", "moving", ...on(host)]);
    expect(before.stdout + after.stdout).toBe(boot.stderr);
    const info = JSON.parse((await toyvmm(["vm", "info", "moving", "--json", ...on(host)])).stdout) as { ticks: number };
    expect(info.ticks).toBe(ticks);
    await toyvmm(["vm", "stop", "moving", ...on(host)]);

    const again = await toyvmm(["vm", "save", "nope", file, ...on(host)]);
    expect(singleLine(again.stderr)).toMatch(/^toyvmm: nope: no such VM/);
  });

  it("migrates a VM from a host on its socket to one reached over TCP, the token file going with the TCP side", async () => {
    const token = tokenFile(tempFolder());
    const remote = await startHost(["--name", "tcp-b", "--speed", "2M", "--control-tcp", "127.0.0.1:0", "--token-file", token, "--migrate-listen", "127.0.0.1:0"]);
    try {
      const tcp = ["--host", `127.0.0.1:${remote.port}`, "--token-file", token];
      expect((await toyvmm(["vm", "start", "programs/memwriter.s", "--args", "pages=64 rate=20000 iters=4000", "--name", "far", ...on(paced)])).code).toBe(0);
      await ticking("far", paced);
      const moved = await toyvmm(["vm", "migrate", "far", "--from", paced.socket, "--to", `127.0.0.1:${remote.port}`, "--token-file", token, "--strategy", "stop-copy"]);
      expect(moved.stderr).toBe("");
      expect(moved.stdout).toMatch(/^far migrated from \S+ to tcp-b \(stop-copy: /);
      expect(JSON.parse((await toyvmm(["vm", "info", "far", "--json", ...tcp])).stdout)).toMatchObject({ name: "far", state: "running" });
      expect((await toyvmm(["vm", "stop", "far", ...tcp])).code).toBe(0);
      const both = await toyvmm(["vm", "list", "--host", paced.socket, "--token-file", token]);
      expect(singleLine(both.stderr)).toMatch(/--token-file goes with a TCP --host/);
    } finally {
      await remote.stop();
    }
  });

  it("vm migrate --predict with --compress says the host's prediction is of plain pages", async () => {
    expect((await toyvmm(["vm", "start", "programs/memwriter.s", "--args", "pages=64 rate=20000 iters=4000", "--name", "squeezed", ...on(paced)])).code).toBe(0);
    await ticking("squeezed", paced);
    const to = await startHost(["--migrate-listen", "127.0.0.1:0"]);
    try {
      const moved = await toyvmm(["vm", "migrate", "squeezed", "--from", paced.socket, "--to", to.socket, "--bandwidth", "2MB/s", "--compress", "--predict", "--calc-time", "100ms", "--strategy", "stop-copy"]);
      expect(moved.code, moved.stderr).toBe(0);
      expect(moved.stderr).toMatch(/\nmodel: stop-and-copy, plain pages \(\d+ bytes a page\)\nprediction: 1 round, /);
      expect(moved.stderr).toMatch(/\n  outside the model \(unsampled\): with XBZRLE or compression: the host does not sample its page encoder/);
      expect((await toyvmm(["vm", "stop", "squeezed", ...on(to)])).code).toBe(0);
    } finally {
      await to.stop();
    }
  });

  it("exits with the guest's status when it ended badly, saying how", async () => {
    await toyvmm(["vm", "start", "solo", "--args", "prog=bad", "--name", "bad", ...on(host)]);
    const watched = await toyvmm(["vm", "console", "bad", ...on(host)]);
    expect(watched.code).toBe(1);
    expect(singleLine(watched.stderr)).toBe("toyvmm: bad: exited with status 1");
    await toyvmm(["vm", "stop", "bad", ...on(host)]);
  });

  it("sends a program's input at its start, and a guest's from stdin as it follows", async () => {
    const prog = await toyvmm(["vm", "start", "programs/strings.s", "--input", "-", "--json", ...on(host)], "a few words here\n");
    expect(JSON.parse(prog.stdout)).toMatchObject({ name: "strings", kind: "process" });
    expect((await toyvmm(["vm", "console", "strings", ...on(host)])).stdout).toContain("A FEW WORDS HERE");
    await toyvmm(["vm", "stop", "strings", ...on(host)]);

    await toyvmm(["vm", "start", resolve("tests/host/fixtures/typist.s"), ...on(host)]);
    const typed = await toyvmm(["vm", "console", "typist", ...on(host)], "shout this\n");
    expect(typed).toMatchObject({ code: 0, stdout: "SHOUT THIS\n" });
    await toyvmm(["vm", "stop", "typist", ...on(host)]);
  });

  it("says in one line that no host is there, and how to start one", async () => {
    const socket = join(tempFolder(), "none.sock");
    const r = await toyvmm(["vm", "list", "--host", socket]);
    expect(r.code).toBe(1);
    expect(singleLine(r.stderr)).toBe(`toyvmm: no host at ${socket} (start one with toyvmm host --control ${socket})`);
  });

  it.each([
    [["vm", "frobnicate"], "unknown action"],
    [["vm", "info"], "vm info needs VM"],
    [["vm", "list", "extra"], "vm list takes no arguments"],
    [["vm", "list", "--paused"], "--paused goes with vm start and vm restore"],
    [["vm", "info", "x", "--no-follow"], "--no-follow goes with vm console"],
    [["vm", "list", "--host", "1.2.3.4:99"], "needs --token-file"],
  ])("refuses %j in one line", async (argv, words) => {
    const r = await toyvmm([...argv]);
    expect(r.code).not.toBe(0);
    expect(singleLine(r.stderr)).toContain(words);
  });
});
