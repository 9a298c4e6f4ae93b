/**
 * The simulated link between host A (source) and host B (destination): full duplex, each
 * direction with its own transmitter. A frame starts when the sender hands it over or when the
 * previous one has left, whichever is later, occupies the wire for ceil(bytes / bandwidth), and
 * is delivered whole at the virtual time its last byte arrives (plus the latency).
 *
 * The link can be cut at a virtual time or when a given number of forward bytes has left,
 * and restored after a while. A cut loses every frame not delivered by then, in both
 * directions. For fault tests a frame can be damaged (one byte flipped, either direction),
 * a forward frame truncated (the connection then ends inside it) or replaced by other bytes
 * (a peer that lies), and every transmission can be traced as it starts.
 */
import { mulDivCeil, NS_PER_SECOND } from "./clock.js";

export const FORWARD = 0; // A → B
export const RETURN = 1; // B → A
export type Direction = typeof FORWARD | typeof RETURN;

export interface LinkFaults {
  /** Cut the link at this virtual time (ns)… */
  cutAtNs?: number;
  /** …or when this many bytes have left A (the cut falls inside the frame that crosses it). */
  cutAfterBytes?: number;
  /** Bring it back this long after the cut (ns); absent: it stays down. */
  restoreAfterNs?: number;
  /** Flip the low bit of byte `byte` (default: the last) of forward transmission number `frame` (0 = prologue). */
  corrupt?: { frame: number; byte?: number };
  /** Flip the low bit of byte `byte` (default: the last) of return transmission number `frame` (0 = the first). */
  corruptReturn?: { frame: number; byte?: number };
  /** Deliver only `keep` bytes of forward transmission `frame`, then the connection ends for good. */
  truncate?: { frame: number; keep: number };
  /** A peer that lies: B receives what this returns for forward transmission `frame` (0 = prologue). */
  rewrite?: (frame: number, bytes: Uint8Array) => Uint8Array;
}

/** One frame handed to the wire, as the far end will receive it. */
export interface Transmission {
  direction: Direction;
  /** Its position in its direction, from 0 (forward: 0 is the prologue). */
  number: number;
  bytes: Uint8Array;
  startNs: number;
  /** When its last byte arrives, unless a cut loses it first. */
  arrivalNs: number;
}

export interface LinkConfig {
  /** Bytes per virtual second, each direction. */
  bandwidth: number;
  latencyNs: number;
  faults?: LinkFaults;
  /** Sees every transmission as it starts (a frame timeline, or where to aim a fault). */
  onTransmit?: (transmission: Transmission) => void;
}

interface InFlight {
  bytes: Uint8Array;
  arrival: number;
}

/** One endpoint's view of a duplex channel: what the engine talks to. */
export interface Channel {
  /** Hands a frame to the transmitter; false when the link is down. */
  send(bytes: Uint8Array, now: number): boolean;
  /** The earliest time a new frame would start transmitting. */
  freeAt(now: number): number;
  /** Frames delivered to this endpoint by `now`, in order. */
  receive(now: number): Uint8Array[];
}

export type LinkChange = "cut" | "restored";

export class VirtualLink {
  private readonly queues: [InFlight[], InFlight[]] = [[], []];
  private readonly transmitterFree = [0, 0];
  private readonly sentCount = [0, 0];
  readonly bytesSent = [0, 0];
  private down = false;
  private cutTime = Infinity;
  private restoreTime = Infinity;
  /** After a truncated frame nothing more reaches B. */
  private forwardEnded = false;
  /** Times the link went down and came back, for statistics. */
  readonly cuts: { at: number; restoredAt: number | null }[] = [];

  constructor(readonly config: LinkConfig) {
    if (!(config.bandwidth > 0) || !Number.isInteger(config.bandwidth)) throw new RangeError("bandwidth must be a positive integer");
    if (!(config.latencyNs >= 0) || !Number.isInteger(config.latencyNs)) throw new RangeError("latency must be a whole number of ns");
    if (config.faults?.cutAtNs !== undefined) this.scheduleCut(config.faults.cutAtNs);
  }

