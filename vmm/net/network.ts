/**
 * The simulated network: learning switches (one per host), the VMs plugged into them, trunks
 * joining the switches, all on one virtual clock of guest ticks in one process — exact and
 * repeatable.
 *
 *   VM ──port link──▶ switch ──trunk──▶ switch ──port link──▶ VM
 *
 * Every link has a latency, so a frame sent at tick t cannot arrive before t + the smallest
 * latency: the network runs every VM in lock step for rounds of that many ticks (the lookahead
 * of a conservative simulation), then moves the frames sent in the round through the switches
 * to the NICs' inboxes, stamped with the tick they arrive at. The NICs deliver them at exactly
 * that tick, so the run is the same however the host is loaded.
 *
 * A port can be captured: the frames it takes from its VM and the frames the switch sends it,
 * in order of virtual time, as a pcap file.
 */
import { UserError } from "../../isa/errors.js";
import type { Nic } from "../../isa/devices/net.js";
import type { Machine } from "../monitor/machine.js";
import { announceFrame } from "./announce.js";
import type { FrontEnd } from "./front-end.js";
import { EventHeap } from "./heap.js";
import { LearningSwitch } from "./learning-switch.js";
import { LinkDirection, type LinkCounters, type LinkParams } from "./link.js";
import { formatMac } from "./mac.js";
import type { PcapWriter } from "./pcap.js";

/** A link as users give it: one-way latency, bandwidth (bytes per second, 0: unlimited), share lost. */
export interface LinkSpec {
  latencyNs: number;
  bandwidth: number;
  loss: number;
}

export const DEFAULT_LINK: LinkSpec = { latencyNs: 50_000, bandwidth: 0, loss: 0 };
/** Guest instructions per virtual second, as migration's default guest speed. */
export const DEFAULT_NET_SPEED = 100_000_000;

export interface NetworkOptions {
  /** Guest ticks per virtual second (default DEFAULT_NET_SPEED). */
  speed?: number;
  /** Seed of the links' loss (default 1). */
  seed?: number;
}

interface Port {
  id: number;
  name: string;
  switchId: number;
  /** The port's number on its switch. */
  local: number;
  machine: Machine | null;
  /** Network time minus the machine's own ticks (non-zero after it arrived from elsewhere). */
  offset: number;
  /** Towards the switch, and from it. */
  up: LinkDirection;
  down: LinkDirection;
  /** For a trunk end: the port at the other switch. */
  peer: number;
  capture: PcapWriter | null;
  /** Captured frames not yet written, kept until no earlier one can come. */
  held: { time: number; seq: number; frame: Uint8Array }[];
  /** Frames that found no machine (it was migrating) or a full inbox. */
  undelivered: number;
  /** Its machine is run by its owner (a migration's pacer), which has run it to each round's end. */
  paced: boolean;
}

interface InFlight {
  time: number;
  seq: number;
  /** The port the frame enters its switch by. */
  port: number;
  frame: Uint8Array;
}

export interface PortReport {
  name: string;
  switch: number;
  mac: string | null;
  sent: LinkCounters;
  received: LinkCounters;
  undelivered: number;
  captured: number;
}

export type NetworkStop = "until" | "ended" | "tick-limit";

export class Network {
  readonly speed: number;
  /** Network time: guest ticks since it started. */
  time = 0;
  private readonly seed: number;
  private readonly switches: LearningSwitch[] = [];
  private readonly ports: Port[] = [];
  /** Ports by switch and number on it. */
  private readonly onSwitch: (Port | undefined)[][] = [];
  /** A switch's cluster front end (fig. 3-13), which sees every frame entering it first. */
  private readonly frontEnds: (FrontEnd | undefined)[] = [];
  private readonly inFlight = new EventHeap<InFlight>();
  private seq = 0;
  private quantum = Infinity;

  constructor(options: NetworkOptions = {}) {
    this.speed = options.speed ?? DEFAULT_NET_SPEED;
    this.seed = options.seed ?? 1;
    if (!(this.speed > 0 && Number.isSafeInteger(this.speed))) throw new UserError(`network speed ${this.speed} must be a positive whole number of ticks per second`);
  }

  /** A new switch (a host's); returns its number. */
  addSwitch(): number {
    this.switches.push(new LearningSwitch());
    this.onSwitch.push([]);
    return this.switches.length - 1;
  }

  /** Plugs a machine with a NIC into a switch (the first, made if need be) by a new port named `name`. */
  plug(name: string, machine: Machine, options: { switchId?: number; link?: Partial<LinkSpec>; capture?: PcapWriter } = {}): void {
    if (!machine.nic) throw new UserError(`${name}: the machine has no network device`);
    if (this.ports.some((p) => p.name === name)) throw new UserError(`${name}: a port of that name is already plugged in`);
    if (this.switches.length === 0) this.addSwitch();
    const port = this.addPort(name, options.switchId ?? 0, options.link, options.capture ?? null);
    this.attach(port, machine);
  }

