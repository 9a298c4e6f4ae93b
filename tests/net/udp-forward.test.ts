/**
 * UDP through the host's forwarder without I/O (vmm/net/udp-forward.ts, vmm/net/hostfwd.ts):
 * UDP frames made and read with their checksums, one forwarder port per peer and the answers
 * back to it, the peers' table bounded (the oldest forgotten), answers from elsewhere dropped;
 * the forwarder's address announced and a second holder of it noticed; the flags parsed.
 */
import { describe, expect, it } from "vitest";
import { forwarderAddress, parseForwarderAddress, parseHostfwd } from "../../vmm/host/hostfwd.js";
import { Forwarder } from "../../vmm/net/hostfwd.js";
import { arpAnnouncement, readArpRequest, readUdpFrame, udpFrame, UDP_DATA_MAX } from "../../vmm/net/tcp-frames.js";
import { PEERS_MAX, UdpForwarding } from "../../vmm/net/udp-forward.js";

const FWD_MAC = Uint8Array.of(0x52, 0x55, 0x0a, 0x00, 0x02, 9);
const FWD_IP = 0x0a000209;
const GUEST_MAC = Uint8Array.of(0x52, 0x54, 0, 0, 0, 1);
const guest = () => ({ mac: Uint8Array.from(GUEST_MAC), ip: 0x0a000001, port: 7 });
const text = (s: string) => new TextEncoder().encode(s);

/** The guest's echo of a frame the forwarder sent it. */
function echo(frame: Uint8Array): Uint8Array {
  const d = readUdpFrame(frame)!;
  return udpFrame(FWD_MAC, { srcMac: GUEST_MAC, srcIp: d.dstIp, dstIp: d.srcIp, srcPort: d.dstPort, dstPort: d.srcPort, data: d.data });
}

describe("UDP frames", () => {
  it("are read back as made, checksums checked; a checksum of 0 means none, a wrong one drops the frame", () => {
    const frame = udpFrame(GUEST_MAC, { srcMac: FWD_MAC, srcIp: FWD_IP, dstIp: 0x0a000001, srcPort: 61440, dstPort: 7, data: text("hello") });
    expect(frame.length).toBe(60);
    expect(readUdpFrame(frame)).toEqual({ srcMac: FWD_MAC, srcIp: FWD_IP, dstIp: 0x0a000001, srcPort: 61440, dstPort: 7, data: text("hello") });
    const corrupt = frame.slice();
    corrupt[42] ^= 1;
    expect(readUdpFrame(corrupt)).toBeNull();
    corrupt[40] = corrupt[41] = 0; // no checksum: believed as it is
    expect(readUdpFrame(corrupt)?.data).toEqual(text("iello"));
    const long = udpFrame(GUEST_MAC, { srcMac: FWD_MAC, srcIp: FWD_IP, dstIp: 1, srcPort: 1, dstPort: 2, data: new Uint8Array(UDP_DATA_MAX) });
    expect(long.length).toBe(1514);
    expect(readUdpFrame(long.subarray(0, 1000))).toBeNull(); // cut short
    expect(() => udpFrame(GUEST_MAC, { srcMac: FWD_MAC, srcIp: 0, dstIp: 0, srcPort: 0, dstPort: 0, data: new Uint8Array(UDP_DATA_MAX + 1) })).toThrow(RangeError);
  });
});

