/**
 * UDP hostfwd on real host processes (`toyvmm host --hostfwd udp:…`): Node's dgram sockets, as
 * a user's `nc -u` would, send datagrams through a forwarded loopback port to multi-net's UDP
 * echo server and each gets its own answers back; bad flags are refused in one line; and a
 * joined host started with the same --hostfwd-address is noticed by both hosts' forwarders.
 */
import { createSocket, type Socket } from "node:dgram";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlClient } from "../../vmm/host/client.js";
import { requireBuild, runProgram, startHost, tempFolder, waitFor, type TestHost } from "./helpers.js";

let a: TestHost;
let ca: ControlClient;
let b: TestHost | undefined;
let echoPort = 0;
const sockets: Socket[] = [];

beforeAll(async () => {
  requireBuild();
  a = await startHost(["--name", "ua", "--speed", "10M", "--net-listen", "0", "--hostfwd", "udp:127.0.0.1:0-echo:7", "--hostfwd-address", "10.0.2.30"], join(tempFolder(), "ua.sock"));
  echoPort = Number(/forwarding udp 127\.0\.0\.1:(\d+) to echo:7/.exec(a.stdout)![1]);
  ca = await ControlClient.connect({ kind: "unix", path: a.socket });
  await ca.call("vm-create", { guest: "multi-net", name: "echo", args: "run=udpecho", net: true });
});

afterAll(async () => {
  for (const s of sockets) s.close();
  ca?.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

/** A dgram client on loopback that keeps what it receives. */
async function client(): Promise<{ send: (text: string) => void; received: string[] }> {
  const socket = createSocket("udp4");
  sockets.push(socket);
  const received: string[] = [];
  socket.on("message", (m) => received.push(m.toString()));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { send: (text) => socket.send(text, echoPort, "127.0.0.1"), received };
}

describe("UDP hostfwd to a guest's echo server", () => {
  it("echoes each client's datagrams back to that client", async () => {
    const [one, two] = [await client(), await client()];
    // One at a time, sent again every 200 ms until answered (UDP may lose one, and the guest's
    // socket drops what it has no room for): each answer must reach its sender only.
    for (let i = 0; i < 20; i++) {
      const sender = i % 2 ? two : one;
      let sentAt = 0;
      await waitFor(() => {
        if (!sender.received.includes(`datagram ${i}`) && Date.now() - sentAt > 200) {
          sender.send(`datagram ${i}`);
          sentAt = Date.now();
        }
        return sender.received.includes(`datagram ${i}`);
      }, `the echo of datagram ${i}`, 15_000);
    }
    await new Promise((resolve) => setTimeout(resolve, 300)); // echoes of datagrams sent twice
    expect([...new Set(one.received)]).toEqual(Array.from({ length: 10 }, (_, i) => `datagram ${2 * i}`));
    expect([...new Set(two.received)]).toEqual(Array.from({ length: 10 }, (_, i) => `datagram ${2 * i + 1}`));
  }, 40_000);

  it("refuses a bad forwarder address, or one without --hostfwd, in one line", async () => {
    const bad = await runProgram(["host", "--control", join(tempFolder(), "x.sock"), "--hostfwd", "udp::0-echo:7", "--hostfwd-address", "10.0.0.7"]);
    expect(bad.stderr).toBe('toyvmm: --hostfwd-address "10.0.0.7": expected 10.0.2.N, N from 2 to 254 (the guests are 10.0.0.N)\n');
    expect(bad.code).toBe(1);
    const alone = await runProgram(["host", "--control", join(tempFolder(), "y.sock"), "--hostfwd-address", "10.0.2.7"]);
    expect(alone.stderr).toContain("--hostfwd-address goes with --hostfwd");
    expect(alone.code).not.toBe(0);
  });

  it("tells both joined hosts when their forwarders share an address", async () => {
    const listen = /network on 127\.0\.0\.1:(\d+)/.exec(a.stdout)![1];
    b = await startHost(["--name", "ub", "--speed", "10M", "--net-peer", `127.0.0.1:${listen}`, "--hostfwd", "udp:127.0.0.1:0-echo:7", "--hostfwd-address", "10.0.2.30"], join(tempFolder(), "ub.sock"));
    const warning = "hostfwd: another station on the guest network has this forwarder's address 10.0.2.30 (a joined host's forwarder?); start one of them with --hostfwd-address 10.0.2.N";
    await waitFor(() => a.stderr.includes(warning) && b!.stderr.includes(warning), "both hosts' warnings", 20_000);
  }, 30_000);
});
