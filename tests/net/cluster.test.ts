/**
 * The server cluster of fig. 3-13: the front end in the switch (vmm/net/front-end.ts) hands each
 * new TCP connection to the cluster's address to the next server, and the servers answer
 * straight to the client. First the state machine alone, then three VMs from the command line.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FrontEnd } from "../../vmm/net/front-end.js";
import { defaultMac, formatMac } from "../../vmm/net/mac.js";
import { parsePcap } from "../../vmm/net/pcap.js";
import { toyvmm } from "./cli.js";
import { arpFrame, dissect, tcpFrame, TCP_FLAGS, udpFrame } from "./packets.js";

const dir = mkdtempSync(join(tmpdir(), "toyvmm-cluster-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VIP = 0x0a000001;
const servers = [defaultMac(2), defaultMac(3)];
const client = { srcMac: "52:54:00:00:00:02", dstMac: "52:54:00:00:00:01", src: "10.0.0.2", dst: "10.0.0.1" };
const segment = (sport: number, flags: number, to = client) => tcpFrame(to, { sport, dport: 80, seq: 1, ack: 0, flags });
const frontEnd = (tableMax?: number) => new FrontEnd({ vip: VIP, mac: defaultMac(0), servers, ...(tableMax ? { tableMax } : {}) });
const forwardedTo = (fe: FrontEnd, frame: Uint8Array) => {
  const action = fe.handle(frame);
  return action.kind === "forward" ? dissect(action.frame).dst : action.kind;
};

describe("the front end as a state machine", () => {
  it("answers ARP for the cluster's address with its own MAC, and lets other ARP pass", () => {
    const fe = frontEnd();
    const action = fe.handle(arpFrame(client, 1));
    expect(action.kind).toBe("reply");
    const reply = action.kind === "reply" ? action.frame : new Uint8Array();
    expect(Array.from(reply.subarray(0, 14))).toEqual([0x52, 0x54, 0, 0, 0, 2, 0x52, 0x54, 0, 0, 0, 1, 0x08, 0x06]);
    expect(Array.from(reply.subarray(20, 42))).toEqual([0, 2, 0x52, 0x54, 0, 0, 0, 1, 10, 0, 0, 1, 0x52, 0x54, 0, 0, 0, 2, 10, 0, 0, 2]);
    expect(fe.handle(arpFrame({ ...client, dst: "10.0.0.3" }, 1)).kind).toBe("pass");
    expect(fe.handle(arpFrame(client, 2)).kind).toBe("pass");
  });

  it("hands new connections to the servers in turn, and every later segment to the same one, whatever MAC it was sent to", () => {
    const fe = frontEnd();
    const { SYN, ACK, RST } = TCP_FLAGS;
    expect(forwardedTo(fe, segment(49152, SYN))).toBe("52:54:00:00:00:03");
    expect(forwardedTo(fe, segment(49153, SYN))).toBe("52:54:00:00:00:04");
    expect(forwardedTo(fe, segment(49154, SYN))).toBe("52:54:00:00:00:03");
    expect(forwardedTo(fe, segment(49152, SYN))).toBe("52:54:00:00:00:03"); // a SYN sent again
    expect(forwardedTo(fe, segment(49153, ACK, { ...client, dstMac: "52:54:00:00:00:03" }))).toBe("52:54:00:00:00:04");
    expect(forwardedTo(fe, segment(49155, ACK))).toBe("drop"); // no connection it knows
    expect(forwardedTo(fe, segment(49153, RST | ACK))).toBe("52:54:00:00:00:04");
    expect(forwardedTo(fe, segment(49153, ACK))).toBe("drop"); // the reset ended it
    expect(fe.handle(udpFrame(client, 5000, 80, [1, 2, 3])).kind).toBe("drop"); // the cluster serves TCP
    expect(fe.handle(segment(49152, SYN, { ...client, dst: "10.0.0.3" })).kind).toBe("pass");
    expect(fe.report()).toEqual({ vip: "10.0.0.1", mac: "52:54:00:00:00:01", handed: [2, 1], dropped: 3 });
  });

  it("forgets the oldest connection at the bound of its table", () => {
    const fe = frontEnd(2);
    for (const port of [1000, 1001, 1002]) fe.handle(segment(port, TCP_FLAGS.SYN));
    expect(forwardedTo(fe, segment(1000, TCP_FLAGS.ACK))).toBe("drop");
    expect(forwardedTo(fe, segment(1002, TCP_FLAGS.ACK))).toBe("52:54:00:00:00:03");
  });

  it("changes no frame it is given (a flooded frame is shared by every port's capture)", () => {
    const fe = frontEnd();
    const frame = segment(49152, TCP_FLAGS.SYN);
    const before = frame.slice();
    fe.handle(frame);
    expect(frame).toEqual(before);
  });
});

describe("a cluster of two dispatcher/worker servers behind the front end", () => {
  const captures = join(dir, "caps");
  const boot = (...more: string[]) =>
    toyvmm(
      "boot", "multi-net", "threads-net", "threads-net", "--net",
      "--cluster", "threads-net,threads-net-2",
      "--args", "multi-net:run=webget,webget,webget,webget",
      "--args", "threads-net:demo=dispatcher vip=1",
      "--args", "threads-net-2:demo=dispatcher vip=1",
      "--until", "multi-net", ...more,
    );
  const lines = (stdout: string, vm: string) => stdout.split("\n").filter((l) => l.startsWith(`[${vm}] `)).map((l) => l.slice(vm.length + 3));

  it("hands the four connections to the two servers in turn, and every client gets its page", async () => {
    const r = await boot("--capture", captures);
    expect(r.code).toBe(0);
    expect(lines(r.stdout, "multi-net")).toEqual([
      "[kernel] multi: round robin, quantum 500 instructions",
      "[kernel] started pid 1: webget",
      "[kernel] started pid 2: webget",
      "[kernel] started pid 3: webget",
      "[kernel] started pid 4: webget",
      "pid 1: worker 1: GET /index.html",
      "pid 2: worker 1: GET /logo.png",
      "pid 3: worker 2: GET /about.html",
      "pid 4: worker 2: GET /news/today.html",
      "[kernel] all processes finished",
    ]);
    const served = (vm: string) => lines(r.stdout, vm).filter((l) => l.startsWith("dispatcher: request"));
    expect(served("threads-net")).toEqual(["dispatcher: request 'GET /index.html' -> worker 1", "dispatcher: request 'GET /about.html' -> worker 2"]);
    expect(served("threads-net-2")).toEqual(["dispatcher: request 'GET /logo.png' -> worker 1", "dispatcher: request 'GET /news/today.html' -> worker 2"]);
  });

  it("the servers answer from the cluster's address straight to the client, and the client's frames reach each server rewritten to its MAC", () => {
    const packets = (vm: string) => parsePcap(readFileSync(join(captures, `${vm}.pcap`))).map((r) => dissect(r.frame));
    for (const [vm, mac] of [["threads-net", "52:54:00:00:00:03"], ["threads-net-2", "52:54:00:00:00:04"]] as const) {
      const tcp = packets(vm).filter((p) => p.tcp);
      const sent = tcp.filter((p) => p.src === mac);
      const received = tcp.filter((p) => p.src !== mac);
      expect(sent.length).toBeGreaterThan(4);
      for (const p of sent) expect([p.dst, p.ip!.src, p.ip!.dst, p.ip!.checksumOk, p.tcp!.checksumOk]).toEqual(["52:54:00:00:00:02", "10.0.0.1", "10.0.0.2", true, true]);
      // What the switch hands the port: the client's segments rewritten to this server's MAC, and
      // while it has not learnt the other server's, the copies it floods for that one; never a
      // frame still addressed to the front end.
      expect(received.filter((p) => p.dst === mac).length).toBeGreaterThan(4);
      for (const p of received) expect([p.src, servers.map((m) => formatMac(m)).includes(p.dst), p.ip!.dst]).toEqual(["52:54:00:00:00:02", true, "10.0.0.1"]);
    }
    const fromClient = packets("multi-net").filter((p) => p.tcp && p.src === "52:54:00:00:00:02");
    expect(fromClient.filter((p) => p.tcp!.flags === TCP_FLAGS.SYN).map((p) => p.dst)).toEqual(Array(4).fill("52:54:00:00:00:01")); // after ARP asked the front end
  });

  it("the same command gives the same output and the same captures", async () => {
    const again = join(dir, "again");
    const [one, two] = [await boot("--capture", join(dir, "once")), await boot("--capture", again)];
    expect(two.stdout).toBe(one.stdout);
    for (const vm of ["multi-net", "threads-net", "threads-net-2"]) {
      expect(readFileSync(join(again, `${vm}.pcap`)).equals(readFileSync(join(dir, "once", `${vm}.pcap`)))).toBe(true);
    }
  });

  it("--json reports the connections handed to each server", async () => {
    const r = await boot("--json");
    expect(JSON.parse(r.stdout).frontEnd).toEqual({ vip: "10.0.0.1", mac: "52:54:00:00:00:01", handed: [2, 2], dropped: 0 });
  });

  it("refuses a server that is not one of the VMs, and --cluster without --net", async () => {
    const wrong = await toyvmm("boot", "multi-net", "threads-net", "--net", "--cluster", "threads-net-7");
    expect([wrong.code, wrong.stderr]).toEqual([1, "toyvmm: --cluster threads-net-7: no VM is called threads-net-7 (VMs: multi-net, threads-net)\n"]);
    const bare = await toyvmm("boot", "multi-net", "--cluster", "multi-net");
    expect(bare.stderr).toBe("toyvmm: --cluster needs --net\n");
  });
});
