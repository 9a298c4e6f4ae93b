/** The simulated network: learning switch, links, loss from a seed, pcap captures, trunks and announce-self. */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createBareMachine } from "../../vmm/monitor/bare.js";
import { createVm } from "../../vmm/monitor/vm.js";
import type { Machine } from "../../vmm/monitor/machine.js";
import { LearningSwitch } from "../../vmm/net/learning-switch.js";
import { LINK_QUEUE_MAX, LinkDirection } from "../../vmm/net/link.js";
import { defaultMac, formatMac, parseMac } from "../../vmm/net/mac.js";
import { Network, type LinkSpec } from "../../vmm/net/network.js";
import { parsePcap, PcapWriter } from "../../vmm/net/pcap.js";
import { reflectorImage, senderImage } from "./reflector.js";

function ethernet(dst: number[], src: number[]): Uint8Array {
  const f = new Uint8Array(60);
  f.set(dst, 0);
  f.set(src, 6);
  return f;
}

describe("learning switch", () => {
  const A = [2, 0, 0, 0, 0, 0xa];
  const B = [2, 0, 0, 0, 0, 0xb];
  it("floods unknown and broadcast destinations, then forwards to the learnt port only", () => {
    const sw = new LearningSwitch();
    for (let i = 0; i < 3; i++) sw.addPort();
    expect(sw.forward(0, ethernet(B, A))).toEqual([1, 2]); // B unknown: flood
    expect(sw.forward(1, ethernet(A, B))).toEqual([0]); // A was learnt on 0
    expect(sw.forward(0, ethernet(B, A))).toEqual([1]);
    expect(sw.forward(0, ethernet([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], A))).toEqual([1, 2]);
    expect(sw.forward(1, ethernet(B, A))).toEqual([]); // A moved to port 1, its destination is there
    sw.forget(1);
    expect(sw.lookup(Uint8Array.from(A))).toBeUndefined();
    expect(sw.flooded).toBe(2);
  });

  it("keeps at most its bound of addresses, forgetting the oldest", () => {
    const sw = new LearningSwitch(4);
    sw.addPort();
    sw.addPort();
    for (let i = 0; i < 10; i++) sw.forward(0, ethernet(B, [2, 0, 0, 0, 1, i]));
    expect(sw.size).toBe(4);
    expect(sw.lookup(Uint8Array.from([2, 0, 0, 0, 1, 9]))).toBe(0);
    expect(sw.lookup(Uint8Array.from([2, 0, 0, 0, 1, 0]))).toBeUndefined();
  });
});

describe("links", () => {
  it("serialise at the bandwidth and add the latency", () => {
    const link = new LinkDirection({ latency: 100, ticksPerByte: 2, loss: 0 }, 1);
    expect(link.send(60, 0)).toBe(220);
    expect(link.send(60, 0)).toBe(340); // waits for the first to leave
    expect(link.send(10, 1000)).toBe(1120);
  });

  it("lose the same frames for the same seed, and hold a bounded queue", () => {
    const pattern = (seed: number) => {
      const link = new LinkDirection({ latency: 1, ticksPerByte: 0, loss: 0.3 }, seed);
      return Array.from({ length: 200 }, (_, i) => link.send(60, i) < 0);
    };
    expect(pattern(7)).toEqual(pattern(7));
    expect(pattern(7)).not.toEqual(pattern(8));
    const lost = pattern(7).filter(Boolean).length;
    expect(lost).toBeGreaterThan(35);
    expect(lost).toBeLessThan(85);
    const slow = new LinkDirection({ latency: 1, ticksPerByte: 1000, loss: 0 }, 1);
    for (let i = 0; i < LINK_QUEUE_MAX; i++) expect(slow.send(60, 0)).toBeGreaterThan(0);
    expect(slow.send(60, 0)).toBe(-1);
    expect(slow.counters.queueDrops).toBe(1);
  });
});

describe("MAC addresses", () => {
  it("parse and print; bad text and group addresses are one-line errors", () => {
    expect(formatMac(parseMac("52:54:00:AB:cd:01"))).toBe("52:54:00:ab:cd:01");
    expect(formatMac(defaultMac(0))).toBe("52:54:00:00:00:01");
    expect(() => parseMac("52:54:00:ab:cd")).toThrow(/expected six hexadecimal bytes/);
    expect(() => parseMac("01:00:5e:00:00:01")).toThrow(/group address/);
  });
});

interface Pair {
  net: Network;
  sender: Machine;
  reflector: Machine;
  output: () => string;
}

function pair(link: Partial<LinkSpec> = {}, seed = 1, count = 20, captures: Uint8Array[][] = []): Pair {
  const net = new Network({ seed });
  const chunks: number[] = [];
  const reflector = createVm({ name: "reflector", image: reflectorImage(10_000), nic: { mac: defaultMac(1) } });
  const sender = createVm({ name: "sender", image: senderImage(count, defaultMac(1)), nic: { mac: defaultMac(0) }, sink: (b) => chunks.push(b) });
  const capture = () => {
    const chunks: Uint8Array[] = [];
    captures.push(chunks);
    return new PcapWriter((c) => chunks.push(Uint8Array.from(c)));
  };
  net.plug("sender", sender, { link, capture: capture() });
  net.plug("reflector", reflector, { link, capture: capture() });
  return { net, sender, reflector, output: () => Buffer.from(chunks).toString("latin1") };
}

const joined = (chunks: Uint8Array[]) => Buffer.concat(chunks.map((c) => Buffer.from(c)));

