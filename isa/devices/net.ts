/**
 * The network device: an Ethernet NIC with a transmit and a receive ring of descriptors in
 * guest-physical memory (layout in isa/arch.ts, "The network device"), a MAC address, a link
 * status and a receive interrupt (IRQ_NET).
 *
 * Every access the device makes to guest memory is checked first: a ring or buffer that does
 * not lie wholly inside memory is never touched — its descriptor is marked ERROR (when the
 * descriptor itself is inside) and NET_CAUSE_ERROR is raised — so no guest can make the device
 * read or write outside its own memory. Writes go through `Memory.markDirty`, so pre-copy
 * sends the pages again and compiled code made from them is dropped.
 *
 * Deterministic: frames from the network wait in a bounded inbox, each stamped with the guest
 * tick it arrives at; the machine cuts its runs at those ticks and calls `deliver` there, so a
 * frame enters the ring at the same tick however the host slices time, bare or monitored.
 * Transmission starts at the `out` to netTxTail, stamped with the tick of that instruction; the
 * transmitter then stays busy for the frame's time on the line (NET_TX_FRAME_TICKS plus
 * NET_TX_TICKS_PER_BYTE per byte) and the next descriptor goes when it is free, at a tick the
 * machine cuts its run at too. So a guest cannot make the host send more than its guest time
 * pays for, however fast it rings.
 *
 * Post-copy: a page the device would touch that has not arrived yet stops the work there
 * (`missingPage`); the machine reports it like the CPU's own missing pages and the work goes on
 * at the next `deliver` once the page is in.
 */
import {
  IRQ_NET,
  NET_CAUSE_ERROR,
  NET_CAUSE_RX,
  NET_DESC_BYTES,
  NET_DESC_DONE,
  NET_DESC_ERROR,
  NET_DESC_LENGTH,
  NET_FRAME_MAX,
  NET_FRAME_MIN,
  NET_RING_MAX,
  NET_STATUS_LINK,
  NET_TX_FRAME_TICKS,
  NET_TX_TICKS_PER_BYTE,
  PAGE_SHIFT,
  PORT,
} from "../arch.js";
import type { Memory } from "../memory.js";
import type { PortBus } from "./ports.js";

/** Frames a NIC holds that arrived but are not in the ring yet; more are dropped and counted. */
export const NET_INBOX_MAX = 64;

/** Where a sent frame goes: the network the NIC is plugged into. `ticks`: guest time of the send. */
export type Transmit = (frame: Uint8Array, ticks: number) => void;

export interface NetRing {
  base: number;
  size: number;
  head: number;
  tail: number;
}

export interface NicCounters {
  txFrames: number;
  txBytes: number;
  /** Frames sent while no network was attached. */
  txNoLink: number;
  rxFrames: number;
  rxBytes: number;
  /** Frames that arrived while the inbox was full (or were too long to be frames). */
  rxDropped: number;
  /** Descriptors marked ERROR, and rings outside memory. */
  errors: number;
}

export interface NicState {
  version: 1;
  mac: number[];
  tx: NetRing;
  rx: NetRing;
  cause: number;
  /** Frames that arrived and wait for the ring: the tick each arrives at, its bytes in base64. */
  inbox: { at: number; frame: string }[];
  /** The tick of the last `out` to netTxTail. */
  txKick: number;
  /** The transmitter is busy with the last frame until this tick. */
  txBusyUntil: number;
  counters: NicCounters;
}

const emptyRing = (): NetRing => ({ base: 0, size: 0, head: 0, tail: 0 });
const noCounters = (): NicCounters => ({ txFrames: 0, txBytes: 0, txNoLink: 0, rxFrames: 0, rxBytes: 0, rxDropped: 0, errors: 0 });

/** A ring size as written to netTxSize/netRxSize: a power of two up to NET_RING_MAX, else 0 (no ring). */
function ringSize(value: number): number {
  return value > 0 && value <= NET_RING_MAX && (value & (value - 1)) === 0 ? value : 0;
}

export class Nic implements PortBus {
  readonly sources = IRQ_NET;
  readonly mac: Uint8Array;
  readonly tx = emptyRing();
  readonly rx = emptyRing();
  counters = noCounters();
  /** NET_CAUSE_* bits not yet acknowledged; IRQ_NET is pending while any is set. */
  cause = 0;
  /** The page the device waits for (post-copy), or -1. */
  missingPage = -1;
  /** Told of every frame the network offers (a debugger records a networked run's input to replay it). */
  onReceive: ((frame: Uint8Array, at: number) => void) | null = null;
  private inbox: { at: number; frame: Uint8Array }[] = [];
  private txKick = 0;
  private txBusyUntil = 0;
  private link: Transmit | null = null;

  constructor(
    private readonly memory: Memory,
    mac: Uint8Array,
  ) {
    if (mac.length !== 6) throw new RangeError("a MAC address has 6 bytes");
    this.mac = Uint8Array.from(mac);
  }

