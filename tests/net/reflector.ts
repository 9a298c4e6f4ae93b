/** The NIC demo kernels of guest-os/net-demo, assembled with a test's own constants. */
import type { GuestImage } from "../../isa/image/model.js";
import { assembleText } from "../../isa/sources.js";

/** Reflects `frames` frames back to their senders, then halts with status `frames`. */
export function reflectorImage(frames: number): GuestImage {
  return assembleText('.include "net-demo/reflector-core.s"\n', "reflector.s", { defines: { FRAMES: frames } }).image;
}

/** Sends `count` frames to `peer`, one at a time, again after `timeout` ticks without a reply; halts with 0. */
export function senderImage(count: number, peer: Uint8Array, timeout = 100_000): GuestImage {
  const low = peer[0]! | (peer[1]! << 8) | (peer[2]! << 16) | (peer[3]! << 24);
  const defines = { COUNT: count, PEER_LOW: low, PEER_HIGH: peer[4]! | (peer[5]! << 8), TIMEOUT: timeout };
  return assembleText('.include "net-demo/pinger-core.s"\n', "pinger.s", { defines }).image;
}
