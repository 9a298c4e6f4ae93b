/**
 * The host's TCP end (vmm/net/tcp-endpoint.ts) and the forwarder around it (vmm/net/hostfwd.ts),
 * driven by hand on a virtual clock: the handshake, segments within the peer's window,
 * go-back-N on a timeout that doubles, giving up, the probe of a closed window, in-order
 * delivery and the window it advertises, FIN both ways, RST; ARP and RST from the forwarder.
 */
import { describe, expect, it } from "vitest";
import { Forwarder } from "../../vmm/net/hostfwd.js";
import { ACK, FIN, PSH, RST, SYN, TcpEndpoint, type Segment } from "../../vmm/net/tcp-endpoint.js";
import { arpReply, readTcpFrame, tcpFrame } from "../../vmm/net/tcp-frames.js";

const OPTIONS = { iss: 1000, mss: 512, rto: 100, maxRetries: 3, sendMax: 4096, receiveMax: 1024 };
const GUEST_ISS = 5000;

/** An endpoint past its handshake with a guest whose window is `window`. */
function established(window = 2048): TcpEndpoint {
  const e = new TcpEndpoint(0, OPTIONS);
  expect(e.take()).toEqual([{ seq: 1000, ack: 0, flags: SYN, window: 1024 }]);
  e.segment({ seq: GUEST_ISS, ack: 1001, flags: SYN | ACK, window }, 1);
  expect(e.state).toBe("established");
  expect(e.take()).toEqual([{ seq: 1001, ack: GUEST_ISS + 1, flags: ACK, window: 1024 }]);
  return e;
}

const bytes = (n: number, from = 0) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);
const summary = (segments: Segment[]) => segments.map((s) => [s.seq, s.data?.length ?? 0, s.flags]);

describe("the host's TCP end", () => {
  it("sends in segments of at most the MSS, no more than the guest's window, the rest as it is acknowledged", () => {
    const e = established(1024);
    expect(e.write(bytes(1500), 2)).toBe(1500);
    expect(summary(e.take())).toEqual([[1001, 512, ACK | PSH], [1513, 512, ACK | PSH]]);
    e.segment({ seq: GUEST_ISS + 1, ack: 1513, flags: ACK, window: 1024 }, 3);
    expect(summary(e.take())).toEqual([[2025, 476, ACK | PSH]]);
    e.segment({ seq: GUEST_ISS + 1, ack: 2501, flags: ACK, window: 1024 }, 4);
    expect(e.take()).toEqual([]);
    expect(e.nextTimer).toBe(Infinity);
  });

  it("sends everything unacknowledged again on a timeout that doubles, and gives up with a RST", () => {
    const e = established();
    e.write(bytes(600), 10);
    expect(summary(e.take())).toEqual([[1001, 512, ACK | PSH], [1513, 88, ACK | PSH]]);
    expect(e.nextTimer).toBe(110);
    e.segment({ seq: GUEST_ISS + 1, ack: 1513, flags: ACK, window: 2048 }, 50); // the first arrived
    expect(e.nextTimer).toBe(150);
    e.timer(150);
    expect(summary(e.take())).toEqual([[1513, 88, ACK | PSH]]);
    expect(e.nextTimer).toBe(350); // doubled
    e.timer(350);
    e.take();
    expect(e.nextTimer).toBe(750);
    e.timer(750);
    e.take();
    e.timer(e.nextTimer);
    expect(summary(e.take())).toEqual([[1601, 0, RST | ACK]]);
    expect([e.state, e.closeReason]).toEqual(["closed", "timeout"]);
  });

  it("probes a closed window with one byte, and sends the rest once it opens", () => {
    const e = established(0);
    e.write(bytes(100), 2);
    expect(e.take()).toEqual([]);
    e.timer(e.nextTimer);
    expect(summary(e.take())).toEqual([[1001, 1, ACK | PSH]]);
    e.segment({ seq: GUEST_ISS + 1, ack: 1002, flags: ACK, window: 512 }, 200);
    expect(summary(e.take())).toEqual([[1002, 99, ACK | PSH]]);
  });

  it("takes the guest's bytes in order only, advertises the room left, and reopens the window when read", () => {
    const e = established();
    e.segment({ seq: GUEST_ISS + 1 + 600, ack: 1001, flags: ACK, window: 2048, data: bytes(100) }, 2); // out of order
    expect(e.take()).toEqual([{ seq: 1001, ack: GUEST_ISS + 1, flags: ACK, window: 1024 }]);
    e.segment({ seq: GUEST_ISS + 1, ack: 1001, flags: ACK, window: 2048, data: bytes(600) }, 3);
    expect(e.take()).toEqual([{ seq: 1001, ack: GUEST_ISS + 601, flags: ACK, window: 424 }]);
    e.segment({ seq: GUEST_ISS + 601, ack: 1001, flags: ACK, window: 2048, data: bytes(500, 600) }, 4); // only 424 fit
    expect(e.take()).toEqual([{ seq: 1001, ack: GUEST_ISS + 1025, flags: ACK, window: 0 }]);
    expect(e.read(1000)).toEqual(Uint8Array.from([...bytes(600), ...bytes(400, 600)]));
    expect(e.take()).toEqual([{ seq: 1001, ack: GUEST_ISS + 1025, flags: ACK, window: 1000 }]);
    expect(e.readable).toBe(24);
  });

  it("closes once both FINs are acknowledged, and on a RST; a RST to its SYN is a refusal", () => {
    const e = established();
    e.segment({ seq: GUEST_ISS + 1, ack: 1001, flags: FIN | ACK, window: 2048, data: bytes(3) }, 2);
    expect(e.peerFinished).toBe(true);
    expect(e.take()).toEqual([{ seq: 1001, ack: GUEST_ISS + 5, flags: ACK, window: 1021 }]);
    e.end(3);
    expect(e.take()).toEqual([{ seq: 1001, ack: GUEST_ISS + 5, flags: FIN | ACK, window: 1021 }]);
    e.segment({ seq: GUEST_ISS + 5, ack: 1002, flags: ACK, window: 2048 }, 4);
    expect([e.state, e.closeReason]).toEqual(["closed", "finished"]);
    const r = established();
    r.segment({ seq: GUEST_ISS + 1, ack: 0, flags: RST, window: 0 }, 2);
    expect(r.closeReason).toBe("reset");
    const refused = new TcpEndpoint(0, OPTIONS);
    refused.segment({ seq: 0, ack: 1001, flags: RST | ACK, window: 0 }, 1);
    expect(refused.closeReason).toBe("refused");
  });
});