  /** Plugs the NIC into a network (link up), or unplugs it with null (link down). */
  attach(transmit: Transmit | null): void {
    this.link = transmit;
  }

  get linkUp(): boolean {
    return this.link !== null;
  }

  read(port: number): number {
    switch (port) {
      case PORT.netMacLow:
        return this.mac[0]! | (this.mac[1]! << 8) | (this.mac[2]! << 16) | (this.mac[3]! << 24);
      case PORT.netMacHigh:
        return this.mac[4]! | (this.mac[5]! << 8);
      case PORT.netStatus:
        return this.link ? NET_STATUS_LINK : 0;
      case PORT.netCause:
        return this.cause;
      case PORT.netTxHead:
        return this.tx.head | 0;
      case PORT.netRxHead:
        return this.rx.head | 0;
    }
    return -1;
  }

  /** True when the write may have changed the pending interrupt (the CPU then looks again). */
  write(port: number, value: number, ticks: number): boolean {
    switch (port) {
      case PORT.netCause:
        this.cause &= ~value;
        return true;
      case PORT.netTxRing:
        setRing(this.tx, value >>> 0, this.tx.size);
        return false;
      case PORT.netTxSize:
        setRing(this.tx, this.tx.base, ringSize(value));
        return false;
      case PORT.netTxTail:
        this.tx.tail = value >>> 0;
        this.txKick = ticks;
        this.transmit(ticks);
        return true;
      case PORT.netRxRing:
        setRing(this.rx, value >>> 0, this.rx.size);
        return false;
      case PORT.netRxSize:
        setRing(this.rx, this.rx.base, ringSize(value));
        return false;
      case PORT.netRxTail:
        this.rx.tail = value >>> 0;
        this.deliver(ticks);
        return true;
    }
    return false;
  }

  pending(): number {
    return this.cause !== 0 ? IRQ_NET : 0;
  }

  /** A NIC on a link may receive a frame at any time; one unplugged still has the frames already on their way. */
  wakers(): number {
    return this.link || this.inbox.length > 0 ? IRQ_NET : 0;
  }

  /**
   * A frame from the network, arriving at guest tick `at`. False when it was dropped: the inbox
   * is full, or it is no Ethernet frame (shorter than a header or longer than NET_FRAME_MAX).
   */
  receive(frame: Uint8Array, at: number): boolean {
    if (this.onReceive !== null) this.onReceive(frame, at);
    if (this.inbox.length >= NET_INBOX_MAX || frame.length < NET_FRAME_MIN || frame.length > NET_FRAME_MAX) {
      this.counters.rxDropped++;
      return false;
    }
    let i = this.inbox.length;
    while (i > 0 && this.inbox[i - 1]!.at > at) i--;
    this.inbox.splice(i, 0, { at, frame: Uint8Array.from(frame) });
    return true;
  }

  /** Frames in the inbox. */
  get queued(): number {
    return this.inbox.length;
  }

  /**
   * The next tick after `ticks` at which the device does something: a frame arrives, or the
   * transmitter is free for the next waiting descriptor. Infinity when nothing is due (a frame
   * waiting for a buffer goes when the guest posts one).
   */
  nextEvent(ticks: number): number {
    const first = this.inbox[0];
    const arrival = first && first.at > ticks ? first.at : Infinity;
    const send = this.txPending() ? this.txAt() : Infinity;
    return Math.min(arrival, send > ticks ? send : Infinity);
  }

  /**
   * At guest tick `ticks`: sends the descriptors whose turn has come, then moves the frames due
   * by now into free receive buffers. Returns the page that stops it (post-copy), or -1.
   */
  deliver(ticks: number): number {
    this.missingPage = -1;
    if (!this.transmit(ticks)) return this.missingPage;
    const rx = this.rx;
    while (this.inbox.length > 0 && this.inbox[0]!.at <= ticks) {
      if (rx.size === 0 || rx.head === rx.tail) break; // no buffer yet: the frame waits in the inbox
      if (!this.ringInside(rx)) {
        this.counters.rxDropped++;
        this.inbox.shift();
        continue;
      }
      const desc = rx.base + (rx.head & (rx.size - 1)) * NET_DESC_BYTES;
      const frame = this.inbox[0]!.frame;
      const address = this.memory.words[desc >>> 2]! >>> 0;
      const room = this.memory.words[(desc + 4) >>> 2]! & NET_DESC_LENGTH;
      const page = this.missingIn(desc, NET_DESC_BYTES) ?? this.missingIn(address, frame.length);
      if (page !== undefined) return (this.missingPage = page);
      let status = NET_DESC_DONE;
      if (frame.length > room || !this.inside(address, frame.length)) {
        status |= NET_DESC_ERROR;
        this.fail();
      } else {
        this.memory.bytes.set(frame, address);
        this.memory.markDirty(address, frame.length);
        this.counters.rxFrames++;
        this.counters.rxBytes += frame.length;
        this.cause |= NET_CAUSE_RX;
      }
      this.writeStatus(desc, status | (status & NET_DESC_ERROR ? 0 : frame.length));
      rx.head = (rx.head + 1) >>> 0;
      this.inbox.shift();
    }
    return -1;
  }

