/**
 * Test helper: Ethernet/ARP/IPv4/UDP/TCP frames read and built in TypeScript, to check what the
 * guest stack puts on the wire (every checksum and field) and to make the malformed frames a
 * hostile sender would.
 */

export const ETH_IP = 0x0800;
export const ETH_ARP = 0x0806;
export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

/** RFC 1071 ones' complement sum of `bytes` folded to 16 bits, starting from `sum`. */
export function onesSum(bytes: Uint8Array, sum = 0): number {
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length % 2) sum += bytes[bytes.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function pseudoSum(ip: Uint8Array, proto: number, length: number): number {
  return onesSum(ip.subarray(12, 20)) + proto + length;
}

export interface Segment {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  data: Uint8Array;
  checksumOk: boolean;
}

export interface Datagram {
  sport: number;
  dport: number;
  data: Uint8Array;
  checksumOk: boolean;
}

export interface Packet {
  src: string;
  dst: string;
  type: number;
  ip?: { src: string; dst: string; proto: number; ttl: number; df: boolean; checksumOk: boolean };
  tcp?: Segment;
  udp?: Datagram;
}

const mac = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":");
const ip4 = (b: Uint8Array) => Array.from(b).join(".");

/** Reads a frame as far as it is well formed; checksums are checked, not trusted. */
export function dissect(frame: Uint8Array): Packet {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const packet: Packet = { dst: mac(frame.subarray(0, 6)), src: mac(frame.subarray(6, 12)), type: view.getUint16(12) };
  if (packet.type !== ETH_IP) return packet;
  const header = frame.subarray(14, 34);
  const total = view.getUint16(16);
  const proto = frame[23]!;
  packet.ip = {
    src: ip4(frame.subarray(26, 30)),
    dst: ip4(frame.subarray(30, 34)),
    proto,
    ttl: frame[22]!,
    df: (frame[20]! & 0x40) !== 0,
    checksumOk: onesSum(header) === 0xffff,
  };
  const l4 = frame.subarray(34, 14 + total);
  const sumOk = onesSum(l4, pseudoSum(header, proto, l4.length)) === 0xffff;
  const l4view = new DataView(l4.buffer, l4.byteOffset, l4.byteLength);
  if (proto === 6) {
    const offset = (l4[12]! >> 4) * 4;
    packet.tcp = {
      sport: l4view.getUint16(0),
      dport: l4view.getUint16(2),
      seq: l4view.getUint32(4),
      ack: l4view.getUint32(8),
      flags: l4[13]!,
      window: l4view.getUint16(14),
      data: l4.slice(offset),
      checksumOk: sumOk,
    };
  } else if (proto === 17) {
    packet.udp = { sport: l4view.getUint16(0), dport: l4view.getUint16(2), data: l4.slice(8, l4view.getUint16(4)), checksumOk: sumOk };
  }
  return packet;
}

const macBytes = (text: string) => text.split(":").map((x) => parseInt(x, 16));
const ipBytes = (text: string) => text.split(".").map(Number);

export interface FrameFields {
  srcMac: string;
  dstMac: string;
  src: string;
  dst: string;
}

/** An IPv4 frame around `l4` with right checksums (the transport one filled in at `sumAt` unless it is -1). */
export function ipFrame(f: FrameFields, proto: number, l4: number[], sumAt: number): Uint8Array {
  const frame = new Uint8Array(34 + l4.length);
  frame.set(macBytes(f.dstMac), 0);
  frame.set(macBytes(f.srcMac), 6);
  frame.set([0x08, 0x00], 12);
  const total = 20 + l4.length;
  frame.set([0x45, 0, total >> 8, total & 0xff, 0, 1, 0x40, 0, 64, proto, 0, 0, ...ipBytes(f.src), ...ipBytes(f.dst)], 14);
  const ipSum = ~onesSum(frame.subarray(14, 34)) & 0xffff;
  frame.set([ipSum >> 8, ipSum & 0xff], 24);
  frame.set(l4, 34);
  if (sumAt >= 0) {
    const sum = ~onesSum(frame.subarray(34), pseudoSum(frame.subarray(14, 34), proto, l4.length)) & 0xffff;
    frame.set([sum >> 8, sum & 0xff], 34 + sumAt);
  }
  return frame;
}

const be16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const be32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

export function tcpFrame(f: FrameFields, s: { sport: number; dport: number; seq: number; ack: number; flags: number; window?: number; data?: number[]; offset?: number }): Uint8Array {
  const l4 = [...be16(s.sport), ...be16(s.dport), ...be32(s.seq), ...be32(s.ack), (s.offset ?? 5) << 4, s.flags, ...be16(s.window ?? 2048), 0, 0, 0, 0, ...(s.data ?? [])];
  return ipFrame(f, 6, l4, 16);
}

export function udpFrame(f: FrameFields, sport: number, dport: number, data: number[], length = 8 + data.length): Uint8Array {
  return ipFrame(f, 17, [...be16(sport), ...be16(dport), ...be16(length), 0, 0, ...data], 6);
}

export function arpFrame(f: FrameFields, oper: number, sizes = [6, 4]): Uint8Array {
  return Uint8Array.from([
    ...macBytes("ff:ff:ff:ff:ff:ff"),
    ...macBytes(f.srcMac),
    0x08,
    0x06,
    0,
    1,
    0x08,
    0,
    ...sizes,
    0,
    oper,
    ...macBytes(f.srcMac),
    ...ipBytes(f.src),
    0,
    0,
    0,
    0,
    0,
    0,
    ...ipBytes(f.dst),
  ]);
}

/** Recomputes a frame's IPv4 header checksum and its TCP or UDP checksum (over the lengths it claims, cut to the frame). */
export function fixChecksums(frame: Uint8Array): Uint8Array {
  if (frame.length < 34 || frame[12] !== 0x08 || frame[13] !== 0x00) return frame;
  frame.set([0, 0], 24);
  const ipSum = ~onesSum(frame.subarray(14, 34)) & 0xffff;
  frame.set([ipSum >> 8, ipSum & 0xff], 24);
  const proto = frame[23]!;
  const sumAt = proto === 6 ? 16 : proto === 17 ? 6 : -1;
  const total = (frame[16]! << 8) | frame[17]!;
  const l4 = frame.subarray(34, Math.min(frame.length, 14 + total));
  if (sumAt < 0 || l4.length < sumAt + 2) return frame;
  l4.set([0, 0], sumAt);
  const sum = ~onesSum(l4, pseudoSum(frame.subarray(14, 34), proto, l4.length)) & 0xffff;
  l4.set([sum >> 8, sum & 0xff], sumAt);
  return frame;
}