describe("the forwarder's UDP peers", () => {
  it("gives each peer its own port and sends the guest's answers back to it; a peer keeps its port", () => {
    const udp = new UdpForwarding(FWD_MAC, FWD_IP);
    const a = udp.send(0, "127.0.0.1", 5000, guest(), text("from a"))!;
    const b = udp.send(0, "127.0.0.1", 5001, guest(), text("from b"))!;
    const a2 = udp.send(0, "127.0.0.1", 5000, guest(), text("a again"))!;
    expect(readUdpFrame(a)).toMatchObject({ srcIp: FWD_IP, dstIp: 0x0a000001, dstPort: 7, data: text("from a") });
    expect(readUdpFrame(a)!.srcPort).not.toBe(readUdpFrame(b)!.srcPort);
    expect(readUdpFrame(a2)!.srcPort).toBe(readUdpFrame(a)!.srcPort);
    expect(udp.answer(readUdpFrame(echo(b))!)).toEqual({ rule: 0, address: "127.0.0.1", port: 5001, data: text("from b") });
    expect(udp.answer(readUdpFrame(echo(a2))!)).toEqual({ rule: 0, address: "127.0.0.1", port: 5000, data: text("a again") });
    expect(udp.size).toBe(2);
  });

  it("drops answers from another guest or port, for no peer, and datagrams too long for one packet", () => {
    const udp = new UdpForwarding(FWD_MAC, FWD_IP);
    const d = readUdpFrame(udp.send(1, "::1", 9, guest(), text("x"))!)!;
    const back = { srcMac: GUEST_MAC, srcIp: 0x0a000001, dstIp: FWD_IP, srcPort: 7, dstPort: d.srcPort, data: text("x") };
    expect(udp.answer(back)).not.toBeNull();
    expect(udp.answer({ ...back, srcIp: 0x0a000002 })).toBeNull();
    expect(udp.answer({ ...back, srcPort: 8 })).toBeNull();
    expect(udp.answer({ ...back, dstPort: d.srcPort + 1 })).toBeNull();
    expect(udp.answer({ ...back, dstIp: FWD_IP + 1 })).toBeNull();
    expect(udp.send(1, "::1", 9, guest(), new Uint8Array(UDP_DATA_MAX + 1))).toBeNull();
  });

  it(`remembers at most ${PEERS_MAX} peers: a new one past that forgets the one heard from longest ago`, () => {
    const udp = new UdpForwarding(FWD_MAC, FWD_IP);
    const frames = Array.from({ length: PEERS_MAX }, (_, i) => udp.send(0, "127.0.0.1", 1000 + i, guest(), text(`${i}`))!);
    udp.send(0, "127.0.0.1", 1000, guest(), text("0 again")); // peer 0 heard from again: peer 1 is now the oldest
    const newcomer = udp.send(0, "127.0.0.1", 9999, guest(), text("new"))!;
    expect(udp.size).toBe(PEERS_MAX);
    expect(udp.answer(readUdpFrame(echo(frames[1]!))!)).toBeNull();
    expect(udp.answer(readUdpFrame(echo(frames[0]!))!)?.port).toBe(1000);
    expect(udp.answer(readUdpFrame(echo(frames[2]!))!)?.port).toBe(1002);
    expect(udp.answer(readUdpFrame(echo(newcomer))!)?.port).toBe(9999);
    const ports = new Set(frames.slice(2).map((f) => readUdpFrame(f)!.srcPort));
    expect(ports.has(readUdpFrame(newcomer)!.srcPort)).toBe(false);
  });

  it("are the Forwarder's: its datagrams become frames, the guest's answers come out once each", () => {
    const fwd = new Forwarder(FWD_MAC, FWD_IP, { rto: 100, maxRetries: 3 });
    expect(fwd.datagram(0, "127.0.0.1", 5000, guest(), text("ping"))).toBe(true);
    const [frame] = fwd.take();
    fwd.frame(echo(frame!), 0);
    expect(fwd.takeAnswers()).toEqual([{ rule: 0, address: "127.0.0.1", port: 5000, data: text("ping") }]);
    expect(fwd.takeAnswers()).toEqual([]);
  });
});

describe("the forwarder's address", () => {
  it("is announced by gratuitous ARP; another station's ARP from the same address is a conflict", () => {
    const fwd = new Forwarder(FWD_MAC, FWD_IP, { rto: 100, maxRetries: 3 });
    fwd.announce();
    const [announcement] = fwd.take();
    expect(announcement!.subarray(0, 6)).toEqual(new Uint8Array(6).fill(0xff));
    expect(readArpRequest(announcement!)).toEqual({ senderMac: FWD_MAC, senderIp: FWD_IP, targetIp: FWD_IP });
    fwd.frame(arpAnnouncement(Uint8Array.of(0x52, 0x55, 0x0a, 0x00, 0x02, 10), FWD_IP + 1), 0);
    expect(fwd.conflict).toBe(false);
    fwd.frame(arpAnnouncement(FWD_MAC, FWD_IP), 0);
    expect(fwd.conflict).toBe(true);
    expect(fwd.take()).toEqual([]); // not answered: it is its own address
  });

  it("is 10.0.2.N as chosen, or from the host's name; bad choices and rules are refused in one line", () => {
    expect(forwarderAddress("a", 30)).toEqual({ mac: Uint8Array.of(0x52, 0x55, 0x0a, 0x00, 0x02, 30), ip: 0x0a00021e });
    expect(forwarderAddress("a").ip).toBe(forwarderAddress("a").ip);
    expect(parseForwarderAddress("10.0.2.254")).toBe(254);
    for (const bad of ["10.0.2.1", "10.0.2.255", "10.0.0.5", "10.0.2", "x"]) {
      expect(() => parseForwarderAddress(bad)).toThrow(`--hostfwd-address ${JSON.stringify(bad)}: expected 10.0.2.N, N from 2 to 254 (the guests are 10.0.0.N)`);
    }
    expect(parseHostfwd("udp::5353-10.0.0.3:53")).toEqual({ protocol: "udp", listen: { host: "127.0.0.1", port: 5353 }, guest: 0x0a000003, guestPort: 53 });
    expect(parseHostfwd("tcp:8080-web:80").protocol).toBe("tcp");
    expect(() => parseHostfwd("udp:8080-web:0")).toThrow('--hostfwd "udp:8080-web:0": port 0 is not from 1 to 65535');
  });
});
