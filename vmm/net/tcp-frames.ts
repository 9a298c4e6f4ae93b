/**
 * The frames the host's side of the guest network makes and reads (hostfwd.ts): Ethernet with
 * IPv4 and TCP or UDP, and ARP — the subset the guests' stack speaks (guest-os/lib/net*.s): IPv4
 * without options or fragments, TCP without options. Every length and checksum of a frame
 * read is checked before it is believed; a frame that is not such a packet reads as null.
 */
import { MAC_BYTES } from "./mac.js";

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
const IP_PROTO_TCP = 6;
const IP_PROTO_UDP = 17;
const ETH_HLEN = 14;
const IP_HLEN = 20;
const TCP_HLEN = 20;
const UDP_HLEN = 8;
/** The most a datagram carries in one unfragmented IPv4 packet (UDP_MAX_DATA in guest-os/lib/net-consts.s). */
export const UDP_DATA_MAX = 1500 - IP_HLEN - UDP_HLEN;
/** The Ethernet minimum: shorter frames are padded with zeros. */
const FRAME_MIN = 60;

export const TCP = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export interface TcpSegment {
  srcMac: Uint8Array;
  /** Addresses as unsigned 32-bit numbers (10.0.0.1 is 0x0a000001). */
  srcIp: number;
  dstIp: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  data: Uint8Array;
}

/** RFC 1071: the ones' complement sum of `bytes`, folded to 16 bits, from `sum`. */
function onesSum(bytes: Uint8Array, sum = 0): number {
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < bytes.length) sum += bytes[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** `10.0.0.1` for 0x0a000001. */
export function formatIp(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff].join(".");
}

/** An Ethernet frame with an IPv4 header (its checksum made) before `l4Length` bytes of `protocol`, left zero; the frame and where they start. */
function ipv4Frame(dstMac: Uint8Array, srcMac: Uint8Array, protocol: number, srcIp: number, dstIp: number, l4Length: number): { frame: Uint8Array; v: DataView; l4: number } {
  const ipLength = IP_HLEN + l4Length;
  const frame = new Uint8Array(Math.max(FRAME_MIN, ETH_HLEN + ipLength));
  const v = new DataView(frame.buffer);
  frame.set(dstMac, 0);
  frame.set(srcMac, MAC_BYTES);
  v.setUint16(12, ETHERTYPE_IPV4);
  const ip = ETH_HLEN;
  v.setUint8(ip, 0x45);
  v.setUint16(ip + 2, ipLength);
  v.setUint16(ip + 6, 0x4000); // don't fragment
  v.setUint8(ip + 8, 64);
  v.setUint8(ip + 9, protocol);
  v.setUint32(ip + 12, srcIp);
  v.setUint32(ip + 16, dstIp);
  v.setUint16(ip + 10, ~onesSum(frame.subarray(ip, ip + IP_HLEN)) & 0xffff);
  return { frame, v, l4: ip + IP_HLEN };
}

/** The transport checksum of `l4Length` bytes at `l4`, pseudo-header included: 0xffff when a received one is right. */
function l4Sum(frame: Uint8Array, protocol: number, l4: number, l4Length: number): number {
  const pseudo = onesSum(frame.subarray(ETH_HLEN + 12, ETH_HLEN + 20)) + protocol + l4Length;
  return onesSum(frame.subarray(l4, l4 + l4Length), pseudo);
}

/** A TCP segment in an IPv4 packet in an Ethernet frame, checksums made. */
export function tcpFrame(dstMac: Uint8Array, s: Omit<TcpSegment, "data"> & { data?: Uint8Array }): Uint8Array {
  const data = s.data ?? new Uint8Array(0);
  const length = TCP_HLEN + data.length;
  const { frame, v, l4: tcp } = ipv4Frame(dstMac, s.srcMac, IP_PROTO_TCP, s.srcIp, s.dstIp, length);
  v.setUint16(tcp, s.srcPort);
  v.setUint16(tcp + 2, s.dstPort);
  v.setUint32(tcp + 4, s.seq >>> 0);
  v.setUint32(tcp + 8, s.ack >>> 0);
  v.setUint8(tcp + 12, (TCP_HLEN / 4) << 4);
  v.setUint8(tcp + 13, s.flags);
  v.setUint16(tcp + 14, s.window);
  frame.set(data, tcp + TCP_HLEN);
  v.setUint16(tcp + 16, ~l4Sum(frame, IP_PROTO_TCP, tcp, length) & 0xffff);
  return frame;
}

/** The IPv4 packet of `protocol` a frame carries, header checked; where its payload starts and how long it is. */
function readIpv4(frame: Uint8Array, protocol: number, l4Min: number): { v: DataView; l4: number; l4Length: number } | null {
  if (frame.length < ETH_HLEN + IP_HLEN + l4Min) return null;
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (v.getUint16(12) !== ETHERTYPE_IPV4) return null;
  const ip = ETH_HLEN;
  if (frame[ip] !== 0x45 || frame[ip + 9] !== protocol || (v.getUint16(ip + 6) & 0x3fff) !== 0) return null;
  const total = v.getUint16(ip + 2);
  if (total < IP_HLEN + l4Min || ETH_HLEN + total > frame.length) return null;
  if (onesSum(frame.subarray(ip, ip + IP_HLEN)) !== 0xffff) return null;
  return { v, l4: ip + IP_HLEN, l4Length: total - IP_HLEN };
}

