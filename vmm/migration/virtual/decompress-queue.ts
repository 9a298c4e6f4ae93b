/**
 * The destination's decompression on virtual time: B takes the frames the link delivered one at
 * a time, and a compressed page costs it `costPs` per page byte before the next frame can be
 * taken (it does one thing at a time, as QEMU's incoming migration thread does). A frame is
 * handed on when everything before it is done, so a compressed page the guest waits for, or the
 * state frame behind the last round's pages, waits for their decompression too.
 */
import { PAGE_SIZE } from "../../../isa/arch.js";
import { mulDivCeil } from "../clock.js";
import { FRAME_CODE } from "../stream/frames.js";

const COMPRESSED = FRAME_CODE.compressed;

export class DecompressQueue {
  private readonly frames: Uint8Array[] = [];
  private readonly readyAt: number[] = [];
  private head = 0;
  private busyUntil = 0;
  /** Virtual ns B spent decompressing. */
  spentNs = 0;

  constructor(private readonly costPs: number) {}

  /** A frame delivered at `now`. */
  push(now: number, bytes: Uint8Array): void {
    let ready = Math.max(now, this.busyUntil);
    if (bytes[0] === COMPRESSED) {
      const ns = mulDivCeil(PAGE_SIZE, this.costPs, 1000);
      ready += ns;
      this.spentNs += ns;
    }
    this.busyUntil = ready;
    this.frames.push(bytes);
    this.readyAt.push(ready);
  }

  /** The next frame whose turn has come by `now`, or null. */
  take(now: number): Uint8Array | null {
    if (this.head === this.frames.length || this.readyAt[this.head]! > now) return null;
    const bytes = this.frames[this.head++]!;
    if (this.head === this.frames.length) {
      this.frames.length = this.readyAt.length = this.head = 0;
    }
    return bytes;
  }

  /** When the next frame's turn comes (Infinity: none waits). */
  nextReady(): number {
    return this.head === this.frames.length ? Infinity : this.readyAt[this.head]!;
  }
}
