/**
 * Convergence control (vmm/migration/protocol/converge.ts, pacer.ts): auto-converge, the dirty
 * limit, the post-copy policies and cancel, on memwriter dirtying its 512 pages faster than a
 * 100 MB/s link can settle them within a 5 ms target; every run ends with memwriter's memory
 * check where the guest then runs.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../../vmm/cli/main.js";
import { checkAfterMigration } from "../../vmm/experiment/check.js";
import { migrate } from "../../vmm/migration/engine.js";
import { ANY_HOST } from "../../vmm/migration/index.js";
import type { MigrationOptions } from "../../vmm/migration/options.js";
import { wontConverge } from "../../vmm/migration/protocol/converge.js";
import { startProcess } from "../../vmm/migration/process-vm.js";
import { image, MEMWRITER } from "./helpers.js";

const SPEED = 100_000_000;
/** memwriter at `rate` writes per 10^6 instructions, migrated as a sweep starts (after one whole sweep). */
function run(rate: number, options: Partial<MigrationOptions>) {
  const vm = startProcess({ name: "memwriter", image: image(MEMWRITER), args: `pages=512 rate=${rate} iters=0`, memorySize: 4 << 20 });
  expect(vm.run(600 + 512 * (1_000_000 / rate) + 10).reason).toBe("budget");
  const result = migrate(vm, { strategy: "pre-copy", host: ANY_HOST, latencyNs: 100_000, downtimeTargetNs: 5_000_000, ...options });
  return { result, stats: result.stats, memcheck: checkAfterMigration(image(MEMWRITER), result.vm) };
}