/** Who sent a packet to whom: MAC and IPv4 address, and the TCP or UDP ports at `l4`. */
function addresses(frame: Uint8Array, v: DataView, l4: number): Pick<UdpDatagram, "srcMac" | "srcIp" | "dstIp" | "srcPort" | "dstPort"> {
  return {
    srcMac: frame.slice(MAC_BYTES, 2 * MAC_BYTES),
    srcIp: v.getUint32(ETH_HLEN + 12),
    dstIp: v.getUint32(ETH_HLEN + 16),
    srcPort: v.getUint16(l4),
    dstPort: v.getUint16(l4 + 2),
  };
}

/** The TCP segment a frame carries, when it is a well-formed one with good checksums; else null. */
export function readTcpFrame(frame: Uint8Array): TcpSegment | null {
  const packet = readIpv4(frame, IP_PROTO_TCP, TCP_HLEN);
  if (!packet) return null;
  const { v, l4: tcp, l4Length } = packet;
  const offset = (frame[tcp + 12]! >> 4) * 4;
  if (offset < TCP_HLEN || offset > l4Length) return null;
  if (l4Sum(frame, IP_PROTO_TCP, tcp, l4Length) !== 0xffff) return null;
  return {
    ...addresses(frame, v, tcp),
    seq: v.getUint32(tcp + 4),
    ack: v.getUint32(tcp + 8),
    flags: frame[tcp + 13]!,
    window: v.getUint16(tcp + 14),
    data: frame.slice(tcp + offset, tcp + l4Length),
  };
}

export interface UdpDatagram {
  srcMac: Uint8Array;
  srcIp: number;
  dstIp: number;
  srcPort: number;
  dstPort: number;
  data: Uint8Array;
}

/** A UDP datagram (at most UDP_DATA_MAX bytes) in an IPv4 packet in an Ethernet frame, checksums made. */
export function udpFrame(dstMac: Uint8Array, d: UdpDatagram): Uint8Array {
  if (d.data.length > UDP_DATA_MAX) throw new RangeError(`a datagram has at most ${UDP_DATA_MAX} bytes, not ${d.data.length}`);
  const length = UDP_HLEN + d.data.length;
  const { frame, v, l4: udp } = ipv4Frame(dstMac, d.srcMac, IP_PROTO_UDP, d.srcIp, d.dstIp, length);
  v.setUint16(udp, d.srcPort);
  v.setUint16(udp + 2, d.dstPort);
  v.setUint16(udp + 4, length);
  frame.set(d.data, udp + UDP_HLEN);
  // A sum of 0 is sent as 0xffff: 0 means no checksum (RFC 768).
  v.setUint16(udp + 6, ~l4Sum(frame, IP_PROTO_UDP, udp, length) & 0xffff || 0xffff);
  return frame;
}

/** The UDP datagram a frame carries, when it is a well-formed one (its checksum right, or absent); else null. */
export function readUdpFrame(frame: Uint8Array): UdpDatagram | null {
  const packet = readIpv4(frame, IP_PROTO_UDP, UDP_HLEN);
  if (!packet) return null;
  const { v, l4: udp, l4Length } = packet;
  const length = v.getUint16(udp + 4);
  if (length < UDP_HLEN || length > l4Length) return null;
  if (v.getUint16(udp + 6) !== 0 && l4Sum(frame, IP_PROTO_UDP, udp, length) !== 0xffff) return null;
  return {
    ...addresses(frame, v, udp),
    data: frame.slice(udp + UDP_HLEN, udp + length),
  };
}

/** An ARP request for `targetIp` (who has it?), or null when the frame is no ARP request. */
export function readArpRequest(frame: Uint8Array): { senderMac: Uint8Array; senderIp: number; targetIp: number } | null {
  if (frame.length < ETH_HLEN + 28) return null;
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (v.getUint16(12) !== ETHERTYPE_ARP || v.getUint16(14) !== 1 || v.getUint16(16) !== ETHERTYPE_IPV4 || v.getUint16(20) !== 1) return null;
  return { senderMac: frame.slice(22, 28), senderIp: v.getUint32(28), targetIp: v.getUint32(38) };
}

/** The ARP reply: `mac` has `ip`, to the asker. */
export function arpReply(mac: Uint8Array, ip: number, to: { senderMac: Uint8Array; senderIp: number }): Uint8Array {
  return arpFrame(2, mac, ip, to.senderMac, to.senderIp);
}

/** A gratuitous ARP (RFC 5227's announcement): a broadcast request from `mac` for its own `ip`, so another holder of the address hears of it. */
export function arpAnnouncement(mac: Uint8Array, ip: number): Uint8Array {
  const frame = arpFrame(1, mac, ip, new Uint8Array(MAC_BYTES), ip);
  frame.fill(0xff, 0, MAC_BYTES);
  return frame;
}

function arpFrame(operation: 1 | 2, mac: Uint8Array, ip: number, targetMac: Uint8Array, targetIp: number): Uint8Array {
  const frame = new Uint8Array(FRAME_MIN);
  const v = new DataView(frame.buffer);
  frame.set(targetMac, 0);
  frame.set(mac, MAC_BYTES);
  v.setUint16(12, ETHERTYPE_ARP);
  v.setUint16(14, 1);
  v.setUint16(16, ETHERTYPE_IPV4);
  frame[18] = 6;
  frame[19] = 4;
  v.setUint16(20, operation);
  frame.set(mac, 22);
  v.setUint32(28, ip);
  frame.set(targetMac, 32);
  v.setUint32(38, targetIp);
  return frame;
}
