/** MAC addresses as users write them (`52:54:00:12:34:56`) and as frames carry them (6 bytes). */
import { UserError } from "../../isa/errors.js";

export const MAC_BYTES = 6;

/** `52:54:00:12:34:56` (or with dashes) as 6 bytes; a one-line UserError otherwise. */
export function parseMac(text: string, where = "MAC address"): Uint8Array {
  const parts = text.trim().split(/[:-]/);
  if (parts.length !== MAC_BYTES || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new UserError(`${where} ${JSON.stringify(text)}: expected six hexadecimal bytes, e.g. 52:54:00:12:34:56`);
  }
  const mac = Uint8Array.from(parts.map((p) => parseInt(p, 16)));
  if (mac[0]! & 1) throw new UserError(`${where} ${JSON.stringify(text)}: a group address (first byte odd) cannot be a NIC's`);
  return mac;
}

export function formatMac(mac: Uint8Array, at = 0): string {
  return Array.from(mac.subarray(at, at + MAC_BYTES), (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** The MAC a network gives its `index`-th VM when none is asked for: QEMU's locally administered 52:54:00 prefix. */
export function defaultMac(index: number): Uint8Array {
  return Uint8Array.from([0x52, 0x54, 0x00, 0x00, (index >>> 8) & 0xff, (index + 1) & 0xff]);
}

/** True for a broadcast or multicast destination (the group bit of its first byte). */
export function isGroupAddress(frame: Uint8Array, at: number): boolean {
  return (frame[at]! & 1) !== 0;
}

/** The 6 bytes at `at` as one number, for table keys. */
export function macKey(frame: Uint8Array, at: number): number {
  let key = 0;
  for (let i = 0; i < MAC_BYTES; i++) key = key * 256 + frame[at + i]!;
  return key;
}
