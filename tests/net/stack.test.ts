/**
 * The guest network stack (guest-os/lib/net*.s) in multi-net: UDP and TCP echo servers and
 * clients on two VMs of one switch, from the command line, with the captures checked field by
 * field (and by tshark where it is installed), under loss, and against a hostile sender.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parsePcap } from "../../vmm/net/pcap.js";
import { injectorSource } from "./injector.js";
import { prng } from "../helpers/prng.js";
import { toyvmm } from "./cli.js";
import { arpFrame, dissect, fixChecksums, ipFrame, onesSum, tcpFrame, TCP_FLAGS, udpFrame, type Packet } from "./packets.js";

const dir = mkdtempSync(join(tmpdir(), "toyvmm-stack-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Server on the first VM (10.0.0.1), clients on the second (10.0.0.2); runs until the clients end. */
const pair = (server: string, clients: string, ...more: string[]) =>
  toyvmm("boot", "multi-net", "multi-net", "--net", "--args", `multi-net:run=${server}`, "--args", `multi-net-2:run=${clients}`, "--until", "multi-net-2", ...more);

const lines = (stdout: string, vm: string) =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith(`[${vm}] `))
    .map((l) => l.slice(vm.length + 3));

const packetsOf = (file: string): Packet[] => parsePcap(readFileSync(file)).map((r) => dissect(r.frame));

describe("multi-net: the stack between two VMs", () => {
  it("a UDP echo server answers a client's three datagrams", async () => {
    const r = await pair("udpecho", "udpclient");
    expect(r.code).toBe(0);
    expect(lines(r.stdout, "multi-net-2")).toEqual([
      "[kernel] multi: round robin, quantum 500 instructions",
      "[kernel] started pid 1: udpclient",
      "pid 1: reply: ping 1",
      "pid 1: reply: ping 2",
      "pid 1: reply: ping 3",
      "[kernel] all processes finished",
    ]);
    expect(lines(r.stdout, "multi-net").slice(2)).toEqual([
      "pid 1: udp echo on port 7",
      "pid 1: echoing 6 bytes from 10.0.0.2:49152",
      "pid 1: echoing 6 bytes from 10.0.0.2:49152",
      "pid 1: echoing 6 bytes from 10.0.0.2:49152",
    ]);
    expect(r.stderr).toBe("toyvmm: multi-net: stopped, still running when multi-net-2 ended\n");
  });

  it("an iterative TCP echo server serves two clients one after the other", async () => {
    const r = await pair("tcpecho", "tcpclient,tcpclient");
    expect(r.code).toBe(0);
    expect(lines(r.stdout, "multi-net-2")).toEqual([
      "[kernel] multi: round robin, quantum 500 instructions",
      "[kernel] started pid 1: tcpclient",
      "[kernel] started pid 2: tcpclient",
      "pid 2: connected to 10.0.0.1 port 7",
      "pid 1: connected to 10.0.0.1 port 7",
      "pid 2: echo: hello over tcp, line one",
      "and line two",
      "pid 1: echo: hello over tcp, line one",
      "and line two",
      "[kernel] all processes finished",
    ]);
    expect(lines(r.stdout, "multi-net").slice(2)).toEqual([
      "pid 1: tcp echo on port 7",
      "pid 1: connection accepted",
      "pid 1: connection closed, bytes echoed 38",
      "pid 1: connection accepted",
      "pid 1: connection closed, bytes echoed 38",
    ]);
  });

  it("20000 bytes through the echo server with poll, on links that lose 10% of the frames, come back whole", async () => {
    const r = await pair("tcpecho", "tcpbulk", "--link", "loss=0.1", "--seed", "3", "--json");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("pid 1: bulk bytes echoed back 20000\n");
    expect(r.stderr).toContain("pid 1: bytes that differed 0\n");
    const report = JSON.parse(r.stdout);
    const lost = report.vms.reduce((n: number, vm: { port: { sent: { lost: number }; received: { lost: number } } }) => n + vm.port.sent.lost + vm.port.received.lost, 0);
    expect(lost).toBeGreaterThan(10); // so retransmission had work to do
  });

  it("the same inputs give the same run: the capture is byte for byte the same", async () => {
    const one = join(dir, "one");
    const two = join(dir, "two");
    await pair("tcpecho", "tcpclient,tcpclient", "--link", "loss=0.2", "--capture", one);
    await pair("tcpecho", "tcpclient,tcpclient", "--link", "loss=0.2", "--capture", two);
    expect(readFileSync(join(one, "multi-net.pcap")).equals(readFileSync(join(two, "multi-net.pcap")))).toBe(true);
  });
});

