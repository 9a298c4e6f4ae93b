/**
 * One TCP connection's host end, opened towards a guest (as QEMU's slirp opens one for a
 * hostfwd), as a state machine without I/O: it takes the guest's segments, the host client's
 * bytes and timer ticks, and answers with segments to send and bytes for the client. It speaks
 * the guests' subset (docs/NETWORK.md): no options, segments of at most `mss` bytes, in-order
 * delivery only (a segment out of order is dropped and acknowledged again), go-back-N
 * retransmission from the oldest unacknowledged byte on a timeout that doubles, a one-byte
 * probe into a closed window, FIN both ways, RST.
 *
 *   syn-sent ──SYN-ACK──▶ established ──both FINs acknowledged──▶ closed
 *       └───── RST, or `maxRetries` timeouts in a row ────────────────┘
 *
 * Bounded: at most `sendMax` bytes from the client wait to be acknowledged (`write` takes
 * fewer when full: the driver stops reading the client) and at most `receiveMax` bytes from the
 * guest wait for the client — the window this end advertises, so a slow client slows the
 * guest (flow control) and the guest's window slows this end. Time is in the caller's ticks.
 */

export interface EndpointOptions {
  /** Initial sequence number. */
  iss: number;
  /** Largest segment sent. */
  mss: number;
  /** The first retransmission timeout, in ticks; it doubles with each timeout in a row. */
  rto: number;
  /** Timeouts in a row before the connection is given up. */
  maxRetries: number;
  sendMax: number;
  receiveMax: number;
}

export interface Segment {
  seq: number;
  ack: number;
  flags: number;
  window: number;
  data?: Uint8Array;
}

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export type EndpointState = "syn-sent" | "established" | "closed";
/** Why a connection closed: both sides finished, the guest reset or refused it, or it stopped answering. */
export type CloseReason = "finished" | "reset" | "refused" | "timeout";

const WINDOW_MAX = 0xffff;
/** a − b in sequence space: negative when a comes before b. */
const diff = (a: number, b: number) => (a - b) | 0;

export class TcpEndpoint {
  state: EndpointState = "syn-sent";
  closeReason: CloseReason | null = null;
  /** The guest sent its FIN: no more bytes will come after those waiting. */
  peerFinished = false;
  private readonly out: Segment[] = [];
  // Send side: bytes from sndUna on (sent or not), the highest sequence sent, the peer's window.
  private sndUna: number;
  private sndNxt: number;
  private sndMax: number;
  private readonly sendBuf: Uint8Array;
  private sendLength = 0;
  private peerWindow = 0;
  /** The client has no more to send: a FIN goes after the bytes. */
  private ending = false;
  private finSent = false;
  private finAcked = false;
  // Receive side.
  private rcvNxt = 0;
  private readonly receiveBuf: Uint8Array;
  private receiveLength = 0;
  private advertised = 0;
  // The one timer: retransmission, or the probe of a closed window.
  private deadline = Infinity;
  private retries = 0;

  constructor(
    now: number,
    private readonly options: EndpointOptions,
  ) {
    this.sndUna = this.sndNxt = this.sndMax = options.iss >>> 0;
    this.sendBuf = new Uint8Array(options.sendMax);
    this.receiveBuf = new Uint8Array(options.receiveMax);
    this.sendSyn(now);
  }

  /** Segments to send, oldest first (taking them empties the queue). */
  take(): Segment[] {
    return this.out.splice(0);
  }

  /** When `timer` should be called next (Infinity: no timer). */
  get nextTimer(): number {
    return this.deadline;
  }

  /** Bytes `write` would take now. */
  get room(): number {
    return this.ending || this.state === "closed" ? 0 : this.options.sendMax - this.sendLength;
  }

  /** Bytes from the guest waiting for `read`. */
  get readable(): number {
    return this.receiveLength;
  }

  /** Bytes from the client for the guest; returns how many were taken (fewer when the buffer is full). */
  write(bytes: Uint8Array, now: number): number {
    const n = Math.min(bytes.length, this.room);
    this.sendBuf.set(bytes.subarray(0, n), this.sendLength);
    this.sendLength += n;
    this.push(now);
    return n;
  }

  /** The client has sent all it will: a FIN follows its bytes. */
  end(now: number): void {
    if (this.state === "closed" || this.ending) return;
    this.ending = true;
    this.push(now);
  }

  /** Up to `max` bytes from the guest, for the client; a window reopening is told to the guest. */
  read(max: number): Uint8Array {
    const n = Math.min(max, this.receiveLength);
    const bytes = this.receiveBuf.slice(0, n);
    this.receiveBuf.copyWithin(0, n, this.receiveLength);
    this.receiveLength -= n;
    // Told once the window can take a whole segment again (not byte by byte: silly window syndrome).
    if (n > 0 && this.state === "established" && this.advertised < this.options.mss && this.window() >= this.options.mss) this.sendAck();
    return bytes;
  }

  /** Aborts the connection (the client went away): a RST to the guest. */
  abort(): void {
    if (this.state === "closed") return;
    if (this.state === "established") this.emit({ seq: this.sndNxt, ack: this.rcvNxt, flags: RST | ACK, window: 0 });
    this.close("reset");
  }

  /** A segment from the guest for this connection. */
  segment(s: Segment, now: number): void {
    if (this.state === "closed") return;
    if (this.state === "syn-sent") return this.synSentSegment(s, now);
    if (s.flags & RST) {
      if (diff(s.seq, this.rcvNxt) >= 0 && diff(s.seq, this.rcvNxt + this.window() + 1) <= 0) this.close("reset");
      return;
    }
    if (s.flags & SYN) return this.sendAck(); // its SYN-ACK again: our ACK was lost
    if (s.flags & ACK) this.acknowledged(s, now);
    this.received(s);
    if (this.peerFinished && this.finAcked) this.close("finished");
    else this.push(now);
  }

