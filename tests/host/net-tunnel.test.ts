/**
 * Hosts' switches joined over TCP between real host processes (--net-listen, --net-peer): a TCP
 * echo server on one host serves a client on the other; the server migrates to the client's
 * host in the middle of a 20000-byte transfer, announces itself there, and the client gets every
 * byte back; a malformed tunnel stream is refused in one line and harms no one.
 */
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlClient } from "../../vmm/host/client.js";
import { ClientMigration } from "../../vmm/host/migrate-client.js";
import { requireBuild, startHost, tempFolder, waitFor, type TestHost } from "./helpers.js";

let a: TestHost;
let b: TestHost;
let ca: ControlClient;
let cb: ControlClient;
let netPort = 0;
const consoles = new Map<string, string>();

/** Follows the console of every VM a host starts, keyed host:vm. */
function follow(client: ControlClient, host: string): void {
  client.onEvent((event) => {
    if (event.event === "VM_STARTED") client.call("console-follow", { vm: event.data.vm, offset: 0 }).catch(() => {});
    if (event.event === "CONSOLE_OUTPUT") consoles.set(`${host}:${event.data.vm}`, (consoles.get(`${host}:${event.data.vm}`) ?? "") + event.data.text);
  });
}
const consoleOf = (host: string, vm: string) => consoles.get(`${host}:${vm}`) ?? "";

beforeAll(async () => {
  requireBuild();
  const dir = tempFolder();
  // Slow guests: the transfer lasts long enough to migrate in its middle, and the guests' TCP
  // and ARP timeouts (1 ms of guest time, 250 ms of wall time here) outlast a loaded machine's hiccups.
  a = await startHost(["--name", "a", "--speed", "400k", "--net-listen", "0", "--log-level", "info"], join(dir, "a.sock"));
  netPort = Number(/network on 127\.0\.0\.1:(\d+)/.exec(a.stdout)![1]);
  b = await startHost(["--name", "b", "--speed", "400k", "--net-peer", `127.0.0.1:${netPort}`, "--migrate-listen", "0", "--log-level", "info"], join(dir, "b.sock"));
  ca = await ControlClient.connect({ kind: "unix", path: a.socket });
  cb = await ControlClient.connect({ kind: "unix", path: b.socket });
  follow(ca, "a");
  follow(cb, "b");
  await waitFor(() => b.stderr.includes("network tunnel up"), "the tunnel to come up");
});

afterAll(async () => {
  ca?.close();
  cb?.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

describe("hosts' switches joined over TCP", () => {
  it("a client on one host keeps its connection to a server that migrates to it mid-transfer: every byte back", async () => {
    await ca.call("vm-create", { guest: "multi-net", name: "server", args: "run=tcpecho", net: true });
    await waitFor(() => consoleOf("a", "server").includes("tcp echo on port 7"), "the server to listen");
    await cb.call("vm-create", { guest: "multi-net", name: "client", args: "run=tcpbulk", net: true, mac: "52:54:00:00:00:02" });
    await waitFor(() => consoleOf("a", "server").includes("connection accepted"), "the client to connect");
    const migration = await ClientMigration.start(ca, cb, { vm: "server", strategy: "pre-copy" }, { progress: () => {}, status: () => {} });
    const info = await migration.result;
    expect(info.status, info.detail ?? "").toBe("completed");
    await waitFor(() => consoleOf("b", "client").includes("all processes finished"), "the client to end", 30_000);
    expect(consoleOf("b", "client")).toContain("pid 1: bulk bytes echoed back 20000\npid 1: bytes that differed 0\n");
    // The transfer was still going when the server left: the rest of it was echoed on b.
    expect(consoleOf("a", "server")).not.toContain("connection closed");
    await waitFor(() => consoleOf("b", "server").includes("connection closed, bytes echoed 20000"), "the server to see the close");
    // The server announced itself on b; b's switch then sent its frames there, not down the trunk.
    expect(b.stderr).toMatch(/"vm":"server","mac":"52:54:00:00:00:01","announced":true/);
    const ports = await cb.call("query-network", {});
    const server = ports.ports.find((p) => p.name === "server")!;
    expect(server.counters.inFrames).toBeGreaterThan(10);
    expect(server.counters.outFrames).toBeGreaterThan(10);
  }, 60_000);

  it("closes a tunnel connection that sends something else, in one line naming the byte, and goes on", async () => {
    const socket = connect(netPort, "127.0.0.1");
    socket.on("error", () => {});
    socket.resume(); // (the host's hello is read, so that its close is seen)
    socket.write("GET / HTTP/1.0\r\n\r\n");
    let closed = false;
    socket.on("close", () => (closed = true));
    await waitFor(() => closed, "the host to close the connection");
    expect(a.stderr).toContain("byte 0: not a toyvmm network tunnel (no TVMNET hello)");
    expect((await ca.call("query-network", {})).ports.filter((p) => p.kind === "trunk")).toHaveLength(1);
  });
});
