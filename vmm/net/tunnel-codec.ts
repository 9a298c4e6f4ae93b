/**
 * The byte stream that joins two hosts' switches over TCP (a trunk), as a codec without I/O:
 * bytes in, Ethernet frames out, and frames in, bytes out.
 *
 *   hello   "TVMNET" (6 bytes), version (u16, big-endian)          once, from each side
 *   frame   length (u16, big-endian, 14 to 1514), that many bytes   for ever after
 *
 * The decoder holds at most one frame's bytes while it waits for the rest, so a peer can make
 * it hold no more than 1516 bytes. Anything else — another magic, another version, a length
 * outside the frames a NIC takes — is a TunnelError naming the byte where the stream went
 * wrong; the stream cannot be resynchronised after it, so the connection is closed.
 */
import { NET_FRAME_MAX, NET_FRAME_MIN } from "../../isa/arch.js";

export const TUNNEL_MAGIC = "TVMNET";
export const TUNNEL_VERSION = 1;
const HELLO_BYTES = TUNNEL_MAGIC.length + 2;
const LENGTH_BYTES = 2;

export class TunnelError extends Error {}

/** The hello each side sends first. */
export function tunnelHello(): Uint8Array {
  const hello = new Uint8Array(HELLO_BYTES);
  for (let i = 0; i < TUNNEL_MAGIC.length; i++) hello[i] = TUNNEL_MAGIC.charCodeAt(i);
  hello[6] = TUNNEL_VERSION >> 8;
  hello[7] = TUNNEL_VERSION & 0xff;
  return hello;
}

/** One frame as it goes on the stream. */
export function encodeTunnelFrame(frame: Uint8Array): Uint8Array {
  if (frame.length < NET_FRAME_MIN || frame.length > NET_FRAME_MAX) throw new RangeError(`a tunnelled frame has ${NET_FRAME_MIN} to ${NET_FRAME_MAX} bytes, not ${frame.length}`);
  const out = new Uint8Array(LENGTH_BYTES + frame.length);
  out[0] = frame.length >> 8;
  out[1] = frame.length & 0xff;
  out.set(frame, LENGTH_BYTES);
  return out;
}

export class TunnelDecoder {
  /** Bytes of the stream taken so far (where the next byte is). */
  private offset = 0;
  private helloSeen = false;
  /** The part of a hello, a length or a frame that has come so far. */
  private readonly held = new Uint8Array(LENGTH_BYTES + NET_FRAME_MAX);
  private heldLength = 0;
  /** The length of the frame being read, or -1 while its length is read. */
  private wanted = -1;

  /** Bytes from the peer: the whole frames they complete. Throws a TunnelError on a malformed stream. */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let at = 0;
    while (at < chunk.length) {
      const need = this.need() - this.heldLength;
      const take = Math.min(need, chunk.length - at);
      this.held.set(chunk.subarray(at, at + take), this.heldLength);
      this.heldLength += take;
      at += take;
      if (take === need) {
        const frame = this.complete();
        if (frame) frames.push(frame);
      }
    }
    return frames;
  }

  /** Bytes the current piece (hello, length or frame) has in all. */
  private need(): number {
    if (!this.helloSeen) return HELLO_BYTES;
    return this.wanted < 0 ? LENGTH_BYTES : this.wanted;
  }

  /** The current piece has come whole: check it; a frame when it was one. */
  private complete(): Uint8Array | null {
    const start = this.offset;
    this.offset += this.heldLength;
    this.heldLength = 0;
    if (!this.helloSeen) {
      const magic = String.fromCharCode(...this.held.subarray(0, TUNNEL_MAGIC.length));
      if (magic !== TUNNEL_MAGIC) throw new TunnelError(`byte ${start}: not a toyvmm network tunnel (no ${TUNNEL_MAGIC} hello)`);
      const version = (this.held[6]! << 8) | this.held[7]!;
      if (version !== TUNNEL_VERSION) throw new TunnelError(`byte ${start + 6}: tunnel version ${version}, this host speaks ${TUNNEL_VERSION}`);
      this.helloSeen = true;
      return null;
    }
    if (this.wanted < 0) {
      const length = (this.held[0]! << 8) | this.held[1]!;
      if (length < NET_FRAME_MIN || length > NET_FRAME_MAX) throw new TunnelError(`byte ${start}: a frame of ${length} bytes (a frame has ${NET_FRAME_MIN} to ${NET_FRAME_MAX})`);
      this.wanted = length;
      return null;
    }
    this.wanted = -1;
    return this.held.slice(0, this.offset - start);
  }
}