  /** The timer fired: retransmit, probe a closed window, or give up. */
  timer(now: number): void {
    if (this.state === "closed" || now < this.deadline) return;
    this.deadline = Infinity;
    if (++this.retries > this.options.maxRetries) {
      this.emit({ seq: this.sndNxt, ack: this.rcvNxt, flags: RST | ACK, window: 0 });
      return this.close("timeout");
    }
    if (this.state === "syn-sent") return this.sendSyn(now);
    if (diff(this.sndMax, this.sndUna) > 0) {
      this.sndNxt = this.sndUna; // go back N: everything unacknowledged goes again
      this.finSent = false;
    }
    this.push(now, true);
  }

  private synSentSegment(s: Segment, now: number): void {
    const acceptable = (s.flags & ACK) !== 0 && s.ack >>> 0 === (this.options.iss + 1) >>> 0;
    if (s.flags & RST) {
      if (acceptable) this.close("refused");
      return;
    }
    if (!(s.flags & SYN) || !acceptable) return;
    this.state = "established";
    this.rcvNxt = (s.seq + 1) >>> 0;
    this.sndUna = this.sndNxt = this.sndMax = s.ack >>> 0;
    this.peerWindow = s.window;
    this.retries = 0;
    this.deadline = Infinity;
    this.sendAck();
    this.push(now);
  }

  private acknowledged(s: Segment, now: number): void {
    const ack = s.ack >>> 0;
    if (diff(ack, this.sndUna) < 0 || diff(ack, this.sndMax) > 0) return; // old, or for bytes never sent
    const acked = diff(ack, this.sndUna);
    if (acked > 0) {
      const bytes = Math.min(acked, this.sendLength);
      this.sendBuf.copyWithin(0, bytes, this.sendLength);
      this.sendLength -= bytes;
      if (this.finSent && ack === this.sndMax && this.sendLength === 0) this.finAcked = true;
      this.sndUna = ack;
      if (diff(this.sndNxt, ack) < 0) this.sndNxt = ack;
      this.retries = 0;
      this.deadline = diff(this.sndMax, ack) > 0 ? now + this.options.rto : Infinity;
    } else if (s.window > 0 && this.peerWindow === 0) {
      this.retries = 0; // a closed window reopened: the guest is alive
    }
    this.peerWindow = s.window;
  }

  private received(s: Segment): void {
    const data = s.data ?? new Uint8Array(0);
    const fin = (s.flags & FIN) !== 0;
    if (data.length === 0 && !fin) return;
    const offset = diff(this.rcvNxt, s.seq);
    if (offset < 0 || this.peerFinished) return this.sendAck(); // out of order (dropped), or after the FIN
    const fresh = data.subarray(Math.min(offset, data.length));
    const take = Math.min(fresh.length, this.options.receiveMax - this.receiveLength);
    this.receiveBuf.set(fresh.subarray(0, take), this.receiveLength);
    this.receiveLength += take;
    this.rcvNxt = (this.rcvNxt + take) >>> 0;
    if (fin && take === fresh.length && offset <= data.length) {
      this.rcvNxt = (this.rcvNxt + 1) >>> 0;
      this.peerFinished = true;
    }
    this.sendAck();
  }

  /** Sends what the peer's window allows; `force` sends at least one byte into a closed window (a probe). */
  private push(now: number, force = false): void {
    if (this.state !== "established") return;
    const { mss } = this.options;
    for (;;) {
      const sentData = Math.min(diff(this.sndNxt, this.sndUna), this.sendLength);
      const unsent = this.sendLength - sentData;
      const inFlight = diff(this.sndNxt, this.sndUna);
      const window = Math.max(this.peerWindow, force ? 1 : 0);
      const n = Math.min(mss, unsent, window - inFlight);
      if (n > 0) {
        const data = this.sendBuf.slice(sentData, sentData + n);
        this.emit({ seq: this.sndNxt, ack: this.rcvNxt, flags: ACK | PSH, window: this.window(), data });
        this.advance(n);
        force = false;
        continue;
      }
      if (this.ending && !this.finSent && unsent === 0) {
        this.emit({ seq: this.sndNxt, ack: this.rcvNxt, flags: FIN | ACK, window: this.window() });
        this.finSent = true;
        this.advance(1);
      }
      break;
    }
    const waiting = diff(this.sndMax, this.sndUna) > 0 || (this.sendLength > 0 && this.peerWindow === 0);
    if (!waiting) this.deadline = Infinity;
    else if (this.deadline === Infinity) this.deadline = now + (this.options.rto << Math.min(this.retries, 16));
  }

  private advance(n: number): void {
    this.sndNxt = (this.sndNxt + n) >>> 0;
    if (diff(this.sndNxt, this.sndMax) > 0) this.sndMax = this.sndNxt;
  }

  private sendSyn(now: number): void {
    this.emit({ seq: this.options.iss >>> 0, ack: 0, flags: SYN, window: this.window() });
    this.deadline = now + (this.options.rto << Math.min(this.retries, 16));
  }

  private sendAck(): void {
    this.emit({ seq: this.sndNxt, ack: this.rcvNxt, flags: ACK, window: this.window() });
  }

  private window(): number {
    return Math.min(WINDOW_MAX, this.options.receiveMax - this.receiveLength);
  }

  private emit(s: Segment): void {
    if (s.flags & ACK) this.advertised = s.window;
    this.out.push(s);
  }

  private close(reason: CloseReason): void {
    this.state = "closed";
    this.closeReason = reason;
    this.deadline = Infinity;
  }
}