describe("multi-net without a NIC", () => {
  it("the network programs say they cannot and end, and the kernel with them", async () => {
    const r = await toyvmm("boot", "multi-net", "--args", "run=udpclient,tcpclient,udpecho");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("pid "))).toEqual(["pid 2: connection refused", "pid 3: bind failed", "pid 1: send failed"]);
    expect(r.stdout).toContain("[kernel] all processes finished\n");
  });
});

describe("multi-net: what goes on the wire", () => {
  const captures = join(dir, "tcp");

  it("every IPv4, TCP and UDP checksum is right, and a TCP connection opens, carries data and closes as TCP does", async () => {
    const r = await pair("tcpecho", "tcpclient", "--capture", captures);
    expect(r.code).toBe(0);
    const packets = packetsOf(join(captures, "multi-net-2.pcap"));
    expect(packets[0]).toMatchObject({ type: 0x0806, dst: "ff:ff:ff:ff:ff:ff", src: "52:54:00:00:00:02" });
    const ip = packets.filter((p) => p.ip);
    expect(ip.length).toBeGreaterThan(6);
    for (const p of ip) {
      expect(p.ip).toMatchObject({ checksumOk: true, ttl: 64, df: true });
      expect(p.tcp?.checksumOk).toBe(true);
    }
    const { SYN, ACK, FIN, PSH } = TCP_FLAGS;
    const tcp = ip.map((p) => ({ dir: p.ip!.src === "10.0.0.2" ? ">" : "<", ...p.tcp! }));
    const [syn, synAck, ack] = tcp;
    expect([syn!.dir, syn!.flags, synAck!.dir, synAck!.flags, ack!.dir, ack!.flags]).toEqual([">", SYN, "<", SYN | ACK, ">", ACK]);
    expect(synAck!.ack).toBe((syn!.seq + 1) >>> 0);
    expect(ack!.ack).toBe((synAck!.seq + 1) >>> 0);
    const sent = tcp.find((s) => s.dir === ">" && s.flags === (PSH | ACK))!;
    expect(Buffer.from(sent.data).toString()).toBe("hello over tcp, line one\nand line two\n");
    const echoed = tcp.find((s) => s.dir === "<" && s.flags === (PSH | ACK))!;
    expect(echoed.data).toEqual(sent.data);
    expect(tcp.filter((s) => s.flags & FIN).map((s) => s.dir)).toEqual([">", "<"]);
    const last = tcp[tcp.length - 1]!;
    expect([last.dir, last.flags]).toEqual([">", ACK]); // the client acknowledges the server's FIN
  });

  it("tshark dissects the capture as ARP, TCP and the echo protocol with good checksums, where it is installed", () => {
    const found = spawnSync("tshark", ["-v"], { encoding: "utf8" });
    if (found.error) return; // not installed: .ci/run installs it where it can
    const fields = ["_ws.col.Protocol", "ip.checksum.status", "tcp.checksum.status", "tcp.analysis.flags"];
    const out = spawnSync(
      "tshark",
      ["-r", join(captures, "multi-net.pcap"), "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-T", "fields", ...fields.flatMap((f) => ["-e", f])],
      { encoding: "utf8" },
    );
    expect(out.status).toBe(0);
    const rows = out.stdout
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => l.split("\t"));
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(["ARP", "TCP", "ECHO"]));
    for (const row of rows.filter((r) => r[0] !== "ARP")) expect(row.slice(1)).toEqual(["1", "1", ""]); // good, good, no analysis warnings
  });

  it("the UDP datagrams carry good checksums both ways", async () => {
    const udp = join(dir, "udp");
    await pair("udpecho", "udpclient", "--capture", udp);
    const datagrams = packetsOf(join(udp, "multi-net.pcap")).filter((p) => p.udp);
    expect(datagrams.map((p) => [p.ip!.src, p.udp!.dport, Buffer.from(p.udp!.data).toString(), p.udp!.checksumOk])).toEqual([
      ["10.0.0.2", 7, "ping 1", true],
      ["10.0.0.1", 49152, "ping 1", true],
      ["10.0.0.2", 7, "ping 2", true],
      ["10.0.0.1", 49152, "ping 2", true],
      ["10.0.0.2", 7, "ping 3", true],
      ["10.0.0.1", 49152, "ping 3", true],
    ]);
  });
});

