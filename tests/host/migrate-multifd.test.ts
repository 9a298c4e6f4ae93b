/**
 * Multifd between real host processes: the pages of a pre-copy or stop-and-copy on extra TCP
 * connections (vmm/migration/real/multifd.ts). The VM ends at the destination as an unmigrated
 * run even when one channel crawls (a page sent again in a later round is never overwritten by
 * an older copy still on its way); a channel cut mid-migration fails it cleanly, naming the
 * channel, and the VM goes on at the source; post-copy with channels is refused.
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MigrationStats } from "../../vmm/migration/stats.js";
import { FaultProxy, type Fault } from "../helpers/fault-proxy.js";
import { reference, type Guest } from "../migration/helpers.js";
import { requireBuild } from "./helpers.js";
import { consoleOf, endOf, migrateVm, migrationEnd, type MigrationHost, startHosts } from "./migrate-helpers.js";

/** 200 pages (several slabs of page frames, so every channel gets some), dirtied through several rounds. */
const WRITER: Guest & { name: string } = { name: "programs/memwriter.s", label: "memwriter", path: "programs/memwriter.s", args: "pages=200 rate=20000 iters=20", vm: "process" };
/** The connections a migration opens, in order (the fault proxy numbers them so): the stream, the urgent lane, then the channels. */
const FIRST_CHANNEL_CONNECTION = 2;

let hosts: MigrationHost[] = [];
const proxies: FaultProxy[] = [];
beforeAll(async () => {
  requireBuild();
  hosts = await startHosts(["mfa", "mfb"]);
});
afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  for (const host of hosts) host.client.close();
  await Promise.all(hosts.map((host) => host.process.stop()));
});

const outcome = async (host: MigrationHost, vm: string) => {
  const status = await endOf(host, vm);
  return { output: consoleOf(vm), ticks: status.ticks, memoryCrc: status.memoryCrc };
};

/** Boots the writer on A and migrates it to B through a proxy with `faults`; resolves to A's final view. */
async function migrateThrough(vm: string, faults: Fault[], request: { strategy: "pre-copy"; bandwidth?: number; multifdChannels: number }) {
  const [a, b] = hosts as [MigrationHost, MigrationHost];
  await a.client.call("vm-create", { guest: resolve(WRITER.name), name: vm, args: WRITER.args });
  const slot = await b.client.call("migrate-incoming", { vm });
  const proxy = await FaultProxy.start(Number(slot.address.split(":")[1]), faults);
  proxies.push(proxy);
  await new Promise((resume) => setTimeout(resume, 100));
  await a.client.call("migrate", { vm, to: `127.0.0.1:${proxy.port}`, token: slot.token, ...request });
  return migrationEnd(a, vm, 20_000);
}

