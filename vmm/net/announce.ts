/**
 * QEMU's announce-self: after a migration the monitor sends, from the VM's new place, RARP
 * requests with the VM's MAC as source to the broadcast address, so every switch on the way
 * learns where the VM is now and frames follow it.
 */
import { MAC_BYTES } from "./mac.js";

const ETHERTYPE_RARP = 0x8035;

/** A RARP "request reverse" from `mac` (RFC 903), as QEMU's qemu_announce_self sends it. */
export function announceFrame(mac: Uint8Array): Uint8Array {
  const f = new Uint8Array(60); // the minimum Ethernet payload, zero-padded
  f.fill(0xff, 0, MAC_BYTES);
  f.set(mac, 6);
  const v = new DataView(f.buffer);
  v.setUint16(12, ETHERTYPE_RARP);
  v.setUint16(14, 1); // hardware: Ethernet
  v.setUint16(16, 0x0800); // protocol: IPv4
  f[18] = 6;
  f[19] = 4;
  v.setUint16(20, 3); // request reverse
  f.set(mac, 22); // sender hardware address
  f.set(mac, 32); // target hardware address
  return f;
}
