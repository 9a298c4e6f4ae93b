/**
 * Migration on a network: one VM of a simulated network (vmm/net) moves from its host's switch
 * to another's while the other VMs run on, all on the migration's virtual clock. This is the
 * one file of migration that knows the network.
 *
 *   network time (ticks)  ──run──▶ at ──── migration (the driver's ns from 0) ────▶ ──run──▶
 *                                    the guest's port paced by the driver; the rest in rounds
 *
 * While it migrates, the guest's port is paced: the driver runs the guest (on the source, then
 * on the destination) no further than one round ahead of the network, and the network moves the
 * frames. Frames for the guest that reach the source after its state left are lost with the
 * source, and none are delivered while the guest is nowhere; once the destination runs it, its
 * port moves to the destination's switch and announces it (announce-self), and TCP's
 * retransmissions do the rest.
 */
import { UserError } from "../../isa/errors.js";
import type { Network, NetworkStop } from "../net/network.js";
import { mulDivFloor, NS_PER_SECOND } from "./clock.js";
import { migrate, type MigrationResult } from "./engine.js";
import { MachineVm } from "./machine-vm.js";
import type { MigrationOptions } from "./options.js";
import type { MigratableVm } from "./vm-port.js";
import type { MigrationWorld } from "./world.js";

export interface NetMigration {
  network: Network;
  /** The migrating VM's port, and its VM (plugged into that port). */
  name: string;
  vm: MachineVm;
  /** The destination host's switch. */
  to: number;
  /** Network time (ticks) to run before migrating. */
  at: number;
  /** The migration's options; its speed is the network's. */
  options: Omit<MigrationOptions, "world" | "speed">;
  /** After the migration: run until this says so, every VM has ended, or `maxTicks` of network time. */
  until: () => boolean;
  maxTicks: number;
  /** The destination's VM runs the guest from now on (e.g. to show its console). */
  onArrived?: (vm: MachineVm) => void;
}

export interface NetMigrationResult {
  migration: MigrationResult;
  /** Network time the migration started at and ended at. */
  startTick: number;
  endTick: number;
  stop: NetworkStop;
}

/** Runs the network to `at`, migrates the VM on it, then runs the network on; see the header. */
export function migrateOnNetwork(spec: NetMigration): NetMigrationResult {
  const { network: net, name, vm } = spec;
  const early = net.run(spec.at, spec.until);
  if (vm.machine.ended) throw new UserError(`--at ${spec.at}: ${name} ends after ${vm.ticks} instructions, before the migration point`);
  if (early !== "tick-limit") throw new UserError(`--at ${spec.at}: the other VMs ended at tick ${net.time}, before the migration point`);
  const startTick = net.time;
  net.setPaced(name, true);
  const migration = migrate(vm, { ...spec.options, speed: net.speed, world: new NetWorld(net, vm, spec.to, startTick, spec.onArrived) });
  net.setPaced(name, false);
  const endTick = net.time;
  return { migration, startTick, endTick, stop: net.run(spec.maxTicks, spec.until) };
}

/** The network as the world of a migration that started at network time `start`. */
class NetWorld implements MigrationWorld {
  constructor(
    private readonly net: Network,
    private readonly source: MachineVm,
    private readonly to: number,
    private readonly start: number,
    private readonly onArrived: ((vm: MachineVm) => void) | undefined,
  ) {}

  horizon(now: number): number {
    const ahead = this.net.time + this.net.lookahead - this.start;
    return Math.max(now + 1, mulDivFloor(ahead, NS_PER_SECOND, this.net.speed));
  }

  advance(ns: number): void {
    const end = this.start + mulDivFloor(ns, this.net.speed, NS_PER_SECOND);
    if (end > this.net.time) this.net.round(end);
  }

  released(): void {
    // (The destination may already run the guest: it resumes when the last frame arrives, the source lets go when it learns so.)
    if (this.net.machine(this.source.name) === this.source.machine) this.net.unplug(this.source.name);
  }

  arrived(vm: MigratableVm): void {
    if (!(vm instanceof MachineVm)) throw new Error(`${this.source.name}: only a machine with a NIC migrates on a network`);
    this.net.replug(this.source.name, vm.machine, this.to);
    this.onArrived?.(vm);
  }
}
