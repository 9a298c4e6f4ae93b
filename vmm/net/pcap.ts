/**
 * Captures in the classic pcap format (what tcpdump -w writes and Wireshark opens): a 24-byte
 * header, then per frame a 16-byte record header (seconds, microseconds, captured and original
 * length) and the Ethernet frame. Time is the network's virtual time. A capture is bounded:
 * past `limit` bytes further frames are counted, not written.
 */
import { UserError } from "../../isa/errors.js";

export const PCAP_MAGIC = 0xa1b2c3d4;
export const LINKTYPE_ETHERNET = 1;
const SNAPLEN = 65535;
export const PCAP_LIMIT = 64 << 20;

export class PcapWriter {
  written = 0;
  frames = 0;
  /** Frames not written because the capture reached its limit. */
  skipped = 0;

  constructor(
    private readonly write: (chunk: Uint8Array) => void,
    private readonly limit = PCAP_LIMIT,
  ) {
    const header = new DataView(new ArrayBuffer(24));
    header.setUint32(0, PCAP_MAGIC, true);
    header.setUint16(4, 2, true);
    header.setUint16(6, 4, true);
    header.setUint32(16, SNAPLEN, true);
    header.setUint32(20, LINKTYPE_ETHERNET, true);
    this.emit(new Uint8Array(header.buffer));
  }

  /** One frame seen at `ns` nanoseconds of virtual time. */
  record(frame: Uint8Array, ns: number): void {
    if (this.written + 16 + frame.length > this.limit) {
      this.skipped++;
      return;
    }
    const record = new Uint8Array(16 + frame.length);
    const view = new DataView(record.buffer);
    const micros = Math.floor(ns / 1000);
    view.setUint32(0, Math.floor(micros / 1e6), true);
    view.setUint32(4, micros % 1e6, true);
    view.setUint32(8, frame.length, true);
    view.setUint32(12, frame.length, true);
    record.set(frame, 16);
    this.frames++;
    this.emit(record);
  }

  private emit(chunk: Uint8Array): void {
    this.written += chunk.length;
    this.write(chunk);
  }
}

export interface PcapRecord {
  micros: number;
  frame: Uint8Array;
}

/** Reads a classic little-endian pcap of Ethernet frames; a one-line UserError names what is wrong and where. */
export function parsePcap(bytes: Uint8Array, name = "capture"): PcapRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24 || view.getUint32(0, true) !== PCAP_MAGIC) throw new UserError(`${name}: not a pcap file (no magic number)`);
  if (view.getUint32(20, true) !== LINKTYPE_ETHERNET) throw new UserError(`${name}: link type ${view.getUint32(20, true)} is not Ethernet`);
  const records: PcapRecord[] = [];
  for (let at = 24; at < bytes.length; ) {
    if (at + 16 > bytes.length) throw new UserError(`${name}: byte ${at}: record header cut short`);
    const length = view.getUint32(at + 8, true);
    if (at + 16 + length > bytes.length) throw new UserError(`${name}: byte ${at}: frame of ${length} bytes cut short`);
    records.push({ micros: view.getUint32(at, true) * 1e6 + view.getUint32(at + 4, true), frame: bytes.slice(at + 16, at + 16 + length) });
    at += 16 + length;
  }
  return records;
}
