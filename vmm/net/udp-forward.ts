/**
 * UDP through the host's forwarder (QEMU's `hostfwd=udp:…`), without I/O: a datagram from a
 * peer on the host's machine goes to the guest's port from a port of the forwarder's own that
 * stands for that peer, and the guest's answers to that port go back to the peer.
 *
 *   peer ──datagram──▶ driver ──send──▶ UdpForwarding ──frame──▶ guest's port
 *        ◀─datagram───        ◀─take──              ◀─frame───
 *
 * At most PEERS_MAX peers are remembered; a new one past that takes the place of the one heard
 * from longest ago, whose late answers are then dropped. Nothing is buffered: a datagram is a
 * frame at once, an answer a datagram at once, as UDP loses what it cannot carry.
 */
import { udpFrame, UDP_DATA_MAX, type UdpDatagram } from "./tcp-frames.js";

export const PEERS_MAX = 256;
/** The forwarder's ports for peers: the top of the dynamic range, apart from the TCP connections' (which start at 49152). */
const FIRST_PORT = 61440;
const PORTS = 65536 - FIRST_PORT;

/** Where a forwarded datagram goes. */
export interface UdpGuest {
  mac: Uint8Array;
  ip: number;
  port: number;
}

/** An answer for a peer: the rule (socket) it came in on, the peer's address and port, the bytes. */
export interface UdpAnswer {
  rule: number;
  address: string;
  port: number;
  data: Uint8Array;
}

interface Peer {
  rule: number;
  address: string;
  port: number;
  guest: UdpGuest;
}

const peerKey = (p: Pick<Peer, "rule" | "address" | "port">) => `${p.rule} ${p.address} ${p.port}`;

export class UdpForwarding {
  /** By the forwarder's port; a Map keeps insertion order, so the first entry is the peer heard from longest ago. */
  private readonly peers = new Map<number, Peer>();
  private readonly byPeer = new Map<string, number>();
  private nextPort = FIRST_PORT;

  constructor(
    private readonly mac: Uint8Array,
    private readonly ip: number,
  ) {}

  /** A datagram from `address`:`port` on rule `rule`'s socket for `guest`: its frame, or null when it is too long for one packet. */
  send(rule: number, address: string, port: number, guest: UdpGuest, data: Uint8Array): Uint8Array | null {
    if (data.length > UDP_DATA_MAX) return null;
    const key = peerKey({ rule, address, port });
    let local = this.byPeer.get(key);
    if (local === undefined) local = this.remember(key, { rule, address, port, guest });
    else {
      const peer = this.peers.get(local)!;
      this.peers.delete(local); // to the end of the order: heard from just now
      this.peers.set(local, { ...peer, guest });
    }
    return udpFrame(guest.mac, { srcMac: this.mac, srcIp: this.ip, dstIp: guest.ip, srcPort: local, dstPort: guest.port, data });
  }

  /** A guest's datagram to the forwarder: the answer for its peer, or null when no peer has that port or it is not from the guest the peer wrote to. */
  answer(d: UdpDatagram): UdpAnswer | null {
    if (d.dstIp !== this.ip) return null;
    const peer = this.peers.get(d.dstPort);
    if (!peer || peer.guest.ip !== d.srcIp || peer.guest.port !== d.srcPort) return null;
    // The guest may have moved (a migration): its frames say where it is now.
    peer.guest.mac = d.srcMac;
    return { rule: peer.rule, address: peer.address, port: peer.port, data: d.data };
  }

  /** How many peers are remembered. */
  get size(): number {
    return this.peers.size;
  }

  private remember(key: string, peer: Peer): number {
    if (this.peers.size >= PEERS_MAX) this.forget(this.peers.keys().next().value!);
    while (this.peers.has(this.nextPort)) this.step();
    const local = this.nextPort;
    this.step();
    this.peers.set(local, peer);
    this.byPeer.set(key, local);
    return local;
  }

  private forget(local: number): void {
    const peer = this.peers.get(local)!;
    this.peers.delete(local);
    this.byPeer.delete(peerKey(peer));
  }

  private step(): void {
    this.nextPort = FIRST_PORT + ((this.nextPort - FIRST_PORT + 1) % PORTS);
  }
}
