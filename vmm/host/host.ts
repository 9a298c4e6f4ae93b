/**
 * A host: the VMs it runs, by name, the scheduler that gives them wall-clock time, and the
 * events clients hear of. No sockets and no timers here: the control server (control-server.ts)
 * and the loop (loop.ts) drive it, and a migration driver uses the same methods — `pause`,
 * `resume`, `adopt`, `destroy`, `wake` and the `onPageMissing` hook — to move VMs in and out.
 */
import { isAbsolute } from "node:path";
import { isGuestPath, resolveGuest } from "../guests.js";
import type { Logger } from "../log.js";
import { silentLogger } from "../log.js";
import type { MigratableVm } from "../migration/vm-port.js";
import { adoptGuest, bootGuest } from "./guest.js";
import { HostVm } from "./host-vm.js";
import { HostNetwork } from "./network.js";
import { formatMac, parseMac } from "../net/mac.js";
import type { HostMigrations } from "./migrations.js";
import { CommandError } from "./protocol.js";
import type { ArgumentsOf } from "./protocol-commands.js";
import type { EventData, HostEvent } from "./protocol-events.js";
import { VM_NAME_MAX } from "./protocol-values.js";
import { HostScheduler, type Speed, type WallClock } from "./scheduler.js";
import { encodeSnapshot } from "./snapshot.js";
import { readSnapshotFile, writeSnapshotFile } from "./snapshot-file.js";

export interface HostOptions {
  name: string;
  version: string;
  speed: Speed;
  clock: WallClock;
  log?: Logger;
}

export type HostEventListener = (event: HostEvent) => void;

/** Where a VM on this host came from, as VM_STARTED tells it. */
export type VmOrigin = EventData<"VM_STARTED">["from"];

export class Host {
  readonly name: string;
  readonly version: string;
  readonly speed: Speed;
  private readonly vms = new Map<string, HostVm>();
  private readonly scheduler: HostScheduler;
  private readonly listeners = new Set<HostEventListener>();
  private readonly log: Logger;
  /** Told when a VM may have become runnable, so that a sleeping loop turns again. */
  onRunnable: () => void = () => {};
  /** Told after every event, so that clients hear of it soon even when no VM runs (events from a migration come between turns). */
  onEmit: () => void = () => {};
  /** Told when a client asked the host to stop. */
  onQuit: () => void = () => {};
  /** A migration driver's hook: a VM stopped on a page that has not arrived (it runs again after `wake`). */
  onPageMissing: (vm: HostVm, page: number) => void = () => {};
  /** Its migrations, both ways, once the process has set them up (serve.ts). */
  migrations: HostMigrations | null = null;
  /** VMs a migration holds, and why: clients may not pause, resume or remove them meanwhile. */
  private readonly locks = new Map<string, string>();
  /** Names kept for VMs on their way here. */
  private readonly reserved = new Set<string>();
  /** The switch the VMs' NICs are plugged into (network.ts), and the trunks to other hosts. */
  readonly network = new HostNetwork();
  /** VMs with a NIC that arrived by migration and are plugged in when they first run here. */
  private readonly unplugged = new Set<string>();

  constructor(options: HostOptions) {
    this.name = options.name;
    this.version = options.version;
    this.speed = options.speed;
    this.log = options.log ?? silentLogger;
    this.scheduler = new HostScheduler(
      options.speed,
      options.clock,
      (vm, end) => {
        if (end === "ended") this.ended(vm);
        else if (vm.waiting === "page") this.onPageMissing(vm, vm.missingPage);
      },
      () => this.network.flush(),
    );
    this.network.onFrames = () => {
      this.network.flush();
      this.onRunnable();
    };
  }