describe("multi-net against a hostile sender", () => {
  const from = { srcMac: "52:54:00:00:00:03", dstMac: "52:54:00:00:00:01", src: "10.0.0.3", dst: "10.0.0.1" };
  const tcp = (s: Parameters<typeof tcpFrame>[1]) => tcpFrame(from, s);
  /** The frame with `bytes` at `at`; a change inside the IP header keeps its checksum right, unless it is the checksum. */
  const bad = (frame: Uint8Array, at: number, ...bytes: number[]) => {
    const copy = frame.slice();
    copy.set(bytes, at);
    if (at >= 14 && at < 34 && at !== 24) {
      copy.set([0, 0], 24);
      const sum = ~onesSum(copy.subarray(14, 34)) & 0xffff;
      copy.set([sum >> 8, sum & 0xff], 24);
    }
    return copy;
  };
  const syn = tcp({ sport: 40000, dport: 7, seq: 1000, ack: 0, flags: TCP_FLAGS.SYN });
  const hostile: Uint8Array[] = [
    new Uint8Array(14).fill(0xff), // a bare header, broadcast
    bad(syn, 12, 0x08, 0x00).subarray(0, 20), // IPv4 cut short
    arpFrame(from, 1, [6, 16]), // ARP with the wrong address sizes
    arpFrame(from, 1).subarray(0, 30), // ARP cut short
    bad(syn, 14, 0x65), // IP version 6
    bad(syn, 14, 0x4f), // a header of 60 bytes in a 54-byte packet
    bad(syn, 16, 0xff, 0xff), // total length past the frame
    bad(syn, 16, 0, 8), // total length under the header
    bad(syn, 24, 0, 0), // bad header checksum
    bad(syn, 20, 0x20), // more fragments to come
    bad(syn, 20, 0x40, 0x10), // a fragment's offset
    bad(syn, 30, 10, 0, 0, 9), // for another host
    bad(syn, 50, 0xde, 0xad), // bad TCP checksum
    tcp({ sport: 40001, dport: 7, seq: 1, ack: 0, flags: TCP_FLAGS.SYN, offset: 0 }), // data offset 0
    tcp({ sport: 40002, dport: 7, seq: 1, ack: 0, flags: TCP_FLAGS.SYN, offset: 15 }), // options past the segment
    tcp({ sport: 40003, dport: 7, seq: 1, ack: 5, flags: 0xff }), // every flag
    tcp({ sport: 40004, dport: 7, seq: 1, ack: 5, flags: TCP_FLAGS.ACK, data: [1, 2, 3] }), // data for no connection
    tcp({ sport: 40005, dport: 7, seq: 9, ack: 0, flags: TCP_FLAGS.RST }), // a reset for no connection
    tcp({ sport: 40006, dport: 9, seq: 9, ack: 0, flags: TCP_FLAGS.SYN | TCP_FLAGS.FIN }), // SYN+FIN to a closed port
    tcp({ sport: 40007, dport: 7, seq: 9, ack: 0, flags: TCP_FLAGS.SYN, window: 0 }), // a half-open connection with a closed window
    udpFrame(from, 5000, 7, [1, 2, 3], 0xffff), // UDP length past the packet
    udpFrame(from, 5000, 7, [1, 2, 3], 3), // UDP length under its header
    bad(udpFrame(from, 5000, 7, [1, 2, 3]), 40, 0x12, 0x34), // bad UDP checksum
    udpFrame(from, 5000, 7, Array.from({ length: 1472 }, (_, i) => i & 0xff)), // the largest datagram: kept cut to a slot
    ipFrame(from, 99, [1, 2, 3, 4], -1), // an unknown protocol
    ipFrame(from, 1, [8, 0, 0xff, 0xff, 0, 1, 0, 1], -1), // ping with a bad checksum
    ipFrame(from, 1, [8, 0, 0, 0, 0, 1, 0, 1], 2), // a good ping
  ];

  it("malformed frames never crash or stall the victim: it goes on serving a well-behaved client", async () => {
    const file = join(dir, "hostile.s");
    writeFileSync(file, injectorSource(hostile, 30_000, 2_000)); // from 0.6 ms, while the client is served
    const r = await toyvmm(
      "boot",
      "multi-net",
      "multi-net",
      file,
      "--net",
      "--args",
      "multi-net:run=tcpecho,udpecho",
      "--args",
      "multi-net-2:run=tcpclient,udpclient",
      "--until",
      "multi-net-2",
      "--until",
      "hostile",
      "--json",
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.vms.map((vm: { name: string; outcome: { kind: string } }) => [vm.name, vm.outcome.kind])).toEqual([
      ["multi-net", "stopped"],
      ["multi-net-2", "exited"],
      ["hostile", "exited"],
    ]);
    expect(r.stderr).toContain("[multi-net-2] pid 1: echo: hello over tcp, line one\n");
    expect(r.stderr).toContain("[multi-net-2] pid 2: reply: ping 3\n");
    expect(r.stderr).not.toMatch(/killed|deadlock|no reply/);
    // The largest datagram was taken (cut to a slot) and echoed to the MAC it came from.
    expect(r.stderr).toContain("[multi-net] pid 2: echoing 504 bytes from 10.0.0.3:5000\n");
  });

  it("frames with random fields and right checksums, so they reach every parser, do not stop it either", async () => {
    const next = prng(12);
    const random = () => next() / 2 ** 32;
    const templates = [
      syn,
      tcp({ sport: 40100, dport: 7, seq: 5, ack: 9, flags: TCP_FLAGS.ACK | TCP_FLAGS.PSH, data: [104, 105] }),
      tcp({ sport: 40101, dport: 7, seq: 5, ack: 9, flags: TCP_FLAGS.FIN | TCP_FLAGS.ACK }),
      udpFrame(from, 5001, 7, [1, 2, 3, 4, 5, 6, 7, 8]),
      arpFrame(from, 1),
      ipFrame(from, 1, [8, 0, 0, 0, 0, 1, 0, 1], 2),
    ];
    const fuzzed = Array.from({ length: 200 }, () => {
      const frame = templates[Math.floor(random() * templates.length)]!.slice();
      for (let n = 1 + Math.floor(random() * 4); n > 0; n--) frame[12 + Math.floor(random() * (frame.length - 12))] = Math.floor(random() * 256);
      return fixChecksums(frame.subarray(0, Math.max(14, frame.length - Math.floor(random() * 3) * Math.floor(random() * 20))));
    });
    const file = join(dir, "fuzzer.s");
    writeFileSync(file, injectorSource(fuzzed, 30_000, 300));
    const r = await toyvmm(
      "boot",
      "multi-net",
      "multi-net",
      file,
      "--net",
      "--args",
      "multi-net:run=udpecho",
      "--args",
      "multi-net-2:run=udpclient",
      "--until",
      "multi-net-2",
      "--until",
      "fuzzer",
      "--json",
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.vms.map((vm: { outcome: { kind: string } }) => vm.outcome.kind)).toEqual(["stopped", "exited", "exited"]);
    expect(report.vms[0].port.received.frames).toBeGreaterThan(200);
    expect(r.stderr).toContain("[multi-net-2] pid 1: reply: ping 3\n");
    expect(r.stderr).not.toMatch(/killed|deadlock|giving up/);
  });
});