describe("convergence control", () => {
  it("is off by default: the statistics carry none of its fields, and switching them off explicitly changes nothing", () => {
    const plain = run(400, {});
    const off = run(400, { autoConverge: false, dirtyLimit: 0, postcopyPolicy: "never" });
    expect(JSON.stringify(off.stats)).toBe(JSON.stringify(plain.stats));
    expect(plain.stats.rounds.every((r) => !("throttle" in r))).toBe(true);
    expect("postcopySwitch" in plain.stats || "dirtyLimitHeldNs" in plain.stats).toBe(false);
    expect(plain.stats.downtimeNs).toBeGreaterThan(5_000_000); // the problem the rest solve
  });

  it("auto-converge throttles 20%, then 10% more every two fast rounds, until pre-copy fits the target", () => {
    const { stats, memcheck } = run(400, { autoConverge: true });
    expect(stats.status).toBe("completed");
    expect(stats.downtimeNs).toBeLessThanOrEqual(5_000_000);
    const throttles = stats.rounds.map((r) => r.throttle!);
    expect(throttles.slice(0, 3)).toEqual([0, 0, 20]);
    throttles.forEach((t, i) => {
      expect(t).toBeLessThanOrEqual(99);
      if (i > 0) expect([0, 10]).toContain(t - throttles[i - 1]! - (t === 20 && throttles[i - 1] === 0 ? 10 : 0));
    });
    expect(memcheck).toBe("ok");
  });

  it("a throttled guest runs that much slower; the throttle stops at its maximum", () => {
    const { stats } = run(2000, { autoConverge: { initial: 50, increment: 45, max: 95 }, maxRounds: 12 });
    const throttles = stats.rounds.map((r) => r.throttle!);
    expect(Math.max(...throttles)).toBe(95);
    expect(throttles).toContain(50);
    // the guest's share of the whole migration is below what it would run unthrottled
    expect(stats.guestTicksDuringMigration).toBeLessThan((stats.totalNs * SPEED) / 1e9);
  });

  it("the dirty limit caps the guest's dirtying, not its speed, and the migration fits the target", () => {
    const limit = 5000;
    const { stats, memcheck } = run(400, { dirtyLimit: limit });
    expect(stats.status).toBe("completed");
    expect(stats.downtimeNs).toBeLessThanOrEqual(5_000_000);
    for (const r of stats.rounds) expect(r.dirtyPagesPerSecond).toBeLessThanOrEqual(limit * 1.05);
    expect(stats.dirtyLimitHeldNs).toBeGreaterThan(0);
    expect(memcheck).toBe("ok");
  });

  it("policy auto switches to post-copy when the model says pre-copy cannot reach the target, and says why", () => {
    const { stats, memcheck } = run(400, { postcopyPolicy: "auto" });
    expect(stats.status).toBe("completed");
    expect(stats.postcopySwitch?.reason).toMatch(/^after round 1 the guest dirties [\d.]+ MB\/s, at least the [\d.]+ MB\/s the link moves: rounds cannot shrink$/);
    expect(stats.downtimeNs).toBeLessThan(1_000_000);
    expect(memcheck).toBe("ok");
    // a guest that converges is left to pre-copy
    const slow = run(25, { postcopyPolicy: "auto" });
    expect(slow.stats.postcopySwitch).toBeUndefined();
    expect(slow.stats.downtimeNs).toBeLessThanOrEqual(5_000_000);
  });

  it("the model's reason: too fast, too few rounds left, or nothing (it fits)", () => {
    const e = { round: 0, dirtyPagesPerSecond: 10_000, bandwidth: 100e6, remainingPages: 400, stateBytes: 2000, latencyNs: 100_000, downtimeTargetNs: 5_000_000, maxRounds: 30 };
    expect(wontConverge(e)).toBeNull();
    expect(wontConverge({ ...e, maxRounds: 2 })).toBe("after round 0 the guest dirties 41.1 MB/s of the link's 100.0 MB/s: 2 more rounds to fit the target, 1 left");
    expect(wontConverge({ ...e, dirtyPagesPerSecond: 30_000 })).toMatch(/rounds cannot shrink$/);
    expect(wontConverge({ ...e, remainingPages: 10 })).toBeNull();
  });

  it("policy after switches after the given rounds (virsh --postcopy-after-precopy); manual at the given time", () => {
    const after = run(400, { postcopyPolicy: "after", postcopyAfterRounds: 2 });
    expect(after.stats.postcopySwitch).toMatchObject({ rounds: 2, reason: "after 2 rounds (fixed)" });
    expect(after.memcheck).toBe("ok");
    const manual = run(400, { postcopyPolicy: "manual", startPostcopyAtNs: 10_000_000 });
    expect(manual.stats.postcopySwitch).toBeUndefined();
    expect(manual.stats.rounds[0]!.endNs).toBe(10_000_000);
    expect(manual.stats.downtimeNs).toBeLessThan(1_000_000);
    expect(manual.memcheck).toBe("ok");
  });

  it("cancel at any moment before the commit leaves the guest running at the source, memory intact; after post-copy's switch-over it is too late", () => {
    const whole = run(400, { autoConverge: true }).stats.totalNs;
    for (const at of [0, 1, 50_000, 5_000_000, 30_000_000, whole - 1_000_000]) {
      const { result, stats, memcheck } = run(400, { autoConverge: true, cancelAtNs: at });
      expect(stats.status, `cancel at ${at}`).toBe("failed");
      expect(stats.error).toMatch(/^cancelled during (setup|round \d+|stop-and-copy); the guest goes on at the source$/);
      expect(result.migrated).toBe(false);
      expect(memcheck).toBe("ok");
      const ticks = result.vm.ticks;
      expect(result.vm.run(1000).reason).toBe("budget");
      expect(result.vm.ticks).toBe(ticks + 1000);
    }
    const late = run(400, { postcopyPolicy: "after", postcopyAfterRounds: 1, cancelAtNs: 30_000_000 });
    expect(late.stats.status).toBe("completed");
    expect(late.memcheck).toBe("ok");
  });

  it("toyvmm migrate: the options are refused with another strategy, and print the throttle and the switch", async () => {
    const text = (t: string | Uint8Array) => (typeof t === "string" ? t : new TextDecoder().decode(t));
    const cli = async (...extra: string[]) => {
      const err: string[] = [];
      const io = { stdout: { write: () => true }, stderr: { write: (t: string | Uint8Array) => err.push(text(t)) } };
      const base = ["migrate", MEMWRITER, "--memory", "4MiB", "--latency", "100us", "--args", "pages=512 rate=400 iters=0", "--at", "1280610", "--downtime-target", "5ms", "--max-ticks", "6000000"];
      return { status: await runCli([...base, ...extra], io), err: err.join("") };
    };
    expect(await cli("--strategy", "post-copy", "--auto-converge")).toEqual({ status: 1, err: "toyvmm: --auto-converge: controls pre-copy's rounds; give --strategy pre-copy\n" });
    expect((await cli("--postcopy-after", "0")).err).toBe("toyvmm: --postcopy-after 0: expected a whole number of rounds ≥ 1, with --postcopy-policy after\n");
    expect((await cli("--postcopy-policy", "auto", "--postcopy-at", "1ms")).err).toBe("toyvmm: --postcopy-at: is the manual policy's moment; it does not go with --postcopy-policy auto\n");
    const ac = await cli("--auto-converge");
    expect(ac.err).toMatch(/dirty pages\/s {2}throttle\n +0 .* 0%\n/);
    const auto = await cli("--postcopy-policy", "auto");
    expect(auto.err).toMatch(/switched to post-copy +at [\d.]+ ms, after round 1 the guest dirties/);
    const cancel = await cli("--cancel-at", "5ms");
    expect(cancel.err).toMatch(/status +failed \(cancelled during round 0; the guest goes on at the source\)/);
  });
});