  endpoint(direction: Direction): Channel {
    return {
      send: (bytes, now) => this.send(direction, bytes, now),
      freeAt: (now) => Math.max(now, this.transmitterFree[direction]!),
      receive: (now) => this.receive(direction === FORWARD ? RETURN : FORWARD, now),
    };
  }

  isUp(now: number): boolean {
    return !this.down && now < this.cutTime;
  }

  /** When the link next goes down or comes back, or Infinity. */
  nextChange(): number {
    return this.down ? this.restoreTime : this.cutTime;
  }

  /** The next delivery to either endpoint, or Infinity. */
  nextArrival(): number {
    let t = Infinity;
    for (const q of this.queues) if (q.length > 0 && q[0]!.arrival < t) t = q[0]!.arrival;
    return t;
  }

  /** Reports a cut or a restore that is due at `now`, once. A cut loses what was not delivered by then. */
  pollChange(now: number): LinkChange | null {
    if (!this.down && now >= this.cutTime) {
      for (const q of this.queues) {
        const kept = q.filter((f) => f.arrival <= this.cutTime);
        q.length = 0;
        q.push(...kept);
      }
      this.down = true;
      this.cuts.push({ at: this.cutTime, restoredAt: Number.isFinite(this.restoreTime) ? this.restoreTime : null });
      return "cut";
    }
    if (this.down && now >= this.restoreTime) {
      this.down = false;
      this.cutTime = Infinity;
      this.restoreTime = Infinity;
      this.transmitterFree[0] = Math.max(now, this.transmitterFree[0]!);
      this.transmitterFree[1] = Math.max(now, this.transmitterFree[1]!);
      return "restored";
    }
    return null;
  }

  private scheduleCut(at: number): void {
    if (this.cutTime !== Infinity || this.down) return;
    this.cutTime = at;
    const after = this.config.faults?.restoreAfterNs;
    this.restoreTime = after === undefined ? Infinity : at + after;
  }

  private send(direction: Direction, bytes: Uint8Array, now: number): boolean {
    if (!this.isUp(now)) return false;
    const faults = this.config.faults;
    const number = this.sentCount[direction]!++;
    const start = Math.max(now, this.transmitterFree[direction]!);
    let payload = bytes;
    if (direction === FORWARD) {
      if (faults?.rewrite) payload = faults.rewrite(number, bytes);
      const before = this.bytesSent[FORWARD]!;
      if (faults?.cutAfterBytes !== undefined && before < faults.cutAfterBytes && before + payload.length >= faults.cutAfterBytes) {
        this.scheduleCut(start + mulDivCeil(faults.cutAfterBytes - before, NS_PER_SECOND, this.config.bandwidth));
      }
      if (faults?.corrupt?.frame === number) payload = flipBit(payload, faults.corrupt.byte);
      if (faults?.truncate && faults.truncate.frame === number) payload = payload.slice(0, faults.truncate.keep);
    } else if (faults?.corruptReturn?.frame === number) {
      payload = flipBit(payload, faults.corruptReturn.byte);
    }
    const end = start + mulDivCeil(payload.length, NS_PER_SECOND, this.config.bandwidth);
    const arrival = end + this.config.latencyNs;
    this.bytesSent[direction]! += payload.length;
    this.transmitterFree[direction] = end;
    this.config.onTransmit?.({ direction, number, bytes: payload, startNs: start, arrivalNs: arrival });
    if (direction === FORWARD && this.forwardEnded) return true; // the far end has hung up
    if (direction === FORWARD && faults?.truncate && faults.truncate.frame === number) this.forwardEnded = true;
    this.queues[direction].push({ bytes: payload, arrival });
    return true;
  }

  private receive(from: Direction, now: number): Uint8Array[] {
    const q = this.queues[from];
    const out: Uint8Array[] = [];
    while (q.length > 0 && q[0]!.arrival <= now) out.push(q.shift()!.bytes);
    return out;
  }
}

/** A copy of `bytes` with the low bit of byte `at` (default: the last) flipped. */
function flipBit(bytes: Uint8Array, at = bytes.length - 1): Uint8Array {
  const copy = bytes.slice();
  copy[Math.min(copy.length - 1, at)]! ^= 1;
  return copy;
}
