/**
 * The real driver with the connection broken on purpose (tests/helpers/fault-proxy.ts between
 * the hosts). Before the commit — every stop-copy and pre-copy fault here, and post-copy's
 * before its switch-over — the migration ends `failed` with the reason on the source, the
 * destination drops what it built, and the guest goes on at the source and ends as an
 * unmigrated run. After post-copy's commit both sides pause and the source reconnects by
 * itself (or when told to): no page is lost, none arrives twice, and the guest ends the same.
 */
import { afterEach, describe, expect, it } from "vitest";
import { FaultProxy, type Fault } from "../helpers/fault-proxy.js";
import { reference } from "./helpers.js";
import { closeRun, finish, type RealRun, results, startRealMigration, until, within, WRITER } from "./real-helpers.js";
import type { OutgoingOptions } from "../../vmm/migration/real/outgoing.js";

let run: RealRun | null = null;
let proxy: FaultProxy | null = null;
afterEach(async () => {
  await closeRun(run);
  await proxy?.close();
  run = proxy = null;
});

/** A migration through a proxy with these faults. */
async function faulted(faults: Fault[], options: Omit<OutgoingOptions, "host" | "port" | "token">, stallTimeoutMs?: number): Promise<RealRun> {
  const via = async (target: number) => (proxy = await FaultProxy.start(target, faults)).port;
  run = await startRealMigration(WRITER, 20_000, { ...options, via, ...(stallTimeoutMs ? { stallTimeoutMs } : {}) }, stallTimeoutMs ? { stallTimeoutMs } : {});
  return run;
}

/** Failed before the commit: the reason on both sides, the guest on at the source and unharmed. */
async function expectFailedAtSource(r: RealRun, reason: RegExp): Promise<void> {
  const [out, incoming] = await results(r);
  expect(out.status).toBe("failed");
  expect(out.migrated).toBe(false);
  expect(out.error).toMatch(reason);
  expect(out.error).toMatch(/; the guest goes on at the source$/);
  expect(out.error).not.toContain("\n");
  expect(incoming.status).toBe("failed");
  expect(incoming.guest).toBeNull();
  expect(r.dest()?.vm.destroyed ?? true).toBe(true);
  expect(r.source.vm.destroyed).toBe(false);
  expect(await finish(r, out)).toEqual(reference(WRITER));
}

describe.each(["stop-copy", "pre-copy"] as const)("%s through a broken connection", (strategy) => {
  it("reset after 60,000 bytes: failed, and the guest goes on at the source", async () => {
    await expectFailedAtSource(await faulted([{ connection: 0, when: { afterBytes: 60_000 }, action: "reset" }], { strategy }), /the stream: reset by the peer/);
  });

  it("reset as the state passes: failed, and the guest goes on at the source", async () => {
    await expectFailedAtSource(await faulted([{ connection: 0, when: { frame: "state" }, action: "reset" }], { strategy }), /the stream: /);
  });

  it("truncated inside the completion frame: failed, and the guest goes on at the source", async () => {
    await expectFailedAtSource(await faulted([{ connection: 0, when: { frame: "complete" }, action: "truncate" }], { strategy }), /the stream: /);
  });

  it("the destination's acknowledgement reset on the way back: failed, the destination in doubt, never running", async () => {
    const r = await faulted([{ connection: 1, direction: "back", when: { frame: "started" }, action: "reset" }], { strategy });
    const out = await within(r.out.result, 10_000, "the source ending");
    expect(out.status).toBe("failed");
    expect(out.error).toMatch(/the urgent lane: /);
    await until(() => r.slot.status === "in-doubt", 5_000, "the destination in doubt");
    expect(r.dest()!.running).toBe(false);
    r.slot.cancel();
    expect((await within(r.slot.result, 5_000, "the destination ending")).status).toBe("cancelled");
    expect(r.dest()!.vm.destroyed).toBe(true);
    expect(await finish(r, out)).toEqual(reference(WRITER));
  });

  it("a frame of pages damaged on the way: the destination refuses it in one line, which the source reports", async () => {
    const r = await faulted([{ connection: 0, when: { frame: "pages" }, action: "corrupt" }], { strategy });
    await expectFailedAtSource(r, /^migration stream: frame \d+ \(pages\): checksum mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\); the guest goes on at the source$/);
    expect((await r.slot.result).error).toMatch(/^migration stream: frame \d+ \(pages\): checksum mismatch/);
  });

  it("a byte of a run of pages damaged on the way, read straight into guest memory: refused all the same", async () => {
    // Past the setup, inside the first run of pages (the guest's program and the pages it writes).
    const r = await faulted([{ connection: 0, when: { afterBytes: 200_000 }, action: "corrupt" }], { strategy });
    await expectFailedAtSource(r, /^migration stream: frame \d+ \(pages\): checksum mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\); the guest goes on at the source$/);
  });

  it("stalled after 40,000 bytes: failed once nothing moved for the stall time", async () => {
    await expectFailedAtSource(await faulted([{ connection: 0, when: { afterBytes: 40_000 }, action: "stall" }], { strategy }, 300), /stalled|nothing arrived|closed/);
  });
});

