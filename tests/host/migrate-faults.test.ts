/**
 * A migration between real host processes through a proxy that resets the connection: a
 * pre-copy fails and the VM goes on at the source; a post-copy reset after its commit pauses
 * both sides and the source reconnects. Either way the guest ends as an unmigrated run, once.
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MigrationInfo } from "../../vmm/host/protocol-migrate.js";
import { FaultProxy, type Fault } from "../helpers/fault-proxy.js";
import { reference } from "../migration/helpers.js";
import { requireBuild } from "./helpers.js";
import { consoleOf, endOf, HOST_GUESTS, startHosts, type MigrationHost } from "./migrate-helpers.js";

const WRITER = HOST_GUESTS.find((g) => g.label === "memwriter")!;
let hosts: MigrationHost[] = [];
const proxies: FaultProxy[] = [];
beforeAll(async () => {
  requireBuild();
  hosts = await startHosts(["fa", "fb"]);
});
afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  for (const host of hosts) host.client.close();
  await Promise.all(hosts.map((host) => host.process.stop()));
});

/** Boots memwriter on A as `vm` and migrates it to B through a proxy with `faults`; the statuses A went through, and its final view. */
async function migrateThrough(vm: string, faults: Fault[], request: { strategy: "pre-copy" | "post-copy"; bandwidth: number }) {
  const [a, b] = hosts as [MigrationHost, MigrationHost];
  const statuses: string[] = [];
  a.client.onEvent((event) => {
    if (event.event === "MIGRATION" && event.data.vm === vm) statuses.push(event.data.status);
  });
  await a.client.call("vm-create", { guest: resolve(WRITER.name), name: vm, args: WRITER.args });
  const slot = await b.client.call("migrate-incoming", { vm });
  const proxy = await FaultProxy.start(Number(slot.address.split(":")[1]), faults);
  proxies.push(proxy);
  await new Promise((resume) => setTimeout(resume, 60));
  await a.client.call("migrate", { vm, to: `127.0.0.1:${proxy.port}`, token: slot.token, ...request });
  const deadline = Date.now() + 10_000;
  let info: MigrationInfo;
  do {
    await new Promise((resume) => setTimeout(resume, 20));
    info = await a.client.call("query-migrate", { vm });
    if (Date.now() > deadline) throw new Error(`${vm}: the migration is still ${info.status}`);
  } while (!["completed", "failed", "cancelled"].includes(info.status));
  return { a, b, statuses, info };
}

describe("vm migrate through a broken connection", () => {
  it("pre-copy reset as the state passes: failed, and the VM goes on at the source", async () => {
    const { a, b, info } = await migrateThrough("reset-precopy", [{ connection: 0, when: { frame: "state" }, action: "reset" }], { strategy: "pre-copy", bandwidth: 2_000_000 });
    expect(info.status).toBe("failed");
    expect(info.detail).toMatch(/the stream/);
    const status = await endOf(a, "reset-precopy");
    expect({ output: consoleOf("reset-precopy"), ticks: status.ticks, memoryCrc: status.memoryCrc }).toEqual(reference(WRITER));
    expect((await b.client.call("query-vms", {})).map((vm) => vm.name)).not.toContain("reset-precopy");
  });

  it("post-copy reset after the commit: both sides pause, the source reconnects, the VM ends at the destination", async () => {
    const { a, b, statuses, info } = await migrateThrough("reset-postcopy", [{ connection: 0, when: { frame: "page", nth: 50 }, action: "reset" }], { strategy: "post-copy", bandwidth: 2_000_000 });
    expect(info.status, String(info.detail)).toBe("completed");
    expect(statuses).toContain("postcopy-paused");
    const status = await endOf(b, "reset-postcopy");
    expect({ output: consoleOf("reset-postcopy"), ticks: status.ticks, memoryCrc: status.memoryCrc }).toEqual(reference(WRITER));
    expect((await a.client.call("query-vms", {})).map((vm) => vm.name)).not.toContain("reset-postcopy");
  });

  it("a wrong token: refused by the destination, failed at the source, and the VM goes on there", async () => {
    const [a, b] = hosts as [MigrationHost, MigrationHost];
    const vm = "wrong-token";
    await a.client.call("vm-create", { guest: resolve(WRITER.name), name: vm, args: WRITER.args });
    const { address } = await b.client.call("query-host", {}).then((host) => ({ address: host.migrateListen! }));
    await a.client.call("migrate", { vm, to: address, token: "not-the-token", strategy: "pre-copy" });
    let info: MigrationInfo;
    const deadline = Date.now() + 10_000;
    do {
      await new Promise((resume) => setTimeout(resume, 20));
      info = await a.client.call("query-migrate", { vm });
    } while (info.status !== "failed" && Date.now() < deadline);
    expect(info.detail).toMatch(/no migration is expected with that token/);
    const status = await endOf(a, vm);
    expect({ output: consoleOf(vm), ticks: status.ticks, memoryCrc: status.memoryCrc }).toEqual(reference(WRITER));
  });
});