  /** Joins two switches by a trunk (the link between two hosts). */
  join(a: number, b: number, link: Partial<LinkSpec> = {}): void {
    const x = this.addPort(`trunk ${a}-${b}`, a, link, null);
    const y = this.addPort(`trunk ${b}-${a}`, b, link, null);
    x.peer = y.id;
    y.peer = x.id;
  }

  /** Puts a cluster's front end into a switch (the first, made if need be): frames for its address go to it first. */
  addFrontEnd(frontEnd: FrontEnd, switchId = 0): void {
    if (this.switches.length === 0) this.addSwitch();
    if (!this.switches[switchId]) throw new UserError(`front end: no switch ${switchId}`);
    this.frontEnds[switchId] = frontEnd;
  }

  /** The MAC of the machine on a port, or null while it is away. */
  macOf(name: string): Uint8Array | null {
    return this.port(name).machine?.nic?.mac ?? null;
  }

  /** The machine on a port, or null while it is away (migrating). */
  machine(name: string): Machine | null {
    return this.port(name).machine;
  }

  /** Unplugs the port's machine (stopped for a migration): frames for it are lost until one is plugged again. */
  unplug(name: string): Machine | null {
    const port = this.port(name);
    const machine = port.machine;
    machine?.nic?.attach(null);
    port.machine = null;
    return machine;
  }

  /**
   * Plugs `machine` (the VM, arrived from elsewhere) into the port `name`, moving the port to
   * switch `switchId` when given, and announces it from there (announce-self).
   */
  replug(name: string, machine: Machine, switchId?: number): void {
    const port = this.port(name);
    if (!machine.nic) throw new UserError(`${name}: the machine has no network device`);
    if (switchId !== undefined && switchId !== port.switchId) {
      this.switchOf(port).forget(port.local);
      this.onSwitch[port.switchId]![port.local] = undefined; // the old switch's port now leads nowhere
      if (!this.switches[switchId]) throw new UserError(`${name}: no switch ${switchId}`);
      port.switchId = switchId;
      port.local = this.switchOf(port).addPort();
      this.onSwitch[switchId]![port.local] = port;
    }
    this.attach(port, machine);
    this.announce(name);
  }

  /**
   * While a port is paced its machine is run by its owner — a migration's pacer on the
   * network's clock — up to the end of each round before the round, instead of by the round.
   */
  setPaced(name: string, paced: boolean): void {
    this.port(name).paced = paced;
  }

  /** Sends QEMU's announce-self RARP from the port's VM, so the switches learn where it is. */
  announce(name: string): void {
    const port = this.port(name);
    const nic = port.machine?.nic;
    if (nic) this.send(port, announceFrame(nic.mac), this.time);
  }

  /**
   * Runs every machine in lock step until `until()` says so (checked between rounds), every
   * machine has ended, or network time reaches `maxTicks`.
   */
  run(maxTicks: number, until: () => boolean = () => false): NetworkStop {
    for (;;) {
      if (until()) return "until";
      if (this.ports.every((p) => !p.machine || p.machine.ended)) return "ended";
      if (this.time >= maxTicks) return "tick-limit";
      this.round(Math.min(this.time + this.step(), maxTicks));
    }
  }

  /** One round: every machine runs to network time `end`, then the frames they sent move on. */
  round(end: number): void {
    for (const port of this.ports) {
      const m = port.machine;
      if (!m || m.ended) continue;
      if (port.paced) {
        // However far its owner could run it (throttled, stopped, waiting for a page), it is at `end` now.
        port.offset = end - m.cpu.ticks;
        continue;
      }
      const budget = end - port.offset - m.cpu.ticks;
      // A machine that stops early (waiting for input or a page) simply lags; it catches up later.
      if (budget > 0) m.run(budget);
    }
    this.time = end;
    this.moveFrames(end + this.step());
    // Everything from now on happens at `end` or later: what was captured before it can be written.
    for (const port of this.ports) this.writeHeld(port, end);
  }

  /** Per-port counters. */
  report(): PortReport[] {
    return this.ports
      .filter((p) => p.peer < 0)
      .map((p) => ({
        name: p.name,
        switch: p.switchId,
        mac: p.machine?.nic ? formatMac(p.machine.nic.mac) : null,
        sent: { ...p.up.counters },
        received: { ...p.down.counters },
        undelivered: p.undelivered,
        captured: p.capture?.frames ?? 0,
      }));
  }

  /** Writes out what the captures still hold (at the end of a run). */
  flushCaptures(): void {
    for (const port of this.ports) this.writeHeld(port, Infinity);
  }

  /** Ticks a round lasts at most: the smallest latency, so no frame sent in a round arrives in it. */
  get lookahead(): number {
    return this.step();
  }

