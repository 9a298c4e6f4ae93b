/**
 * A learning Ethernet switch, as a state machine without I/O: given the port a frame came in
 * by, it learns where the frame's source lives and answers the ports the frame leaves by — the
 * one port its destination was learnt on, or every other port (flooding) for a broadcast,
 * multicast or unknown destination. The address table is bounded: at the bound the entry
 * learnt longest ago is forgotten.
 */
import { isGroupAddress, macKey } from "./mac.js";

export const SWITCH_TABLE_MAX = 1024;

export class LearningSwitch {
  private readonly table = new Map<number, number>();
  private ports = 0;
  /** Frames sent to every other port because their destination was unknown (or a group). */
  flooded = 0;

  constructor(private readonly tableMax = SWITCH_TABLE_MAX) {}

  addPort(): number {
    return this.ports++;
  }

  get portCount(): number {
    return this.ports;
  }

  /** The ports a frame that came in by `port` leaves by (never `port` itself). */
  forward(port: number, frame: Uint8Array): number[] {
    const source = macKey(frame, 6);
    if (!isGroupAddress(frame, 6)) this.learn(source, port);
    const out = isGroupAddress(frame, 0) ? undefined : this.table.get(macKey(frame, 0));
    if (out !== undefined) return out === port ? [] : [out];
    this.flooded++;
    const all: number[] = [];
    for (let p = 0; p < this.ports; p++) if (p !== port) all.push(p);
    return all;
  }

  /** The port an address was learnt on, if any. */
  lookup(mac: Uint8Array): number | undefined {
    return this.table.get(macKey(mac, 0));
  }

  /** Forgets every address learnt on a port (its VM left). */
  forget(port: number): void {
    for (const [mac, p] of this.table) if (p === port) this.table.delete(mac);
  }

  get size(): number {
    return this.table.size;
  }

  private learn(mac: number, port: number): void {
    // Re-inserting moves the entry to the young end, so the oldest is the first the map yields.
    this.table.delete(mac);
    if (this.table.size >= this.tableMax) this.table.delete(this.table.keys().next().value!);
    this.table.set(mac, port);
  }
}