  private txPending(): boolean {
    return this.tx.size !== 0 && this.tx.head !== this.tx.tail;
  }

  /** When the next waiting descriptor goes: once rung for and the transmitter is free. */
  private txAt(): number {
    return Math.max(this.txBusyUntil, this.txKick);
  }

  /** Sends the descriptors whose turn has come by `ticks`; false when a missing page stopped it. */
  private transmit(ticks: number): boolean {
    const tx = this.tx;
    if (!this.txPending()) return true;
    if (!this.ringInside(tx)) {
      tx.head = tx.tail; // nothing in it can be sent: the guest must set the ring again
      return true;
    }
    // At most one lap of the ring at a time: a tail far ahead of the head is a guest bug.
    for (let n = 0; n < tx.size && tx.head !== tx.tail && this.txAt() <= ticks; n++) {
      const desc = tx.base + (tx.head & (tx.size - 1)) * NET_DESC_BYTES;
      const address = this.memory.words[desc >>> 2]! >>> 0;
      const length = this.memory.words[(desc + 4) >>> 2]! & NET_DESC_LENGTH;
      const page = this.missingIn(desc, NET_DESC_BYTES) ?? this.missingIn(address, length);
      if (page !== undefined) {
        this.missingPage = page;
        return false;
      }
      let status = NET_DESC_DONE | length;
      if (length < NET_FRAME_MIN || length > NET_FRAME_MAX || !this.inside(address, length)) {
        status |= NET_DESC_ERROR;
        this.fail();
      } else {
        const at = this.txAt();
        this.txBusyUntil = at + NET_TX_FRAME_TICKS + length * NET_TX_TICKS_PER_BYTE;
        if (this.link) {
          this.counters.txFrames++;
          this.counters.txBytes += length;
          this.link(this.memory.bytes.slice(address, address + length), at);
        } else {
          this.counters.txNoLink++;
        }
      }
      this.writeStatus(desc, status);
      tx.head = (tx.head + 1) >>> 0;
    }
    return true;
  }

  private inside(address: number, length: number): boolean {
    return address + length <= this.memory.size;
  }

  /** The ring's descriptors are word aligned and inside memory; otherwise an error, and it is left alone. */
  private ringInside(ring: NetRing): boolean {
    if ((ring.base & 3) === 0 && this.inside(ring.base, ring.size * NET_DESC_BYTES)) return true;
    this.fail();
    return false;
  }

  private fail(): void {
    this.counters.errors++;
    this.cause |= NET_CAUSE_ERROR;
  }

  /** The first page of the range (inside memory) that has not arrived, or undefined. */
  private missingIn(address: number, length: number): number | undefined {
    const memory = this.memory;
    if (memory.missingCount === 0 || length <= 0 || !this.inside(address, length)) return undefined;
    for (let p = address >>> PAGE_SHIFT; p <= (address + length - 1) >>> PAGE_SHIFT; p++) if (memory.missing[p]) return p;
    return undefined;
  }

  private writeStatus(desc: number, status: number): void {
    this.memory.words[(desc + 4) >>> 2] = status;
    this.memory.markDirty(desc + 4, 4);
  }

  save(): NicState {
    return {
      version: 1,
      mac: Array.from(this.mac),
      tx: { ...this.tx },
      rx: { ...this.rx },
      cause: this.cause,
      inbox: this.inbox.map(({ at, frame }) => ({ at, frame: Buffer.from(frame).toString("base64") })),
      txKick: this.txKick,
      txBusyUntil: this.txBusyUntil,
      counters: { ...this.counters },
    };
  }

  /** A NIC from its saved state (checked by nicStateSchema), unplugged. */
  static restore(state: NicState, memory: Memory): Nic {
    const nic = new Nic(memory, Uint8Array.from(state.mac));
    Object.assign(nic.tx, state.tx);
    Object.assign(nic.rx, state.rx);
    nic.cause = state.cause;
    nic.inbox = state.inbox.map(({ at, frame }) => ({ at, frame: new Uint8Array(Buffer.from(frame, "base64")) }));
    nic.txKick = state.txKick;
    nic.txBusyUntil = state.txBusyUntil;
    nic.counters = { ...state.counters };
    return nic;
  }
}

function setRing(ring: NetRing, base: number, size: number): void {
  ring.base = base;
  ring.size = size;
  ring.head = 0;
  ring.tail = 0;
}
