/**
 * A migration between real host processes through a proxy that resets the connection: a
 * pre-copy fails and the VM goes on at the source; a post-copy reset after its commit pauses
 * both sides and the source reconnects. Either way the guest ends as an unmigrated run, once.
 */
import { connect, createServer } from "node:net";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFrame, encodePrologue } from "../../vmm/migration/stream/codec.js";
import { STREAM_VERSION } from "../../vmm/migration/stream/frames.js";
import { FaultProxy, type Fault } from "../helpers/fault-proxy.js";
import { prng } from "../helpers/prng.js";
import { reference } from "../migration/helpers.js";
import { requireBuild } from "./helpers.js";
import { consoleOf, endOf, HOST_GUESTS, migrationEnd, sourceLetGo, startHosts, type MigrationHost } from "./migrate-helpers.js";

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
async function migrateThrough(vm: string, faults: Fault[], request: { strategy: "pre-copy" | "post-copy"; bandwidth: number }, then?: (proxy: FaultProxy, a: MigrationHost, vm: string) => Promise<void>) {
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
  await then?.(proxy, a, vm);
  return { a, b, statuses, info: await migrationEnd(a, vm) };
}

/** Resets the connection once the source has let the guest go (the reconnection passes). */
async function committed(proxy: FaultProxy, a: MigrationHost, vm: string): Promise<void> {
  await sourceLetGo(a, vm);
  proxy.reset();
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
    const { a, b, statuses, info } = await migrateThrough("reset-postcopy", [], { strategy: "post-copy", bandwidth: 2_000_000 }, committed);
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
    const info = await migrationEnd(a, vm);
    expect(info.detail).toMatch(/no migration is expected with that token/);
    const status = await endOf(a, vm);
    expect({ output: consoleOf(vm), ticks: status.ticks, memoryCrc: status.memoryCrc }).toEqual(reference(WRITER));
    expect(warnings(a, "outgoing migration ended").some((line) => line.includes("no migration is expected with that token"))).toBe(true);
    expect(warnings(b, "migration connection refused").some((line) => line.includes("no migration is expected with that token"))).toBe(true);
  });
});

/** The host's log lines at warn level with this message. */
const warnings = (host: MigrationHost, message: string) => host.process.stderr.split("\n").filter((line) => line.includes(`"level":40`) && line.includes(`"msg":"${message}"`));

/** A stream prologue of another format version. */
function prologueOf(version: number): Uint8Array {
  const bytes = encodePrologue();
  bytes[6] = version & 0xff;
  bytes[7] = version >> 8;
  return bytes;
}

/** Sends `bytes` to the port; resolves once the host has closed the connection, with what it answered. */
function sendTo(port: number, bytes: Uint8Array): Promise<Buffer> {
  return new Promise((done, fail) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => fail(new Error("the host did not close the connection")), 5_000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      done(Buffer.concat(chunks));
    });
  });
}

describe("a host's migration port", () => {
  it("is never 0.0.0.0 or :: in a migrate: refused in one line, and the VM goes on unlocked", async () => {
    const [a] = hosts as [MigrationHost];
    const vm = "to-nowhere";
    await a.client.call("vm-create", { guest: resolve(WRITER.name), name: vm, args: WRITER.args });
    for (const to of ["0.0.0.0:4000", "[::]:4000"]) {
      await expect(a.client.call("migrate", { vm, to, token: "t" })).rejects.toThrow(`migrate: to ${to} is where a listener takes connections on every interface`);
    }
    await a.client.call("vm-pause", { vm });
    await a.client.call("vm-resume", { vm });
    const status = await endOf(a, vm);
    expect({ output: consoleOf(vm), ticks: status.ticks, memoryCrc: status.memoryCrc }).toEqual(reference(WRITER));
  });

  it("turns away random bytes and a source of another stream version, each in a log line, and takes a migration afterwards", async () => {
    const [a, b] = hosts as [MigrationHost, MigrationHost];
    const random = prng(11);
    const noise = Uint8Array.from({ length: 500 }, () => random() & 0xff);
    const answers = [await sendTo(b.process.migratePort!, noise), await sendTo(b.process.migratePort!, prologueOf(STREAM_VERSION + 1))];
    for (const answer of answers) expect(answer.subarray(0, 6).toString()).toBe("TOYMIG");
    const refused = warnings(b, "migration connection refused").join("\n");
    expect(refused).toContain("not a toyvmm migration stream (bad magic)");
    expect(refused).toContain(`format version ${STREAM_VERSION + 1} is not supported (this toyvmm reads ${STREAM_VERSION})`);
    const vm = "after-noise";
    await a.client.call("vm-create", { guest: resolve(WRITER.name), name: vm, args: WRITER.args });
    const slot = await b.client.call("migrate-incoming", { vm });
    await a.client.call("migrate", { vm, to: slot.address, token: slot.token, strategy: "stop-copy" });
    expect((await migrationEnd(a, vm)).status).toBe("completed");
    const status = await endOf(b, vm);
    expect({ output: consoleOf(vm), ticks: status.ticks, memoryCrc: status.memoryCrc }).toEqual(reference(WRITER));
  });

  it("a destination of another stream version: failed in one line and a log line, and the VM goes on at the source", async () => {
    const [a] = hosts as [MigrationHost];
    const server = createServer((socket) => socket.end(Buffer.concat([prologueOf(STREAM_VERSION + 1), encodeFrame({ type: "welcome", session: "x" })])).resume());
    await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
    try {
      const vm = "old-peer";
      await a.client.call("vm-create", { guest: resolve(WRITER.name), name: vm, args: WRITER.args });
      const port = (server.address() as { port: number }).port;
      await a.client.call("migrate", { vm, to: `127.0.0.1:${port}`, token: "t", strategy: "pre-copy" });
      const info = await migrationEnd(a, vm);
      expect(info.detail).toBe(
        `the stream (127.0.0.1:${port}): the destination: format version ${STREAM_VERSION + 1} is not supported (this toyvmm reads ${STREAM_VERSION}) during setup; the guest goes on at the source`,
      );
      expect(warnings(a, "outgoing migration ended").some((line) => line.includes(`format version ${STREAM_VERSION + 1}`))).toBe(true);
      const status = await endOf(a, vm);
      expect({ output: consoleOf(vm), ticks: status.ticks, memoryCrc: status.memoryCrc }).toEqual(reference(WRITER));
    } finally {
      await new Promise((closed) => server.close(closed));
    }
  });
});
