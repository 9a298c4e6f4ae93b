/**
 * A host process killed (SIGKILL) in the middle of a migration, on loopback. Before the commit
 * the VM lives on at the source: a dead destination fails the source's migration, a dead
 * source makes the destination drop what had arrived. After the commit (post-copy) the one
 * copy of the guest is at the destination and its missing pages at the source: whichever dies,
 * the other pauses, says why in its status and its log, and never runs a second copy. A host
 * asked to stop with a paused post-copy still stops.
 */
import { resolve } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MigrationInfo } from "../../vmm/host/protocol-migrate.js";
import { reference } from "../migration/helpers.js";
import { requireBuild } from "./helpers.js";
import { consoleOf, endOf, HOST_GUESTS, migrateVm, sourceLetGo, startHosts, type MigrationHost } from "./migrate-helpers.js";

const WRITER = HOST_GUESTS.find((g) => g.label === "memwriter")!;
/** Slow enough that the kill lands while the pages are on their way. */
const BANDWIDTH = 400_000;
let hosts: MigrationHost[] = [];

beforeAll(() => requireBuild());
afterEach(async () => {
  for (const host of hosts) host.client.close();
  await Promise.all(hosts.map((host) => host.process.stop("SIGKILL")));
});

/** Polls the host's view of the VM's migration until it is one of `wanted` (and, when asked, past the commit); bounded. */
async function statusOn(host: MigrationHost, vm: string, wanted: string[], committed = false): Promise<MigrationInfo> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const info = await host.client.call("query-migrate", { vm });
    if (wanted.includes(info.status) && (!committed || info.stats.runsOn === "destination")) return info;
    const ENDED = ["completed", "failed", "cancelled"];
    if (Date.now() > deadline || ENDED.includes(info.status)) throw new Error(`${vm} on ${host.name}: ${info.status} (${info.detail}), not ${wanted.join(" or ")}`);
    await new Promise((resume) => setTimeout(resume, 10));
  }
}

/** Two fresh hosts, memwriter booted on the first as `vm` and on its way to the second. */
async function migrating(vm: string, strategy: "pre-copy" | "post-copy") {
  hosts = await startHosts([`${vm}-a`, `${vm}-b`]);
  const [a, b] = hosts as [MigrationHost, MigrationHost];
  await a.client.call("vm-create", { guest: resolve(WRITER.name), name: vm, args: WRITER.args });
  const slot = await b.client.call("migrate-incoming", { vm });
  await a.client.call("migrate", { vm, to: slot.address, token: slot.token, strategy, bandwidth: BANDWIDTH });
  return { a, b };
}

const kill = (host: MigrationHost) => host.process.stop("SIGKILL");
const vmsOn = async (host: MigrationHost) => (await host.client.call("query-vms", {})).map((vm) => vm.name);
const logged = (host: MigrationHost, message: string) => host.process.stderr.split("\n").filter((line) => line.includes(`"msg":"${message}"`));

describe("a host killed during a migration", () => {
  it("the destination, during pre-copy: failed at the source, which runs the VM on as if unmigrated", async () => {
    const { a, b } = await migrating("kill-dst-pre", "pre-copy");
    await statusOn(a, "kill-dst-pre", ["active"]);
    await new Promise((resume) => setTimeout(resume, 150));
    await kill(b);
    const info = await statusOn(a, "kill-dst-pre", ["failed"]);
    expect(info.detail).toMatch(/(reset by the peer|closed by the peer|closed).*; the guest goes on at the source$/);
    const status = await endOf(a, "kill-dst-pre");
    expect({ output: consoleOf("kill-dst-pre"), ticks: status.ticks, memoryCrc: status.memoryCrc }).toEqual(reference(WRITER));
    expect(logged(a, "outgoing migration ended")[0]).toMatch(/"level":40.*"status":"failed"/);
  });

  it("the source, during pre-copy: the destination drops what arrived, frees the name, and logs why", async () => {
    const { a, b } = await migrating("kill-src-pre", "pre-copy");
    await statusOn(b, "kill-src-pre", ["active"]);
    await kill(a);
    const info = await statusOn(b, "kill-src-pre", ["failed"]);
    expect(info.detail).toMatch(/the (stream|urgent lane) from 127\.0\.0\.1:\d+: (reset by the peer|closed by the peer|closed)/);
    expect(await vmsOn(b)).not.toContain("kill-src-pre");
    expect(logged(b, "incoming migration ended")[0]).toMatch(/"level":40.*"status":"failed"/);
    // The name is free again for the next attempt.
    await expect(b.client.call("migrate-incoming", { vm: "kill-src-pre" })).resolves.toMatchObject({ vm: "kill-src-pre" });
  });

  it("the destination, during post-copy: the source pauses with the reason, holds no copy, and still stops when asked", async () => {
    const { a, b } = await migrating("kill-dst-post", "post-copy");
    await statusOn(a, "kill-dst-post", ["postcopy-active"], true);
    await kill(b);
    const info = await statusOn(a, "kill-dst-post", ["postcopy-paused", "postcopy-recover"]);
    expect(info.detail).not.toBeNull();
    expect(await vmsOn(a)).not.toContain("kill-dst-post");
    expect(logged(a, "migration paused")[0]).toMatch(/"level":40.*"vm":"kill-dst-post"/);
    expect(await a.process.stop("SIGTERM")).toBe(0);
    expect(logged(a, "outgoing migration ended")[0]).toMatch(/"level":40.*"status":"failed".*the source host stopped/);
  });

  it("the destination, during post-copy, under vm migrate: the client ends in one line rather than wait for a reconnection", async () => {
    hosts = await startHosts(["kill-cli-a", "kill-cli-b"]);
    const [a, b] = hosts as [MigrationHost, MigrationHost];
    await a.client.call("vm-create", { guest: resolve(WRITER.name), name: "kill-cli", args: WRITER.args });
    const result = migrateVm(a, b, { vm: "kill-cli", strategy: "post-copy", bandwidth: BANDWIDTH });
    result.catch(() => {});
    await sourceLetGo(a, "kill-cli");
    await kill(b);
    await expect(result).rejects.toThrow(/^the destination host kill-cli-b went away during the migration \(vm jobinfo kill-cli on the source says where it stands\)$/);
  });

  it("the source, during post-copy: the destination keeps the one copy, pauses, and says what is lost", async () => {
    const { a, b } = await migrating("kill-src-post", "post-copy");
    await statusOn(b, "kill-src-post", ["postcopy-active"]);
    await kill(a);
    const info = await statusOn(b, "kill-src-post", ["postcopy-paused"]);
    expect(info.detail).toMatch(/the destination holds the guest and waits for the source to come back/);
    expect(await vmsOn(b)).toContain("kill-src-post");
    expect(logged(b, "migration paused")[0]).toMatch(/"level":40.*"vm":"kill-src-post"/);
    expect((await b.client.call("query-host", {})).name).toBe("kill-src-post-b");
  });
});
