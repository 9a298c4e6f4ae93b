/**
 * The frames the host's side of the guest network makes and reads (hostfwd.ts): Ethernet with
 * IPv4 and TCP, and ARP — the subset the guests' stack speaks (guest-os/lib/net*.s): IPv4
 * without options or fragments, TCP without options. Every length and checksum of a frame
 * read is checked before it is believed; a frame that is not such a packet reads as null.
 */
import { MAC_BYTES } from "./mac.js";

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
const IP_PROTO_TCP = 6;
const ETH_HLEN = 14;
const IP_HLEN = 20;
const TCP_HLEN = 20;
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

/** A TCP segment in an IPv4 packet in an Ethernet frame, checksums made. */
export function tcpFrame(dstMac: Uint8Array, s: Omit<TcpSegment, "data"> & { data?: Uint8Array }): Uint8Array {
  const data = s.data ?? new Uint8Array(0);
  const ipLength = IP_HLEN + TCP_HLEN + data.length;
  const frame = new Uint8Array(Math.max(FRAME_MIN, ETH_HLEN + ipLength));
  const v = new DataView(frame.buffer);
  frame.set(dstMac, 0);
  frame.set(s.srcMac, MAC_BYTES);
  v.setUint16(12, ETHERTYPE_IPV4);
  const ip = ETH_HLEN;
  v.setUint8(ip, 0x45);
  v.setUint16(ip + 2, ipLength);
  v.setUint16(ip + 6, 0x4000); // don't fragment
  v.setUint8(ip + 8, 64);
  v.setUint8(ip + 9, IP_PROTO_TCP);
  v.setUint32(ip + 12, s.srcIp);
  v.setUint32(ip + 16, s.dstIp);
  v.setUint16(ip + 10, ~onesSum(frame.subarray(ip, ip + IP_HLEN)) & 0xffff);
  const tcp = ip + IP_HLEN;
  v.setUint16(tcp, s.srcPort);
  v.setUint16(tcp + 2, s.dstPort);
  v.setUint32(tcp + 4, s.seq >>> 0);
  v.setUint32(tcp + 8, s.ack >>> 0);
  v.setUint8(tcp + 12, (TCP_HLEN / 4) << 4);
  v.setUint8(tcp + 13, s.flags);
  v.setUint16(tcp + 14, s.window);
  frame.set(data, tcp + TCP_HLEN);
  const segment = frame.subarray(tcp, tcp + TCP_HLEN + data.length);
  v.setUint16(tcp + 16, ~onesSum(segment, pseudoSum(frame, segment.length)) & 0xffff);
  return frame;
}

function pseudoSum(frame: Uint8Array, tcpLength: number): number {
  return onesSum(frame.subarray(ETH_HLEN + 12, ETH_HLEN + 20)) + IP_PROTO_TCP + tcpLength;
}

/** The TCP segment a frame carries, when it is a well-formed one with good checksums; else null. */
export function readTcpFrame(frame: Uint8Array): TcpSegment | null {
  if (frame.length < ETH_HLEN + IP_HLEN + TCP_HLEN) return null;
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (v.getUint16(12) !== ETHERTYPE_IPV4) return null;
  const ip = ETH_HLEN;
  if (frame[ip] !== 0x45 || frame[ip + 9] !== IP_PROTO_TCP || (v.getUint16(ip + 6) & 0x3fff) !== 0) return null;
  const total = v.getUint16(ip + 2);
  if (total < IP_HLEN + TCP_HLEN || ETH_HLEN + total > frame.length) return null;
  if (onesSum(frame.subarray(ip, ip + IP_HLEN)) !== 0xffff) return null;
  const tcp = ip + IP_HLEN;
  const segment = frame.subarray(tcp, ip + total);
  const offset = (frame[tcp + 12]! >> 4) * 4;
  if (offset < TCP_HLEN || offset > segment.length) return null;
  if (onesSum(segment, pseudoSum(frame, segment.length)) !== 0xffff) return null;
  return {
    srcMac: frame.slice(MAC_BYTES, 2 * MAC_BYTES),
    srcIp: v.getUint32(ip + 12),
    dstIp: v.getUint32(ip + 16),
    srcPort: v.getUint16(tcp),
    dstPort: v.getUint16(tcp + 2),
    seq: v.getUint32(tcp + 4),
    ack: v.getUint32(tcp + 8),
    flags: frame[tcp + 13]!,
    window: v.getUint16(tcp + 14),
    data: segment.slice(offset),
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
  const frame = new Uint8Array(FRAME_MIN);
  const v = new DataView(frame.buffer);
  frame.set(to.senderMac, 0);
  frame.set(mac, MAC_BYTES);
  v.setUint16(12, ETHERTYPE_ARP);
  v.setUint16(14, 1);
  v.setUint16(16, ETHERTYPE_IPV4);
  frame[18] = 6;
  frame[19] = 4;
  v.setUint16(20, 2);
  frame.set(mac, 22);
  v.setUint32(28, ip);
  frame.set(to.senderMac, 32);
  v.setUint32(38, to.senderIp);
  return frame;
}