describe("vm migrate with multifd channels", () => {
  it("pre-copy over three channels: every channel carries pages, and the VM ends at the destination as an unmigrated run", async () => {
    const [a, b] = hosts as [MigrationHost, MigrationHost];
    const vm = "three-channels";
    await a.client.call("vm-create", { guest: resolve(WRITER.name), name: vm, args: WRITER.args });
    await new Promise((resume) => setTimeout(resume, 100));
    const info = await migrateVm(a, b, { vm, strategy: "pre-copy", bandwidth: 4_000_000, multifdChannels: 3 });
    expect(info.status, String(info.detail)).toBe("completed");
    const multifd = (info.stats as unknown as MigrationStats).multifd!;
    expect(multifd.channels).toBe(3);
    for (const bytes of multifd.channelBytes) expect(bytes).toBeGreaterThan(4096);
    expect(multifd.syncPoints).toBeGreaterThanOrEqual(2);
    expect(await outcome(b, vm)).toEqual(reference(WRITER));
  });

  it("one channel crawling: pages sent again in later rounds are never overwritten by their older copies", async () => {
    const [, b] = hosts as [MigrationHost, MigrationHost];
    const vm = "crawling-channel";
    // The proxy queues what it holds back, so the source goes on sending on both channels while channel 0 lags further behind.
    const crawl: Fault = { connection: FIRST_CHANNEL_CONNECTION, when: { afterBytes: 0 }, action: { throttle: 200_000 } };
    const info = await migrateThrough(vm, [crawl], { strategy: "pre-copy", bandwidth: 1_000_000, multifdChannels: 2 });
    expect(info.status, String(info.detail)).toBe("completed");
    const stats = info.stats as unknown as MigrationStats;
    expect(stats.rounds.length).toBeGreaterThan(1);
    expect(stats.pagesResent).toBeGreaterThan(0);
    // The destination checked the memory CRC against the source's at the completion: it had every page's newest copy.
    expect(await outcome(b, vm)).toEqual(reference(WRITER));
  });

  it("a channel cut mid-migration: failed, naming the channel, and the VM goes on at the source; the destination keeps nothing", async () => {
    const [a, b] = hosts as [MigrationHost, MigrationHost];
    const vm = "cut-channel";
    const cut: Fault = { connection: FIRST_CHANNEL_CONNECTION + 1, when: { afterBytes: 10_000 }, action: "reset" };
    const info = await migrateThrough(vm, [cut], { strategy: "pre-copy", bandwidth: 2_000_000, multifdChannels: 2 });
    expect(info.status).toBe("failed");
    expect(info.detail).toMatch(/multifd channel 1/);
    expect(info.detail).toMatch(/the guest goes on at the source/);
    expect(await outcome(a, vm)).toEqual(reference(WRITER));
    expect((await b.client.call("query-vms", {})).map((v) => v.name)).not.toContain(vm);
    expect((await migrationEnd(b, vm)).status).toBe("failed");
  });

  it("a pre-copy on channels that turns into post-copy: the rest of its pages follow on the stream, and the VM ends as an unmigrated run", async () => {
    const [a, b] = hosts as [MigrationHost, MigrationHost];
    const vm = "channels-then-postcopy";
    await a.client.call("vm-create", { guest: resolve(WRITER.name), name: vm, args: WRITER.args });
    await new Promise((resume) => setTimeout(resume, 100));
    const statuses: string[] = [];
    const unlisten = a.client.onEvent((event) => event.event === "MIGRATION" && event.data.vm === vm && statuses.push(event.data.status));
    const info = await migrateVm(a, b, { vm, strategy: "pre-copy", bandwidth: 1_000_000, multifdChannels: 2, postcopyAfter: { rounds: 1 } });
    unlisten();
    expect(info.status, String(info.detail)).toBe("completed");
    expect(statuses).toContain("postcopy-active");
    expect((info.stats as unknown as MigrationStats).multifd!.syncPoints).toBeGreaterThanOrEqual(2);
    expect(await outcome(b, vm)).toEqual(reference(WRITER));
  });

  it("the host's parameter: migrate-set-parameters keeps the channel count for the migrations after it", async () => {
    const [a, b] = hosts as [MigrationHost, MigrationHost];
    const vm = "by-parameter";
    expect((await a.client.call("migrate-set-parameters", { multifdChannels: 2 })).multifdChannels).toBe(2);
    expect((await a.client.call("query-migrate-parameters", {})).multifdChannels).toBe(2);
    try {
      await a.client.call("vm-create", { guest: resolve(WRITER.name), name: vm, args: WRITER.args });
      await new Promise((resume) => setTimeout(resume, 100));
      const info = await migrateVm(a, b, { vm, strategy: "stop-copy" });
      expect(info.status, String(info.detail)).toBe("completed");
      expect((info.stats as unknown as MigrationStats).multifd?.channels).toBe(2);
      expect(await outcome(b, vm)).toEqual(reference(WRITER));
    } finally {
      await a.client.call("migrate-set-parameters", { multifdChannels: 0 });
    }
  });

  it("post-copy with channels, or too many channels: refused in one line, and the VM stays where it is", async () => {
    const [a, b] = hosts as [MigrationHost, MigrationHost];
    const vm = "refused-channels";
    await a.client.call("vm-create", { guest: resolve(WRITER.name), name: vm, args: WRITER.args });
    const slot = await b.client.call("migrate-incoming", { vm });
    await expect(a.client.call("migrate", { vm, to: slot.address, token: slot.token, strategy: "post-copy", multifdChannels: 2 })).rejects.toThrow(
      /multifdChannels carry the pages of stop-copy and pre-copy/,
    );
    await expect(a.client.call("migrate", { vm, to: slot.address, token: slot.token, strategy: "pre-copy", multifdChannels: 99 })).rejects.toThrow(/multifdChannels/);
    expect(await outcome(a, vm)).toEqual(reference(WRITER));
    await b.client.call("migrate-cancel", { vm });
  });
});
