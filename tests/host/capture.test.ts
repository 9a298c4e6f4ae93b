/**
 * `toyvmm host --capture DIR`: a pcap file per port of a real host's switch. The TCP echo server
 * and its client on one host leave a capture each that dissects: every checksum right, the
 * handshake and the FINs, the client's bytes in both, wall-clock times in order; the same frames
 * the host's port counters counted. A folder that cannot be made stops the host in one line.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parsePcap } from "../../vmm/net/pcap.js";
import { toyvmm } from "../cli/run-cli.js";
import { dissect, TCP_FLAGS } from "../net/packets.js";
import { requireBuild, runProgram, startHost, tempFolder } from "./helpers.js";

beforeAll(requireBuild);

const start = (socket: string, ...args: string[]) => toyvmm(["vm", "start", ...args, "--host", socket]);

describe("host --capture", () => {
  it("writes each VM port's frames, both ways, as a pcap that dissects", async () => {
    const dir = join(tempFolder(), "captures");
    const before = Date.now();
    const host = await startHost(["--speed", "20M", "--capture", dir]);
    expect(host.stdout).toContain(`; capturing in ${dir}`);
    expect((await start(host.socket, "multi-net", "--net", "--args", "run=tcpecho", "--name", "server")).code).toBe(0);
    expect((await start(host.socket, "multi-net", "--net", "--args", "run=tcpclient", "--name", "client")).code).toBe(0);
    const console = await toyvmm(["vm", "console", "client", "--host", host.socket]);
    expect(console.stdout).toContain("echo: hello over tcp, line one");
    const ports = JSON.parse((await toyvmm(["vm", "info", "server", "--host", host.socket, "--json"])).stdout) as {
      network: { counters: { inFrames: number; outFrames: number } };
    };
    expect(await host.stop()).toBe(0);
    const after = Date.now();

    const server = parsePcap(readFileSync(join(dir, "server.pcap")), "server.pcap");
    const client = parsePcap(readFileSync(join(dir, "client.pcap")), "client.pcap");
    // The frames the server's port took in and was sent: what its counters say (the client ended, so no more came).
    expect(server.length).toBe(ports.network.counters.inFrames + ports.network.counters.outFrames);
    for (const records of [server, client]) {
      const ns = records.map((r) => r.micros * 1e3);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
      expect(ns[0]!).toBeGreaterThanOrEqual(before * 1e6 - 1e6);
      expect(ns.at(-1)!).toBeLessThanOrEqual(after * 1e6);
      const segments = records.map((r) => dissect(r.frame)).filter((p) => p.tcp);
      expect(segments.every((p) => p.ip!.checksumOk && p.tcp!.checksumOk)).toBe(true);
      const flags = segments.map((p) => p.tcp!.flags);
      expect(flags).toContain(TCP_FLAGS.SYN);
      expect(flags).toContain(TCP_FLAGS.SYN | TCP_FLAGS.ACK);
      expect(flags.some((f) => f & TCP_FLAGS.FIN)).toBe(true);
      const bytes = Buffer.concat(segments.filter((p) => p.tcp!.dport === 7).map((p) => p.tcp!.data)).toString();
      expect(bytes).toContain("hello over tcp, line one");
    }
  }, 60_000);

  it("a folder that cannot be made stops the host before it listens, in one line", async () => {
    const file = join(tempFolder(), "not-a-folder");
    writeFileSync(file, "");
    const r = await runProgram(["host", "--control", join(tempFolder(), "h.sock"), "--capture", join(file, "captures")]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(join(file, "captures"));
  }, 30_000);
});
