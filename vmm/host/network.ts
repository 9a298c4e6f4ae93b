/**
 * A host's network: one learning switch (vmm/net/learning-switch.ts) with a port for each VM
 * that has a NIC and a port for each trunk to another host (net-tunnel.ts). No sockets and no
 * timers here: the host hands it what its VMs sent after each slice (`flush`), and a trunk's
 * driver hands it what came from the other host (`fromTrunk`).
 *
 *   VM ── NIC ──▶ queued while VMs run ──flush──▶ switch ──▶ other VMs' NICs (their tick + HOP_TICKS)
 *                                                        └──▶ trunks (to other hosts), the forwarder
 *
 * Frames arrive at guest tick boundaries, as on the simulated network: a frame for a VM enters
 * its NIC's inbox stamped with the VM's guest time now plus one hop, and the NIC delivers it at
 * exactly that tick. Frames are moved only between slices, never while a VM runs, so a frame is
 * never stamped with a tick its receiver has already passed. Which tick that is depends on how
 * the wall clock sliced the VMs: on a real host networked runs are not repeatable, as real
 * networks are not.
 *
 * Bounded: at most QUEUE_MAX frames wait between slices (more are dropped and counted; a
 * NIC's line rate keeps well-behaved guests far below it), a NIC's inbox holds 64.
 */
import { NET_FRAME_MAX, NET_FRAME_MIN } from "../../isa/arch.js";
import type { Nic } from "../../isa/devices/net.js";
import { announceFrame } from "../net/announce.js";
import { LearningSwitch } from "../net/learning-switch.js";
import { defaultMac, formatMac, macKey } from "../net/mac.js";
import type { PortTap } from "./port-captures.js";

/** Guest ticks one hop takes: the simulated network's default 50 µs at 10^8 ticks per second. */
export const HOP_TICKS = 5_000;
/** Frames that may wait between two slices. */
export const QUEUE_MAX = 1024;

/** What a port counts. */
export interface PortCounters {
  /** Frames that came in by the port, and their bytes. */
  inFrames: number;
  inBytes: number;
  /** Frames the switch sent out by it, and their bytes. */
  outFrames: number;
  outBytes: number;
  /** Frames for it that could not be taken (a full NIC inbox, a trunk that cannot keep up). */
  dropped: number;
}

/** The far end of a port: a VM's NIC, or a trunk's driver. */
type PortEnd =
  | { kind: "vm"; name: string; nic: Nic; ticks: () => number }
  | { kind: WireKind; name: string; send: (frame: Uint8Array) => boolean; mac: Uint8Array | null };

/** What else a port may lead to: a trunk to another host (net-tunnel.ts), or the host's forwarder (hostfwd.ts). */
export type WireKind = "trunk" | "hostfwd";

interface Port {
  end: PortEnd;
  counters: PortCounters;
  /** Sees the frames the port takes in and those sent out by it (--capture), or null. */
  tap: PortTap | null;
}

export interface PortInfo {
  name: string;
  kind: "vm" | WireKind;
  mac: string | null;
  counters: PortCounters;
}

const noCounters = (): PortCounters => ({ inFrames: 0, inBytes: 0, outFrames: 0, outBytes: 0, dropped: 0 });

export class HostNetwork {
  private readonly switch = new LearningSwitch();
  /** Ports by their number on the switch; undefined once unplugged (numbers are not reused). */
  private readonly ports: (Port | undefined)[] = [];
  private readonly queue: { port: number; frame: Uint8Array }[] = [];
  private flushing = false;
  /** Frames dropped because QUEUE_MAX were already waiting. */
  queueDrops = 0;
  /** Where other hosts' switches join this one (--net-listen), as HOST:PORT, or null. */
  listenAddress: string | null = null;
  /** Told when frames came from outside while no slice runs: the host should flush and turn. */
  onFrames: () => void = () => {};
  /** The tap of a port about to be plugged in, by its name (--capture: port-captures.ts). */
  tapOf: (name: string) => PortTap | null = () => null;

  /** Plugs a VM's NIC in (link up); `ticks` reads the VM's guest time. Returns the port number. */
  plugVm(name: string, nic: Nic, ticks: () => number): number {
    const port = this.add({ kind: "vm", name, nic, ticks });
    nic.attach((frame) => this.enqueue(port, frame));
    return port;
  }

