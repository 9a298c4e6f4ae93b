/**
 * Convergence control between real host processes: the source host's scheduler applies
 * auto-converge's throttle and the dirty limit to the running guest (vmm/host/scheduler.ts,
 * through the real driver's `slow`). memwriter dirties 2,000 pages a second (8 MB/s) against a
 * 2 MB/s stream: without either, no round would shrink. The post-copy policy auto (the model's
 * decision, as on the virtual driver) turns it into post-copy instead. Each ends with the guest
 * at the destination as an unmigrated run.
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reference, type Guest } from "../migration/helpers.js";
import { requireBuild } from "./helpers.js";
import { consoleOf, endOf, migrateVm, startHosts, type MigrationHost } from "./migrate-helpers.js";

// One write every 50 ticks at the hosts' 100k ticks a second; 150 sweeps are 4.8 s unthrottled.
const WRITER: Guest & { name: string } = { name: "programs/memwriter.s", label: "memwriter", path: "programs/memwriter.s", args: "pages=64 rate=20000 iters=150", vm: "process" };
const BANDWIDTH = 2_000_000;

let hosts: MigrationHost[] = [];
beforeAll(async () => {
  requireBuild();
  hosts = await startHosts(["ca", "cb"]);
});
afterAll(async () => {
  for (const host of hosts) host.client.close();
  await Promise.all(hosts.map((host) => host.process.stop()));
});

/** Polls query-dirty-rate (bounded) until the measurement has ended. */
async function measuredOf(host: MigrationHost, vm: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const info = await host.client.call("query-dirty-rate", { vm });
    if (info.status === "measured") return info;
    if (Date.now() > deadline) throw new Error(`${vm}: the dirty-rate measurement did not end`);
    await new Promise((resume) => setTimeout(resume, 20));
  }
}

/** Waits (bounded) until the writer has swept its working set twice: every page holds data, whatever the machine's load. */
async function sweptTwice(host: MigrationHost, vm: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await host.client.call("query-status", { vm })).ticks < 600 + 2 * 64 * 50) {
    if (Date.now() > deadline) throw new Error(`${vm} did not run two sweeps in 10 s`);
    await new Promise((resume) => setTimeout(resume, 10));
  }
}

async function migrateWriter(vm: string, request: { autoConverge?: boolean; dirtyLimit?: number; postcopyAfter?: "auto"; bandwidth?: number }) {
  const [a, b] = hosts as [MigrationHost, MigrationHost];
  await a.client.call("vm-create", { guest: resolve(WRITER.name), name: vm, args: WRITER.args });
  await sweptTwice(a, vm);
  const info = await migrateVm(a, b, { vm, strategy: "pre-copy", bandwidth: BANDWIDTH, ...request });
  expect(info.status, String(info.detail)).toBe("completed");
  const status = await endOf(b, vm, 30_000);
  expect({ output: consoleOf(vm), ticks: status.ticks, memoryCrc: status.memoryCrc }).toEqual(reference(WRITER));
  return info.stats as unknown as {
    rounds: { throttle?: number; dirtyPagesPerSecond: number; pages: number; startNs: number; endNs: number }[];
    downtimeNs: number;
    totalNs: number;
    dirtyLimitHeldNs?: number;
    postcopySwitch?: { rounds: number; reason: string };
    postcopyRequests: number;
  };
}