describe("stop-copy through a slow connection", () => {
  it("a run of pages that takes longer to arrive than the stall time, bytes coming all along: not a stall", async () => {
    // 500 kB/s: the guest's longest run (more than 64 pages, one frame) takes over half a second
    // to reach the destination, which counts 250 ms without a byte as a stall.
    const via = async (target: number) => (proxy = await FaultProxy.start(target, [{ connection: 0, when: { afterBytes: 0 }, action: { throttle: 500_000 } }])).port;
    const r = (run = await startRealMigration(WRITER, 20_000, { strategy: "stop-copy", via }, { stallTimeoutMs: 250 }));
    const [out] = await results(r);
    expect(out.status, String(out.error)).toBe("completed");
    expect(await finish(r, out)).toEqual(reference(WRITER));
  });
});

describe("pre-copy through a throttled connection", () => {
  it("completes at the throttled rate, measured on the wire", async () => {
    const r = await faulted([{ connection: 0, when: { afterBytes: 0 }, action: { throttle: 2_000_000 } }], { strategy: "pre-copy" });
    const [out] = await results(r);
    expect(out.status, String(out.error)).toBe("completed");
    expect(await finish(r, out)).toEqual(reference(WRITER));
  });
});

describe("post-copy through a broken connection", () => {
  // 2 MB/s: pages still travel for a while after the commit (the 50th page frame leaves about
  // 100 ms after the state, the last about 500 ms). A fault "after the commit" waits for the
  // source's commit too: on a loaded machine the destination may say `started` after that 50th.
  const slow = { strategy: "post-copy" as const, bandwidth: 2_000_000, reconnectDelayMs: { first: 20, max: 200 } };
  const afterCommit = { frame: "page" as const, nth: 50 };
  const committed = () => run?.out.stats.runsOn === "destination";

  it("reset before the switch-over (as the state passes): failed, and the guest goes on at the source", async () => {
    await expectFailedAtSource(await faulted([{ connection: 0, when: { frame: "state" }, action: "reset" }], slow), /the stream: /);
  });

  it("reset after the commit: both sides pause, the source reconnects, no page lost or sent twice", async () => {
    const r = await faulted([{ connection: 0, when: afterCommit, armed: committed, action: "reset" }], slow);
    const [out, incoming] = await results(r);
    expect(out.status, String(out.error)).toBe("completed");
    expect(incoming.status, String(incoming.error)).toBe("completed");
    expect(r.statuses.source).toContain("postcopy-paused");
    expect(r.statuses.destination).toContain("postcopy-paused");
    expect(out.stats.linkCuts).toHaveLength(1);
    expect(incoming.stats.pagesReceivedMoreThanOnce).toBe(0);
    expect(proxy!.connections).toBe(4);
    expect(await finish(r, out)).toEqual(reference(WRITER));
  });

  it("a page damaged after the destination took the guest: it drops the connection and waits, the source reconnects", async () => {
    const r = await faulted([{ connection: 0, when: afterCommit, armed: committed, action: "corrupt" }], slow);
    const [out, incoming] = await results(r);
    expect(out.status, String(out.error)).toBe("completed");
    // The commit travels on the urgent lane, so the damaged page may come before it: the
    // destination has said `started` and must wait (in doubt), not fail, or no copy would run.
    expect(r.statuses.destination.filter((s) => s === "postcopy-paused" || s === "in-doubt")).not.toEqual([]);
    expect(incoming.stats.pagesReceivedMoreThanOnce).toBe(0);
    expect(await finish(r, out)).toEqual(reference(WRITER));
  });

  it("the commit itself lost: the destination waits in doubt, the reconnection says it again", async () => {
    const r = await faulted([{ connection: 1, when: { frame: "commit" }, action: "reset" }], slow);
    const [out, incoming] = await results(r);
    expect(out.status, String(out.error)).toBe("completed");
    expect(r.statuses.destination).toContain("in-doubt");
    expect(incoming.stats.pagesReceivedMoreThanOnce).toBe(0);
    expect(await finish(r, out)).toEqual(reference(WRITER));
  });

  it("stalled after the commit: noticed within the stall time, then recovered", async () => {
    const r = await faulted([{ connection: 0, when: afterCommit, armed: committed, action: "stall" }], slow, 300);
    const [out, incoming] = await results(r);
    expect(out.status, String(out.error)).toBe("completed");
    expect(incoming.stats.pagesReceivedMoreThanOnce).toBe(0);
    expect(await finish(r, out)).toEqual(reference(WRITER));
  });

  it("recovers on an explicit recover() when the automatic retry is far off", async () => {
    const r = await faulted([{ connection: 0, when: afterCommit, armed: committed, action: "reset" }], { ...slow, reconnectDelayMs: { first: 60_000, max: 60_000 } });
    await until(() => r.out.status === "postcopy-paused", 5_000, "the source paused");
    r.out.recover();
    const [out] = await results(r);
    expect(out.status, String(out.error)).toBe("completed");
    expect(await finish(r, out)).toEqual(reference(WRITER));
  });
});

describe("a destination that goes away before the commit", () => {
  it("pre-copy: the listener closes mid-stream; failed, and the guest goes on at the source", async () => {
    const r = await faulted([], { strategy: "pre-copy", bandwidth: 2_000_000 });
    await until(() => r.out.stats.progress.length > 0, 5_000, "the first progress");
    await r.listener.close();
    const out = await within(r.out.result, 10_000, "the source ending");
    expect(out.status).toBe("failed");
    expect(out.error).toMatch(/^the (stream|urgent lane): .*; the guest goes on at the source$/);
    expect(r.dest()?.running ?? false).toBe(false);
    expect(await finish(r, out)).toEqual(reference(WRITER));
  });
});