  /** Hears every event from now on; returns the way to stop. */
  listen(listener: HostEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every client of `event` (the host's own events, and a migration driver's). */
  emit(event: HostEvent): void {
    for (const listener of this.listeners) listener(event);
    this.onEmit();
  }

  /** Gives the VMs one turn of time; the nanoseconds until one is due again. */
  turn(): number {
    return this.scheduler.turn();
  }

  list(): HostVm[] {
    return [...this.vms.values()];
  }

  get(name: string): HostVm | undefined {
    return this.vms.get(name);
  }

  /** The VM called `name`, or a VmNotFound error naming the VMs there are. */
  find(name: string): HostVm {
    const vm = this.vms.get(name);
    if (vm) return vm;
    const known = [...this.vms.keys()];
    throw new CommandError("VmNotFound", `${name}: no such VM on host ${this.name} (${known.length ? `VMs: ${known.join(", ")}` : "it runs none"})`);
  }

  create(args: ArgumentsOf<"vm-create">): HostVm {
    if (isGuestPath(args.guest) && !isAbsolute(args.guest)) {
      throw new CommandError("InvalidArguments", `vm-create: guest ${JSON.stringify(args.guest)}: a file is named by its absolute path (the host's working directory is not the client's)`);
    }
    for (const dir of args.includeDirs ?? []) {
      if (!isAbsolute(dir)) throw new CommandError("InvalidArguments", `vm-create: includeDirs: ${JSON.stringify(dir)} is not an absolute path`);
    }
    const resolved = resolveGuest(args.guest, undefined, args.includeDirs ?? []);
    if (resolved.kind === "program" && args.bare) {
      throw new CommandError("InvalidArguments", `vm-create: ${args.guest} is a user program: it runs on the process VM, not on a bare CPU`);
    }
    const name = this.freeName(args.name, resolved.name);
    const nic = this.nicFor(args, resolved.kind === "program");
    const guest = bootGuest({
      name,
      guest: resolved,
      bootArgs: args.args,
      bare: args.bare,
      ...(args.memory !== undefined ? { memorySize: args.memory } : {}),
      ...(args.input !== undefined ? { input: args.input } : {}),
      ...(args.maxTicks !== undefined ? { maxTicks: args.maxTicks } : {}),
      ...(nic ? { nic } : {}),
    });
    const maxTicks = args.maxTicks !== undefined ? { maxTicks: args.maxTicks } : {};
    return this.add(new HostVm(name, args.guest, guest, { paused: args.paused, ...maxTicks }), "guest");
  }

  /**
   * Takes in a VM built elsewhere (restored from a snapshot; a migration's destination builds
   * them the same way) under `name`, or the VM's own name made unique.
   */
  adopt(vm: MigratableVm, options: { name?: string; source: string; paused: boolean; from: VmOrigin }): HostVm {
    const guest = adoptGuest(vm);
    if (guest.nic && this.network.hasMac(guest.nic.mac)) {
      throw new CommandError("InvalidArguments", `${options.name ?? vm.name}: a VM on host ${this.name} already has its MAC ${formatMac(guest.nic.mac)}`);
    }
    const name = options.name !== undefined && this.reserved.delete(options.name) ? options.name : this.freeName(options.name, vm.name);
    return this.add(new HostVm(name, options.source, guest, { paused: options.paused }), options.from);
  }

  /** The NIC `vm-create` asks for: the MAC given, or the lowest free default one; null without `net`. */
  private nicFor(args: ArgumentsOf<"vm-create">, program: boolean): { mac: Uint8Array } | null {
    if (!args.net) {
      if (args.mac !== undefined) throw new CommandError("InvalidArguments", "vm-create: mac goes with net: true");
      return null;
    }
    if (program) throw new CommandError("InvalidArguments", `vm-create: ${args.guest} is a user program: only a guest OS has a network device`);
    if (args.mac === undefined) return { mac: this.network.freeMac() };
    let mac: Uint8Array;
    try {
      mac = parseMac(args.mac, "vm-create: mac");
    } catch (error) {
      throw new CommandError("InvalidArguments", (error as Error).message);
    }
    if (this.network.hasMac(mac)) throw new CommandError("InvalidArguments", `vm-create: mac ${args.mac}: a VM on host ${this.name} already has it`);
    return { mac };
  }

  private add(vm: HostVm, from: VmOrigin): HostVm {
    this.vms.set(vm.name, vm);
    // One that arrives by migration is plugged in when it runs here, not while the source still runs it.
    if (vm.guest.nic) {
      if (from === "migration") this.unplugged.add(vm.name);
      else this.plug(vm, from === "snapshot");
    }
    this.scheduler.add(vm);
    this.log.info({ vm: vm.name, guest: vm.source, kind: vm.guest.kind, state: vm.state }, "vm started");
    this.emit({ event: "VM_STARTED", data: { vm: vm.name, state: vm.state, from } });
    if (vm.state === "ended") this.ended(vm);
    this.onRunnable();
    return vm;
  }

  private ended(vm: HostVm): void {
    const ending = vm.ending()!;
    if (vm.failure) this.log.error({ vm: vm.name, error: vm.failure.stack }, "internal error running a VM");
    this.log.info({ vm: vm.name, outcome: ending.outcome, ticks: vm.ticks }, "vm ended");
    this.emit({ event: "VM_HALTED", data: { vm: vm.name, ticks: vm.ticks, ...ending, consoleEnd: vm.console.end } });
  }

  pause(name: string): HostVm {
    const vm = this.find(name);
    if (vm.state === "paused") return vm;
    vm.pause();
    this.log.info({ vm: name, ticks: vm.ticks }, "vm paused");
    this.emit({ event: "VM_STOPPED", data: { vm: name, ticks: vm.ticks } });
    return vm;
  }

  resume(name: string): HostVm {
    const vm = this.find(name);
    if (vm.state === "running") return vm;
    vm.resume();
    if (this.unplugged.delete(name)) this.plug(vm, true);
    this.log.info({ vm: name, ticks: vm.ticks }, "vm resumed");
    this.emit({ event: "VM_RESUMED", data: { vm: name, ticks: vm.ticks } });
    this.onRunnable();
    return vm;
  }

  /** Console input for a guest OS; returns the bytes taken. */
  feed(name: string, bytes: Uint8Array): number {
    const taken = this.find(name).feed(bytes);
    if (taken > 0) this.onRunnable();
    return taken;
  }

  /** Convergence control of a migrating VM (scheduler.ts): `throttle`% of its instructions taken away, at most `dirtyLimit` pages dirtied per second. */
  slow(vm: HostVm, throttle: number, dirtyLimit: number): void {
    this.scheduler.slow(vm, throttle, dirtyLimit);
  }

  /** Wall ns the dirty limit has held `vm` here, in all (scheduler.ts). */
  dirtyLimitHeldNs(vm: HostVm): number {
    return this.scheduler.dirtyLimitHeldNs(vm);
  }

  /** A VM waiting for a page may run again: the page arrived. */
  wake(name: string): void {
    this.find(name).wake();
    this.onRunnable();
  }

  destroy(name: string): void {
    const vm = this.find(name);
    this.locks.delete(name);
    // Events first: a client following the console gets the last of it before the VM is gone.
    this.emit({ event: "VM_DESTROYED", data: { vm: name } });
    this.scheduler.remove(vm);
    this.vms.delete(name);
    this.unplugged.delete(name);
    const port = this.network.vmPort(name);
    if (port >= 0) this.network.unplug(port);
    vm.guest.vm.destroy();
    this.log.info({ vm: name }, "vm destroyed");
  }

  /** Writes a snapshot of the VM to `file`; the VM then leaves the host when `stop`. */
  save(name: string, file: string, options: { stop: boolean; overwrite: boolean }): { bytes: number; ticks: number } {
    const vm = this.find(name);
    vm.settleInput();
    const bytes = encodeSnapshot(vm.guest.vm);
    writeSnapshotFile(file, bytes, options.overwrite);
    this.log.info({ vm: name, file, bytes: bytes.length, ticks: vm.ticks }, "vm saved");
    const ticks = vm.ticks;
    if (options.stop) this.destroy(name);
    return { bytes: bytes.length, ticks };
  }

  restore(file: string, options: { name?: string; paused: boolean }): HostVm {
    const vm = readSnapshotFile(file);
    return this.adopt(vm, { ...options, source: file, from: "snapshot" });
  }

  /** Keeps `name` free for a VM on its way here (adopt under that name takes it). */
  reserve(name: string): void {
    this.freeName(name, name);
    this.reserved.add(name);
  }

  unreserve(name: string): void {
    this.reserved.delete(name);
  }

  /** While locked, clients may not pause, resume or remove the VM (a migration steers it). */
  lock(name: string, why: string): void {
    this.locks.set(name, why);
  }

  unlock(name: string): void {
    this.locks.delete(name);
  }

  /** Refuses a client's `command` on a VM a migration holds. */
  checkUnlocked(name: string, command: string): void {
    const why = this.locks.get(name);
    if (why !== undefined) throw new CommandError("InvalidState", `${command}: ${name} ${why} (migrate-cancel gives it back while the source still holds it)`);
  }

  /** Plugs the VM's NIC into the host's switch; one that came from elsewhere announces itself (announce-self). */
  private plug(vm: HostVm, announce: boolean): void {
    const port = this.network.plugVm(vm.name, vm.guest.nic!, () => vm.ticks);
    if (announce) {
      this.network.announce(port);
      this.network.flush();
    }
    this.log.info({ vm: vm.name, mac: this.network.info(port)!.mac, announced: announce }, "vm plugged into the host's switch");
  }

  /** A client asked the host to stop. */
  quit(): void {
    this.onQuit();
  }

  /** Every VM leaves (the host is stopping). */
  destroyAll(): void {
    for (const name of [...this.vms.keys()]) this.destroy(name);
  }

  /** `wanted` when it is free; else the guest's name made a VM name and unique (-2, -3 …). */
  private freeName(wanted: string | undefined, base: string): string {
    if (wanted !== undefined) {
      if (this.vms.has(wanted)) throw new CommandError("InvalidArguments", `${wanted}: host ${this.name} already runs a VM of that name`);
      if (this.reserved.has(wanted)) throw new CommandError("InvalidArguments", `${wanted}: a VM of that name is migrating to host ${this.name}`);
      return wanted;
    }
    const stem = base.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[.-]+/, "").slice(0, VM_NAME_MAX - 8) || "vm";
    const taken = (name: string) => this.vms.has(name) || this.reserved.has(name);
    if (!taken(stem)) return stem;
    for (let n = 2; ; n++) if (!taken(`${stem}-${n}`)) return `${stem}-${n}`;
  }
}
