/**
 * One direction of a link on virtual time: frames leave one after the other at the link's
 * bandwidth, arrive `latency` later, and a seeded generator drops a share of them — the same
 * seed gives the same losses, so an experiment with loss is repeatable. A link holds at most
 * LINK_QUEUE_MAX frames waiting to leave; more are dropped at the tail, as a switch's buffer
 * would.
 */

export interface LinkParams {
  /** One-way delay, in guest ticks. */
  latency: number;
  /** Guest ticks per byte on the wire; 0 for a link with no bandwidth limit. */
  ticksPerByte: number;
  /** Share of frames lost, 0 to 1. */
  loss: number;
}

export const LINK_QUEUE_MAX = 256;

/** mulberry32: a small, fast generator whose whole state is one 32-bit number. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LinkCounters {
  frames: number;
  bytes: number;
  lost: number;
  queueDrops: number;
}

export class LinkDirection {
  readonly counters: LinkCounters = { frames: 0, bytes: 0, lost: 0, queueDrops: 0 };
  private freeAt = 0;
  /** When each frame still waiting or on the wire has left, oldest first. */
  private readonly leaving: number[] = [];
  private readonly random: () => number;

  constructor(
    readonly params: LinkParams,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  /** A frame of `length` bytes handed to the link at tick `at`: the tick it arrives at the far end, or -1 if lost. */
  send(length: number, at: number): number {
    while (this.leaving.length > 0 && this.leaving[0]! <= at) this.leaving.shift();
    if (this.leaving.length >= LINK_QUEUE_MAX) {
      this.counters.queueDrops++;
      return -1;
    }
    const start = Math.max(at, this.freeAt);
    const done = start + Math.ceil(length * this.params.ticksPerByte);
    this.freeAt = done;
    this.leaving.push(done);
    // Drawn for every frame, lost or not, so one frame's fate never shifts another's.
    if (this.random() < this.params.loss) {
      this.counters.lost++;
      return -1;
    }
    this.counters.frames++;
    this.counters.bytes += length;
    return done + this.params.latency;
  }
}