describe("a network of VMs", () => {
  it("carries frames between two VMs through the switch, each way in 2 × the latency", () => {
    const { net, sender, output } = pair({ latencyNs: 50_000 });
    expect(net.run(1e8, () => sender.ended !== null)).toBe("until");
    expect(sender.ended).toEqual({ kind: "halted", status: 0 });
    expect(output()).toBe(".".repeat(20));
    // 20 round trips of 4 hops of 5000 ticks, and little else.
    expect(net.time).toBeGreaterThan(20 * 20_000);
    expect(net.time).toBeLessThan(20 * 21_000);
    const [s, r] = net.report();
    expect(s!.sent.frames).toBe(20);
    expect(r!.sent.frames).toBe(20);
  });

  it("bare machines on the network run exactly as monitored ones", () => {
    const run = (make: typeof createVm | typeof createBareMachine) => {
      const net = new Network({ seed: 9 });
      const out: number[] = [];
      const reflector = make({ name: "reflector", image: reflectorImage(10_000), nic: { mac: defaultMac(1) } });
      const sender = make({ name: "sender", image: senderImage(15, defaultMac(1)), nic: { mac: defaultMac(0) }, sink: (b) => out.push(b) });
      net.plug("sender", sender, { link: { loss: 0.2 } });
      net.plug("reflector", reflector, { link: { loss: 0.2 } });
      net.run(1e9, () => sender.ended !== null);
      return { out: Buffer.from(out).toString(), time: net.time, report: net.report(), ticks: [sender.cpu.ticks, reflector.cpu.ticks], regs: Array.from(reflector.cpu.regs) };
    };
    const monitored = run(createVm);
    expect(monitored.out).toContain("r");
    expect(run(createBareMachine)).toEqual(monitored);
  });

  it("with loss, the sender resends; the same seed gives the same run, another seed another", () => {
    const run = (seed: number) => {
      const p = pair({ loss: 0.25 }, seed);
      p.net.run(1e9, () => p.sender.ended !== null);
      return { output: p.output(), time: p.net.time, ended: p.sender.ended, ticks: p.reflector.cpu.ticks };
    };
    const a = run(3);
    expect(a.ended).toEqual({ kind: "halted", status: 0 });
    expect(a.output).toContain("r");
    expect(a.output.replace(/r/g, "")).toBe(".".repeat(20));
    expect(run(3)).toEqual(a);
    expect(run(4)).not.toEqual(a);
  });

  it("writes a pcap per port that parses, with the frames in time order", () => {
    const captures: Uint8Array[][] = [];
    const { net, sender } = pair({}, 1, 5, captures);
    net.run(1e8, () => sender.ended !== null);
    net.flushCaptures();
    const records = parsePcap(joined(captures[0]!));
    expect(records).toHaveLength(10); // 5 out, 5 back
    expect(records.map((r) => r.micros)).toEqual([...records.map((r) => r.micros)].sort((x, y) => x - y));
    expect(formatMac(records[0]!.frame, 0)).toBe("52:54:00:00:00:02");
    expect(formatMac(records[1]!.frame, 6)).toBe("52:54:00:00:00:02");
    expect(() => parsePcap(joined(captures[0]!).subarray(0, 50), "x.pcap")).toThrow(/^x\.pcap: byte 24: frame of 60 bytes cut short$/);
  });

  it("tcpdump reads the capture as Ethernet frames, where it is installed", () => {
    const found = spawnSync("tcpdump", ["--version"], { encoding: "utf8" });
    if (found.error) return; // not installed: .ci/run installs it
    const captures: Uint8Array[][] = [];
    const { net, sender } = pair({}, 1, 3, captures);
    net.run(1e8, () => sender.ended !== null);
    net.flushCaptures();
    const dir = mkdtempSync(join(tmpdir(), "toyvmm-pcap-"));
    try {
      const file = join(dir, "sender.pcap");
      writeFileSync(file, joined(captures[0]!));
      const text = execFileSync("tcpdump", ["-r", file, "-e", "-nn"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      const lines = text.split("\n").filter((line) => /^\d/.test(line)); // the frames, not their hex dumps
      expect(lines).toHaveLength(6);
      expect(lines[0]).toMatch(/52:54:00:00:00:01 > 52:54:00:00:00:02, ethertype Unknown \(0x88b5\), length 60/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("two hosts' switches joined by a trunk; after a move the VM announces itself and frames follow it", () => {
    const net = new Network();
    const a = net.addSwitch();
    const b = net.addSwitch();
    net.join(a, b, { latencyNs: 100_000 });
    const reflector = createVm({ name: "reflector", image: reflectorImage(10_000), nic: { mac: defaultMac(1) } });
    const sender = createVm({ name: "sender", image: senderImage(40, defaultMac(1), 200_000), nic: { mac: defaultMac(0) } });
    net.plug("sender", sender, { switchId: a });
    net.plug("reflector", reflector, { switchId: a });
    net.run(1e8, () => sender.cpu.regs[12]! >= 10); // s2: ten replies so far
    // Move the reflector to host B, as a migration would: stopped, then plugged in there.
    const moved = net.unplug("reflector")!;
    net.replug("reflector", moved, b);
    net.run(1e8, () => sender.ended !== null);
    expect(sender.ended).toEqual({ kind: "halted", status: 0 });
    const report = net.report();
    expect(report.find((p) => p.name === "reflector")!.switch).toBe(b);
    // The announcement went out from B; the reflector's replies crossed the trunk.
    expect(report.find((p) => p.name === "reflector")!.sent.frames).toBeGreaterThanOrEqual(31);
  });
});