describe("the forwarder", () => {
  const mac = Uint8Array.of(0x52, 0x55, 0x0a, 0, 2, 2);
  const ip = 0x0a000202;
  const guest = { mac: Uint8Array.of(0x52, 0x54, 0, 0, 0, 1), ip: 0x0a000001, port: 80 };

  it("opens a connection with a SYN to the guest, answers ARP for its address and a stray segment with a RST", () => {
    const f = new Forwarder(mac, ip, { rto: 100, maxRetries: 3 });
    const id = f.open(guest, 0);
    const [syn] = f.take().map(readTcpFrame);
    expect(syn).toMatchObject({ srcIp: ip, dstIp: guest.ip, srcPort: id, dstPort: 80, flags: SYN });
    // An ARP request for its address from the guest.
    const request = arpReply(guest.mac, guest.ip, { senderMac: new Uint8Array(6), senderIp: ip });
    request[21] = 1; // opcode 1: a request
    request.fill(0xff, 0, 6);
    f.frame(request, 1);
    const [reply] = f.take();
    expect(Array.from(reply!.subarray(0, 6))).toEqual(Array.from(guest.mac));
    expect(reply![21]).toBe(2);
    // A segment for a connection it does not have.
    f.frame(tcpFrame(mac, { srcMac: guest.mac, srcIp: guest.ip, dstIp: ip, srcPort: 80, dstPort: 40000, seq: 7, ack: 0, flags: SYN, window: 2048 }), 2);
    expect(f.take().map(readTcpFrame)).toMatchObject([{ srcPort: 40000, dstPort: 80, flags: RST | ACK, ack: 8 }]);
    // A segment with a bad checksum is no segment.
    const bad = tcpFrame(mac, { srcMac: guest.mac, srcIp: guest.ip, dstIp: ip, srcPort: 80, dstPort: id, seq: 7, ack: 0, flags: SYN | ACK, window: 2048 });
    bad[50] = (bad[50]! + 1) & 0xff;
    f.frame(bad, 3);
    expect(f.take()).toEqual([]);
    expect(f.endpoint(id)!.state).toBe("syn-sent");
  });
});
