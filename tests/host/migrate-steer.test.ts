/**
 * Steering a migration between real host processes from a client: `migrate-start-postcopy`
 * turns a running pre-copy into post-copy, and `migrate-recover` reconnects a post-copy whose
 * connection was cut (through the fault proxy) to where the destination really listens. Each
 * ends with the VM at the destination as an unmigrated run, once.
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy } from "../helpers/fault-proxy.js";
import { reference } from "../migration/helpers.js";
import { requireBuild, waitFor } from "./helpers.js";
import { consoleOf, endOf, HOST_GUESTS, migrationEnd, sourceLetGo, startHosts, type MigrationHost } from "./migrate-helpers.js";

const WRITER = HOST_GUESTS.find((g) => g.label === "memwriter")!;
let hosts: MigrationHost[] = [];
beforeAll(async () => {
  requireBuild();
  hosts = await startHosts(["sa", "sb"]);
});
afterAll(async () => {
  for (const host of hosts) host.client.close();
  await Promise.all(hosts.map((host) => host.process.stop()));
});

/** The statuses the source reports for `vm`, as MIGRATION events. */
function statusesOf(a: MigrationHost, vm: string): string[] {
  const statuses: string[] = [];
  a.client.onEvent((event) => {
    if (event.event === "MIGRATION" && event.data.vm === vm && event.data.direction === "outgoing") statuses.push(event.data.status);
  });
  return statuses;
}


async function expectUnmigratedAt(host: MigrationHost, vm: string): Promise<void> {
  const status = await endOf(host, vm);
  expect({ output: consoleOf(vm), ticks: status.ticks, memoryCrc: status.memoryCrc }).toEqual(reference(WRITER));
}

describe("a migration steered from a client", () => {
  it("migrate-start-postcopy: a running pre-copy turns into post-copy and completes", async () => {
    const [a, b] = hosts as [MigrationHost, MigrationHost];
    const vm = "switched";
    const statuses = statusesOf(a, vm);
    await a.client.call("vm-create", { guest: resolve(WRITER.name), name: vm, args: WRITER.args });
    const slot = await b.client.call("migrate-incoming", { vm });
    await a.client.call("migrate", { vm, to: slot.address, token: slot.token, strategy: "pre-copy", bandwidth: 400_000 });
    await waitFor(() => statuses.includes("active"), "the pre-copy to run");
    const switched = await a.client.call("migrate-start-postcopy", { vm });
    expect(switched.strategy).toBe("pre-copy");
    const info = await migrationEnd(a, vm);
    expect(info.status, String(info.detail)).toBe("completed");
    expect(statuses).toContain("postcopy-active");
    await expectUnmigratedAt(b, vm);
    expect((await a.client.call("query-vms", {})).map((v) => v.name)).not.toContain(vm);
    // Too late now: nothing runs that could turn.
    await expect(a.client.call("migrate-start-postcopy", { vm })).rejects.toThrow(/only a pre-copy whose rounds still run/);
  });

  it("migrate-recover: a post-copy cut off through the proxy pauses, and reconnects to the destination's own address when asked", async () => {
    const [a, b] = hosts as [MigrationHost, MigrationHost];
    const vm = "recovered";
    const statuses = statusesOf(a, vm);
    await a.client.call("vm-create", { guest: resolve(WRITER.name), name: vm, args: WRITER.args });
    const slot = await b.client.call("migrate-incoming", { vm });
    // The stream stops at its first page after the state, so the guest has moved (the commit
    // goes on the urgent lane) and pages are still to come when the cable is pulled, however
    // slow the machine.
    const stalled = (frame: "page" | "pages") => ({ connection: 0, when: { frame }, action: "stall" as const });
    const proxy = await FaultProxy.start(Number(slot.address.split(":")[1]), [stalled("page"), stalled("pages")]);
    try {
      await a.client.call("migrate", { vm, to: `127.0.0.1:${proxy.port}`, token: slot.token, strategy: "post-copy", bandwidth: 400_000 });
      await sourceLetGo(a, vm);
    } finally {
      // Reset, and the proxy's port is gone: the source's own retries fail there.
      await proxy.cut();
    }
    expect(proxy.fired.map((f) => f.fault.action)).toEqual(["stall"]);
    await waitFor(() => statuses.includes("postcopy-paused"), "the source to pause");
    const paused = await a.client.call("query-migrate", { vm });
    expect(["postcopy-paused", "postcopy-recover"]).toContain(paused.status);
    await expect(a.client.call("migrate-cancel", { vm })).rejects.toThrow(/already holds the guest/);
    await a.client.call("migrate-recover", { vm, to: slot.address });
    const info = await migrationEnd(a, vm);
    expect(info.status, String(info.detail)).toBe("completed");
    expect(statuses).toContain("postcopy-recover");
    // No page was lost or installed twice at the destination.
    expect((await migrationEnd(b, vm)).stats.pagesReceivedMoreThanOnce).toBe(0);
    await expectUnmigratedAt(b, vm);
  });
});