  /** Plugs a trunk or the forwarder in: `send` passes a frame on, false when it cannot (dropped). */
  plugWire(kind: WireKind, name: string, send: (frame: Uint8Array) => boolean, mac: Uint8Array | null = null): number {
    return this.add({ kind, name, send, mac });
  }

  /** Unplugs a port (a VM that left, a trunk that closed): its addresses are forgotten. */
  unplug(port: number): void {
    const p = this.ports[port];
    if (!p) return;
    if (p.end.kind === "vm") p.end.nic.attach(null);
    this.switch.forget(port);
    this.ports[port] = undefined;
  }

  /** The VM port plugged in under `name`, or -1. */
  vmPort(name: string): number {
    return this.ports.findIndex((p) => p?.end.kind === "vm" && p.end.name === name);
  }

  /** QEMU's announce-self from a VM's port: a RARP from its MAC to everyone, so every switch learns where it is. */
  announce(port: number): void {
    const p = this.ports[port];
    if (p?.end.kind === "vm") this.enqueue(port, announceFrame(p.end.nic.mac));
  }

  /** A frame from a trunk or the forwarder: through the switch at once (no VM runs now, or a flush is under way). */
  fromWire(port: number, frame: Uint8Array): void {
    this.enqueue(port, frame);
    this.onFrames();
  }

  /** Moves every waiting frame through the switch to where it goes (between slices). */
  flush(): void {
    // A frame delivered may be answered at once (the forwarder): the answer joins this flush.
    if (this.flushing) return;
    this.flushing = true;
    for (let i = 0; i < this.queue.length; i++) {
      const { port, frame } = this.queue[i]!;
      for (const out of this.switch.forward(port, frame)) this.deliver(out, frame);
    }
    this.queue.length = 0;
    this.flushing = false;
  }

  /** The lowest default MAC (52:54:00:00:00:01, :02, …) no port here has and the switch has not learnt. */
  freeMac(): Uint8Array {
    const taken = new Set<number>();
    for (const p of this.ports) if (p?.end.kind === "vm") taken.add(macKey(p.end.nic.mac, 0));
    for (let i = 0; ; i++) {
      const mac = defaultMac(i);
      if (!taken.has(macKey(mac, 0)) && this.switch.lookup(mac) === undefined) return mac;
    }
  }

  /** True when a VM port here has this MAC. */
  hasMac(mac: Uint8Array): boolean {
    return this.ports.some((p) => p?.end.kind === "vm" && macKey(p.end.nic.mac, 0) === macKey(mac, 0));
  }

  info(port: number): PortInfo | null {
    const p = this.ports[port];
    if (!p) return null;
    const mac = p.end.kind === "vm" ? p.end.nic.mac : p.end.mac;
    return { name: p.end.name, kind: p.end.kind, mac: mac ? formatMac(mac) : null, counters: { ...p.counters } };
  }

  list(): PortInfo[] {
    return this.ports.flatMap((_, i) => this.info(i) ?? []);
  }

  private add(end: PortEnd): number {
    const port = this.switch.addPort();
    this.ports[port] = { end, counters: noCounters(), tap: this.tapOf(end.name) };
    return port;
  }

  private enqueue(port: number, frame: Uint8Array): void {
    const p = this.ports[port];
    if (!p) return;
    if (frame.length < NET_FRAME_MIN || frame.length > NET_FRAME_MAX) {
      p.counters.dropped++;
      return;
    }
    p.counters.inFrames++;
    p.counters.inBytes += frame.length;
    p.tap?.(frame);
    if (this.queue.length >= QUEUE_MAX) {
      this.queueDrops++;
      return;
    }
    this.queue.push({ port, frame });
  }

  private deliver(port: number, frame: Uint8Array): void {
    const p = this.ports[port];
    if (!p) return;
    const end = p.end;
    const taken = end.kind === "vm" ? end.nic.receive(frame, end.ticks() + HOP_TICKS) : end.send(frame);
    if (!taken) {
      p.counters.dropped++;
      return;
    }
    p.counters.outFrames++;
    p.counters.outBytes += frame.length;
    p.tap?.(frame);
  }
}