  /** Guest ticks a `ns`-nanosecond span takes. */
  ticksOf(ns: number): number {
    return Math.round((ns * this.speed) / 1e9);
  }

  nsOf(ticks: number): number {
    return (ticks * 1e9) / this.speed;
  }

  private step(): number {
    return Number.isFinite(this.quantum) ? this.quantum : this.ticksOf(DEFAULT_LINK.latencyNs) || 1;
  }

  private port(name: string): Port {
    const port = this.ports.find((p) => p.name === name);
    if (!port) throw new UserError(`${name}: no such port on the network`);
    return port;
  }

  private switchOf(port: Port): LearningSwitch {
    return this.switches[port.switchId]!;
  }

  private addPort(name: string, switchId: number, link: Partial<LinkSpec> = {}, capture: PcapWriter | null): Port {
    if (!this.switches[switchId]) throw new UserError(`${name}: no switch ${switchId}`);
    const spec = { ...DEFAULT_LINK, ...link };
    if (!(spec.latencyNs > 0)) throw new UserError(`${name}: a link's latency must be more than 0`);
    if (!(spec.loss >= 0 && spec.loss <= 1)) throw new UserError(`${name}: loss ${spec.loss} must be a share from 0 to 1`);
    const params: LinkParams = {
      latency: Math.max(1, this.ticksOf(spec.latencyNs)),
      ticksPerByte: spec.bandwidth > 0 ? this.speed / spec.bandwidth : 0,
      loss: spec.loss,
    };
    this.quantum = Math.min(this.quantum, params.latency);
    const id = this.ports.length;
    const port: Port = {
      id, name, switchId, local: this.switches[switchId]!.addPort(), machine: null, offset: 0,
      up: new LinkDirection(params, this.seed * 2654435761 + id * 2),
      down: new LinkDirection(params, this.seed * 2654435761 + id * 2 + 1),
      peer: -1, capture, held: [], undelivered: 0, paced: false,
    };
    this.ports.push(port);
    this.onSwitch[switchId]![port.local] = port;
    return port;
  }

  private attach(port: Port, machine: Machine): void {
    port.machine = machine;
    port.offset = this.time - machine.cpu.ticks;
    machine.nic!.attach((frame, ticks) => this.send(port, frame, ticks + port.offset));
  }

  /** A frame from the port's VM at network time `time`: onto the port's link towards the switch. */
  private send(port: Port, frame: Uint8Array, time: number): void {
    this.hold(port, frame, time);
    const arrives = port.up.send(frame.length, time);
    if (arrives >= 0) this.inFlight.push({ time: arrives, seq: this.seq++, port: port.id, frame });
  }

  /** Frames reaching a switch before `limit` go through it, in order of time; none can come earlier later. */
  private moveFrames(limit: number): void {
    for (let next = this.inFlight.peek(); next && next.time < limit; next = this.inFlight.peek()) {
      this.inFlight.pop();
      const from = this.ports[next.port]!;
      let frame = next.frame;
      const action = this.frontEnds[from.switchId]?.handle(frame);
      if (action?.kind === "drop") continue;
      if (action?.kind === "reply") {
        this.leave(from, action.frame, next.time);
        continue;
      }
      if (action?.kind === "forward") frame = action.frame;
      for (const local of this.switchOf(from).forward(from.local, frame)) {
        const to = this.onSwitch[from.switchId]![local];
        if (to) this.leave(to, frame, next.time);
      }
    }
  }

  /** A frame leaving a switch by a port at `time`: over the trunk to the next switch, or to the port's VM. */
  private leave(to: Port, frame: Uint8Array, time: number): void {
    if (to.peer >= 0) {
      const arrives = to.up.send(frame.length, time);
      if (arrives >= 0) this.inFlight.push({ time: arrives, seq: this.seq++, port: to.peer, frame });
    } else {
      this.toMachine(to, frame, time);
    }
  }

  private toMachine(port: Port, frame: Uint8Array, time: number): void {
    const arrives = port.down.send(frame.length, time);
    if (arrives < 0) return;
    this.hold(port, frame, arrives);
    const nic: Nic | null | undefined = port.machine?.nic;
    if (!nic || !nic.linkUp || !nic.receive(frame, arrives - port.offset)) port.undelivered++;
  }

  private hold(port: Port, frame: Uint8Array, time: number): void {
    if (port.capture) port.held.push({ time, seq: this.seq++, frame });
  }

  private writeHeld(port: Port, limit: number): void {
    if (!port.capture || port.held.length === 0) return;
    port.held.sort((x, y) => x.time - y.time || x.seq - y.seq);
    let n = 0;
    while (n < port.held.length && port.held[n]!.time < limit) {
      port.capture.record(port.held[n]!.frame, this.nsOf(port.held[n]!.time));
      n++;
    }
    port.held.splice(0, n);
  }
}