describe("convergence control on a real host", () => {
  it("auto-converge: the throttle rises 20%, then 10% more every two fast rounds, the guest dirties less, and pre-copy ends", async () => {
    const stats = await migrateWriter("throttled", { autoConverge: true });
    const throttles = stats.rounds.map((r) => r.throttle);
    expect(throttles.slice(0, 2)).toEqual([0, 0]);
    expect(throttles).toContain(20);
    expect(Math.max(...(throttles as number[]))).toBeGreaterThanOrEqual(30);
    // the throttle the scheduler applied shows in what the guest dirtied per second
    const at = (t: number) => stats.rounds.filter((r) => r.throttle === t && r.dirtyPagesPerSecond > 0).map((r) => r.dirtyPagesPerSecond);
    const highest = Math.max(...(throttles as number[]).filter((t) => at(t).length > 0));
    expect(Math.min(...at(highest))).toBeLessThan(Math.max(...at(0)));
  }, 60_000);

  it("the dirty limit: over the live rounds the guest dirties at the limit, a tenth of its own rate", async () => {
    const limit = 200;
    const stats = await migrateWriter("limited", { dirtyLimit: limit });
    // Per round a millisecond's credit and the host's slices let a short round run over; over all of them it holds.
    const live = stats.rounds.slice(0, -1);
    const seconds = live.reduce((n, r) => n + (r.endNs - r.startNs) / 1e9, 0);
    const dirtied = live.reduce((n, r) => n + (r.dirtyPagesPerSecond * (r.endNs - r.startNs)) / 1e9, 0);
    expect(dirtied / seconds, JSON.stringify(stats.rounds)).toBeLessThanOrEqual(limit * 1.2);
    expect(stats.rounds.length).toBeLessThanOrEqual(6);
    // How long the limit held the guest, as query-migrate reports it: most of the live rounds, since it may dirty a tenth of its rate.
    const liveNs = live.reduce((n, r) => n + (r.endNs - r.startNs), 0);
    expect(stats.dirtyLimitHeldNs).toBeGreaterThan(liveNs / 2);
    expect(stats.dirtyLimitHeldNs).toBeLessThanOrEqual(stats.totalNs);
  }, 60_000);

  it("postcopyAfter auto: the engine's model switches to post-copy where the rounds cannot shrink, and says why", async () => {
    // 8 MB/s dirtied against a 500 kB/s stream, so that a guest slowed by a loaded machine still outruns it:
    // an early round's end shows it (round 0 may fit the token bucket's burst and measure the link fast).
    const stats = await migrateWriter("switched", { postcopyAfter: "auto", bandwidth: 500_000 });
    const rounds = stats.postcopySwitch?.rounds ?? 0;
    expect(rounds).toBeGreaterThanOrEqual(1);
    expect(rounds).toBeLessThanOrEqual(3);
    expect(stats.postcopySwitch!.reason).toMatch(new RegExp(`^after round ${rounds - 1} the guest dirties \\d+\\.\\d MB/s(, at least the \\d+\\.\\d MB/s the link moves: rounds cannot shrink| of the link's \\d+\\.\\d MB/s: .+ more rounds to fit the target, \\d+ left)$`));
    expect(stats.dirtyLimitHeldNs).toBeUndefined();
  }, 60_000);

  it("calc-dirty-rate measures a running VM on its host; dirty-bitmap is refused while it migrates, page-sampling is not", async () => {
    const [a, b] = hosts as [MigrationHost, MigrationHost];
    const vm = "measured";
    await a.client.call("vm-create", { guest: resolve(WRITER.name), name: vm, args: WRITER.args });
    await expect(a.client.call("query-dirty-rate", { vm })).rejects.toThrow(`query-dirty-rate: ${vm}: no dirty rate was measured; start with calc-dirty-rate`);
    expect(await a.client.call("calc-dirty-rate", { vm, calcTimeMs: 300 })).toMatchObject({ vm, status: "measuring", mode: "dirty-bitmap" });
    await expect(a.client.call("calc-dirty-rate", { vm })).rejects.toThrow(/a measurement is already running/);
    const measured = await measuredOf(a, vm);
    // 2,000 pages a second at full speed, over all 64 pages of its working set (the wall clock of a busy machine may slow it)
    expect(measured.dirtyPagesPerSecond).toBeGreaterThan(1000);
    expect(measured.dirtyPagesPerSecond).toBeLessThan(2600);
    expect(measured.workingSetPages).toBeGreaterThanOrEqual(64);
    expect(measured.windowNs).toBeGreaterThanOrEqual(300e6);
    expect(measured.memoryBytes).toBeGreaterThan(64 * 4096);
    expect(measured.stateBytes).toBeGreaterThan(100);
    expect(measured.dirtyRate).toBeCloseTo((measured.dirtyPagesPerSecond * 4114) / 1e6, 1);
    // during a migration (a slow one)
    const slot = await b.client.call("migrate-incoming", { vm });
    await a.client.call("migrate", { vm, to: slot.address, token: slot.token, strategy: "pre-copy", bandwidth: 200_000 });
    await expect(a.client.call("calc-dirty-rate", { vm, calcTimeMs: 100 })).rejects.toThrow(`calc-dirty-rate: ${vm} is migrating, and pre-copy needs its dirty bitmap; measure with mode page-sampling`);
    await a.client.call("calc-dirty-rate", { vm, calcTimeMs: 100, mode: "page-sampling", samplePages: 4096 });
    const sampled = await measuredOf(a, vm);
    expect(sampled.mode).toBe("page-sampling");
    expect(sampled.workingSetPages).toBeGreaterThan(0);
    await a.client.call("migrate-cancel", { vm });
    await a.client.call("vm-destroy", { vm });
  }, 30_000);

  it("the control API checks the parameters", async () => {
    const [a] = hosts as [MigrationHost];
    await a.client.call("vm-create", { guest: resolve(WRITER.name), name: "checked", args: WRITER.args });
    await expect(a.client.call("migrate", { vm: "checked", to: "127.0.0.1:1", token: "t", strategy: "post-copy", autoConverge: true })).rejects.toThrow(
      "migrate: autoConverge controls pre-copy's rounds; it goes with strategy pre-copy",
    );
    await expect(a.client.call("migrate", { vm: "checked", to: "127.0.0.1:1", token: "t", dirtyLimit: -1 })).rejects.toThrow(/dirtyLimit/);
    await expect(a.client.call("migrate", { vm: "checked", to: "127.0.0.1:1", token: "t", strategy: "stop-copy", postcopyAfter: "auto" })).rejects.toThrow(
      "migrate: postcopyAfter turns a pre-copy into post-copy; it goes with strategy pre-copy",
    );
    await expect(a.client.call("migrate", { vm: "checked", to: "127.0.0.1:1", token: "t", postcopyAfter: "soon" as unknown as "auto" })).rejects.toThrow(/postcopyAfter/);
    await a.client.call("vm-destroy", { vm: "checked" });
    expect(await a.client.call("query-migrate-parameters", {})).toMatchObject({ autoConverge: false, dirtyLimit: 0 });
  });
});
