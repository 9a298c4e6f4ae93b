/**
 * The host's end of forwarded connections (QEMU's hostfwd, as slirp makes them), without I/O:
 * a station on the guest network with its own MAC and IPv4 address that opens TCP connections
 * to guests' ports on behalf of clients on the host's machine. It answers ARP for its address,
 * hands each guest segment to its connection (tcp-endpoint.ts), answers a segment for no
 * connection with a RST, and turns the connections' segments into frames. UDP goes through its
 * peers' table (udp-forward.ts).
 *
 *   client ──bytes──▶ driver ──write──▶ Forwarder ──frames──▶ host switch ──▶ guest NIC
 *          ◀─bytes───        ◀─read───            ◀─frames──
 *
 * At most CONNECTIONS_MAX connections at once; each holds at most SEND_MAX bytes for the guest
 * and RECEIVE_MAX for the client (the window it advertises), so the host holds a bounded amount
 * whatever the guest or the client does. Time is in ticks of the caller's clock.
 */
import { ACK, FIN, RST, SYN, TcpEndpoint, type CloseReason, type EndpointOptions } from "./tcp-endpoint.js";
import { arpAnnouncement, arpReply, readArpRequest, readTcpFrame, readUdpFrame, tcpFrame } from "./tcp-frames.js";
import { UdpForwarding, type UdpAnswer } from "./udp-forward.js";

export const CONNECTIONS_MAX = 64;
export const SEND_MAX = 64 * 1024;
export const RECEIVE_MAX = 8 * 1024;
/** The guests' segment size (TCP_MSS in guest-os/lib/net-consts.s). */
export const GUEST_MSS = 512;
const FIRST_PORT = 49152;

/** Where a forwarded connection goes: the guest's MAC, address and port. */
export interface GuestPort {
  mac: Uint8Array;
  ip: number;
  port: number;
}

interface Connection {
  endpoint: TcpEndpoint;
  guest: GuestPort;
}

export class Forwarder {
  private readonly connections = new Map<number, Connection>();
  private readonly frames: Uint8Array[] = [];
  private readonly answers: UdpAnswer[] = [];
  private readonly udp: UdpForwarding;
  /** Another station has sent an ARP request from this forwarder's address: two hold it (say, joined hosts' forwarders). */
  conflict = false;
  private nextPort = FIRST_PORT;
  private issSeed = 1;
  private readonly timing: Pick<EndpointOptions, "rto" | "maxRetries">;

  constructor(
    readonly mac: Uint8Array,
    readonly ip: number,
    /** The first retransmission timeout in ticks, and the timeouts in a row before a connection is given up. */
    timing: { rto: number; maxRetries: number },
  ) {
    this.timing = timing;
    this.udp = new UdpForwarding(mac, ip);
  }

  /** A datagram from a peer on the host's machine (on rule `rule`'s socket) for a guest's port; false when it is too long for one packet. */
  datagram(rule: number, address: string, port: number, guest: GuestPort, data: Uint8Array): boolean {
    const frame = this.udp.send(rule, address, port, guest, data);
    if (frame) this.frames.push(frame);
    return frame !== null;
  }

  /** Tells the network this forwarder holds its address (a gratuitous ARP), so a station holding it too hears of it. */
  announce(): void {
    this.frames.push(arpAnnouncement(this.mac, this.ip));
  }

  /** The guests' answers for peers, oldest first (taking them empties the queue). */
  takeAnswers(): UdpAnswer[] {
    return this.answers.splice(0);
  }

  /** Opens a connection to a guest's port; its id (this end's port), or -1 when CONNECTIONS_MAX are open. */
  open(guest: GuestPort, now: number): number {
    if (this.connections.size >= CONNECTIONS_MAX) return -1;
    while (this.connections.has(this.nextPort)) this.step();
    const id = this.nextPort;
    this.step();
    // Different for each connection, so a late segment of an old one is not taken for a new one's.
    const iss = Math.imul(this.issSeed++, 0x9e3779b1) >>> 0;
    const endpoint = new TcpEndpoint(now, { iss, mss: GUEST_MSS, sendMax: SEND_MAX, receiveMax: RECEIVE_MAX, ...this.timing });
    this.connections.set(id, { endpoint, guest });
    this.collect(id);
    return id;
  }

