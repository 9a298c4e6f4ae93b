/**
 * A server cluster's front end (fig. 3-13) as a layer-4 switch function, a state machine
 * without I/O: it owns the cluster's address (the VIP) and answers ARP for it; each TCP segment
 * to the VIP goes to one of the servers — a new connection (a SYN) to the next server in turn,
 * every later segment of it to the same one — by rewriting only the frame's destination MAC.
 * The servers accept the VIP as theirs (the guests' boot argument `vip=`) and answer from it
 * straight to the client's MAC, so the responses never pass through the front end (what Linux
 * Virtual Server calls direct routing). The table of connections is bounded: at the bound the
 * oldest is forgotten (its later segments are dropped, as for a connection never seen).
 */
import { MAC_BYTES, formatMac } from "./mac.js";

export const FRONT_END_TABLE_MAX = 1024;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const IPPROTO_TCP = 6;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_ACK = 0x10;
const ARP_LENGTH = 42;
const FRAME_MIN = 60;

export interface FrontEndOptions {
  /** The cluster's address, as a number (10.0.0.1 is 0x0a000001). */
  vip: number;
  /** The front end's own MAC, the one its ARP replies give for the VIP. */
  mac: Uint8Array;
  /** The servers' MACs, in the order connections are handed to them. */
  servers: Uint8Array[];
  tableMax?: number;
}

/** What to do with a frame that entered the switch. */
export type FrontEndAction =
  | { kind: "pass" } // not for the VIP: switch it as usual
  | { kind: "forward"; frame: Uint8Array } // to a server: this copy instead
  | { kind: "reply"; frame: Uint8Array } // the front end's answer, back to where it came from
  | { kind: "drop" };

export interface FrontEndReport {
  vip: string;
  mac: string;
  /** Connections handed to each server, in the servers' order. */
  handed: number[];
  /** Segments for the VIP that belonged to no connection the front end knows. */
  dropped: number;
}

export class FrontEnd {
  private readonly vip: number;
  private readonly mac: Uint8Array;
  private readonly servers: Uint8Array[];
  private readonly tableMax: number;
  /** Client address and port and VIP port → server index, oldest first. */
  private readonly connections = new Map<number, number>();
  private next = 0;
  private readonly handed: number[];
  private dropped = 0;

  constructor(options: FrontEndOptions) {
    if (options.servers.length === 0) throw new Error("a front end needs at least one server");
    this.vip = options.vip >>> 0;
    this.mac = options.mac;
    this.servers = options.servers;
    this.tableMax = options.tableMax ?? FRONT_END_TABLE_MAX;
    this.handed = options.servers.map(() => 0);
  }

  handle(frame: Uint8Array): FrontEndAction {
    if (frame.length < 14) return { kind: "pass" };
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const type = view.getUint16(12);
    if (type === ETHERTYPE_ARP) return this.arp(frame, view);
    if (type === ETHERTYPE_IPV4) return this.ipv4(frame, view);
    return { kind: "pass" };
  }

  report(): FrontEndReport {
    const vip = [24, 16, 8, 0].map((s) => (this.vip >>> s) & 0xff).join(".");
    return { vip, mac: formatMac(this.mac), handed: [...this.handed], dropped: this.dropped };
  }

  /** An ARP request for the VIP is answered with the front end's MAC; other ARP passes. */
  private arp(frame: Uint8Array, view: DataView): FrontEndAction {
    if (frame.length < ARP_LENGTH || view.getUint16(20) !== 1 || view.getUint32(38) !== this.vip) return { kind: "pass" };
    const reply = new Uint8Array(FRAME_MIN);
    const out = new DataView(reply.buffer);
    reply.set(frame.subarray(22, 28), 0); // to the asker
    reply.set(this.mac, MAC_BYTES);
    out.setUint16(12, ETHERTYPE_ARP);
    reply.set(frame.subarray(14, 20), 14); // hardware and protocol types and sizes, as asked
    out.setUint16(20, 2);
    reply.set(this.mac, 22);
    out.setUint32(28, this.vip);
    reply.set(frame.subarray(22, 32), 32); // the asker's MAC and address
    return { kind: "reply", frame: reply };
  }

  private ipv4(frame: Uint8Array, view: DataView): FrontEndAction {
    if (frame.length < 34 || view.getUint32(30) !== this.vip) return { kind: "pass" };
    const headerLength = (frame[14]! & 0x0f) * 4;
    const tcp = 14 + headerLength;
    if (frame[23] !== IPPROTO_TCP || headerLength < 20 || frame.length < tcp + 20) return this.drop();
    // Client address (32 bits), its port and the VIP's port (16 each), as one exact number key.
    const key = view.getUint32(26) * 2 ** 32 + view.getUint16(tcp) * 2 ** 16 + view.getUint16(tcp + 2);
    const flags = frame[tcp + 13]!;
    let server = this.connections.get(key);
    if (server === undefined) {
      if ((flags & (TCP_SYN | TCP_ACK | TCP_RST)) !== TCP_SYN) return this.drop();
      server = this.next;
      this.next = (this.next + 1) % this.servers.length;
      this.handed[server]!++;
      if (this.connections.size >= this.tableMax) this.connections.delete(this.connections.keys().next().value!);
      this.connections.set(key, server);
    } else if (flags & TCP_RST) {
      this.connections.delete(key);
    }
    const copy = frame.slice();
    copy.set(this.servers[server]!, 0);
    return { kind: "forward", frame: copy };
  }

  private drop(): FrontEndAction {
    this.dropped++;
    return { kind: "drop" };
  }
}
