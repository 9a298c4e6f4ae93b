/**
 * A guest server's robustness: a process killed while it holds sockets gives them back (no
 * socket or port is lost), and a SYN flood of ten times the backlog against a listener neither
 * crashes nor wedges it: the clients that come after it are served.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parsePcap } from "../../vmm/net/pcap.js";
import { toyvmm } from "./cli.js";
import { injectorSource } from "./injector.js";
import { dissect, tcpFrame, TCP_FLAGS } from "./packets.js";

const dir = mkdtempSync(join(tmpdir(), "toyvmm-robust-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (out: string, vm: string) => out.split("\n").filter((l) => l.startsWith(`[${vm}] `)).map((l) => l.slice(vm.length + 3));

describe("a process killed while it holds sockets", () => {
  it("gives every socket and its ports back: the next process makes a socket, binds port 7 and serves", async () => {
    const r = await toyvmm("boot", "multi-net", "multi-net", "--net", "--args", "multi-net:run=faultcheck", "--args", "multi-net-2:run=patient", "--until", "multi-net-2");
    expect(r.code).toBe(0);
    expect(lines(r.stdout, "multi-net")).toEqual([
      "[kernel] multi: round robin, quantum 500 instructions",
      "[kernel] started pid 1: faultcheck",
      "pid 2: sockets held, port 7 bound (tcp and udp); now a fault: 8",
      "[kernel] pid 2 killed: page-fault-write at 0x00001000",
      "pid 1: the process holding them was killed",
      "pid 1: tcp echo on port 7",
      "pid 1: connection accepted",
      "pid 1: connection closed, bytes echoed 38",
    ]);
    expect(lines(r.stdout, "multi-net-2")).toEqual([
      "[kernel] multi: round robin, quantum 500 instructions",
      "[kernel] started pid 1: patient",
      "pid 1: connection refused, trying again in 1 ms",
      "pid 1: connected to 10.0.0.1 port 7",
      "pid 1: echo: hello over tcp, line one",
      "and line two",
      "[kernel] all processes finished",
    ]);
  });
});

describe("a SYN flood", () => {
  const FLOOD = 40; // ten times the backlog of 4, and more than the 8 sockets
  const captures = join(dir, "caps");
  const spoofed = (i: number) => `10.0.0.${100 + i}`;
  const spoofedAddresses = new Set(Array.from({ length: FLOOD }, (_, i) => spoofed(i)));
  const frames = Array.from({ length: FLOOD }, (_, i) =>
    tcpFrame(
      { srcMac: `52:54:00:00:01:${(i + 16).toString(16)}`, dstMac: "52:54:00:00:00:01", src: spoofed(i), dst: "10.0.0.1" },
      { sport: 30000 + i, dport: 7, seq: 1000 * i, ack: 0, flags: TCP_FLAGS.SYN },
    ),
  );

  it("from addresses that never answer, against a listener, keeps out neither of two clients that come after it", async () => {
    const file = join(dir, "flood.s");
    // From 0.9 ms, once the server listens, 40 SYNs in 0.16 ms; the clients' SYNs come at 1.8 ms.
    writeFileSync(file, injectorSource(frames, 45_000, 200));
    const r = await toyvmm(
      "boot", "multi-net", file, "multi-net", "--net",
      "--args", "multi-net:run=tcpecho", "--args", "multi-net-2:run=tcpclient,tcpclient",
      "--until", "multi-net-2", "--until", "flood", "--capture", captures,
    );
    expect(r.code).toBe(0);
    expect(lines(r.stdout, "multi-net").slice(2)).toEqual([
      "pid 1: tcp echo on port 7",
      "pid 1: connection accepted",
      "pid 1: connection closed, bytes echoed 38",
      "pid 1: connection accepted",
      "pid 1: connection closed, bytes echoed 38",
    ]);
    expect(lines(r.stdout, "multi-net-2").filter((l) => l.startsWith("pid"))).toEqual([
      "pid 1: connected to 10.0.0.1 port 7",
      "pid 2: connected to 10.0.0.1 port 7",
      "pid 1: echo: hello over tcp, line one",
      "pid 2: echo: hello over tcp, line one",
    ]);
    // The flood filled the backlog: the server answered as many spoofed SYNs as it holds.
    const answered = new Set(
      parsePcap(readFileSync(join(captures, "multi-net.pcap")))
        .map((rec) => dissect(rec.frame))
        .filter((p) => p.tcp?.flags === (TCP_FLAGS.SYN | TCP_FLAGS.ACK) && spoofedAddresses.has(p.ip!.dst))
        .map((p) => p.ip!.dst),
    );
    expect(answered.size).toBeGreaterThanOrEqual(4);
  });
});