  /** The connection's state machine, for the driver to write to, read from and end. */
  endpoint(id: number): TcpEndpoint | undefined {
    return this.connections.get(id)?.endpoint;
  }

  /** The ids of the open connections. */
  ids(): number[] {
    return [...this.connections.keys()];
  }

  /** A frame from the switch. */
  frame(frame: Uint8Array, now: number): void {
    const arp = readArpRequest(frame);
    if (arp) {
      // The switch never sends this forwarder's own frames back to it.
      if (arp.senderIp === this.ip) this.conflict = true;
      if (arp.targetIp === this.ip && arp.senderIp !== this.ip) this.frames.push(arpReply(this.mac, this.ip, arp));
      return;
    }
    const d = readUdpFrame(frame);
    if (d) {
      const answer = this.udp.answer(d);
      if (answer) this.answers.push(answer);
      return;
    }
    const s = readTcpFrame(frame);
    if (!s || s.dstIp !== this.ip) return;
    const id = s.dstPort;
    const c = this.connections.get(id);
    if (!c || c.guest.ip !== s.srcIp || c.guest.port !== s.srcPort) {
      if (!(s.flags & RST)) this.reset(s);
      return;
    }
    // The guest may have moved (a migration): its frames say where it is now.
    c.guest.mac = s.srcMac;
    c.endpoint.segment(s, now);
    this.collect(id);
  }

  /** Sends what a connection made since (after `write`, `end`, `read` or `abort` on its endpoint). */
  collect(id: number): void {
    const c = this.connections.get(id);
    if (!c) return;
    for (const s of c.endpoint.take()) {
      this.frames.push(tcpFrame(c.guest.mac, { ...s, srcMac: this.mac, srcIp: this.ip, dstIp: c.guest.ip, srcPort: id, dstPort: c.guest.port }));
    }
  }

  /** Runs the timers due by `now`. */
  timer(now: number): void {
    for (const [id, c] of this.connections) {
      if (c.endpoint.nextTimer <= now) {
        c.endpoint.timer(now);
        this.collect(id);
      }
    }
  }

  /** When `timer` should be called next. */
  get nextTimer(): number {
    let soonest = Infinity;
    for (const c of this.connections.values()) soonest = Math.min(soonest, c.endpoint.nextTimer);
    return soonest;
  }

  /** Forgets a closed connection (once the driver has taken what it had); why it closed. */
  release(id: number): CloseReason | null {
    const reason = this.connections.get(id)?.endpoint.closeReason ?? null;
    this.connections.delete(id);
    return reason;
  }

  /** Frames to send, oldest first (taking them empties the queue). */
  take(): Uint8Array[] {
    return this.frames.splice(0);
  }

  private step(): void {
    this.nextPort = this.nextPort >= 0xffff ? FIRST_PORT : this.nextPort + 1;
  }

  /** RFC 793's answer to a segment for no connection. */
  private reset(s: NonNullable<ReturnType<typeof readTcpFrame>>): void {
    const length = s.data.length + (s.flags & SYN ? 1 : 0) + (s.flags & FIN ? 1 : 0); // SYN and FIN take a sequence number each
    const segment = s.flags & ACK ? { seq: s.ack, ack: 0, flags: RST } : { seq: 0, ack: (s.seq + length) >>> 0, flags: RST | ACK };
    this.frames.push(tcpFrame(s.srcMac, { ...segment, window: 0, srcMac: this.mac, srcIp: this.ip, dstIp: s.srcIp, srcPort: s.dstPort, dstPort: s.srcPort }));
  }
}
