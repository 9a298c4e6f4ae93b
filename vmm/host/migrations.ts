/**
 * A host's migrations, both ways, on the real driver (vmm/migration/real): its listener for
 * incoming ones (--migrate-listen), its parameters, and every migration it runs or ran, by VM.
 *
 * Never two running copies: a VM migrating out is locked (clients may not resume or remove it;
 * the driver stops, resumes and releases it), and one arriving is adopted paused, under the
 * name its slot reserved, and runs only once the source has let it go.
 */
import type { Logger } from "../log.js";
import type { MigratableVm } from "../migration/vm-port.js";
import { DEFAULTS } from "../migration/options.js";
import { ANY_HOST } from "../migration/index.js";
import type { IncomingMigration } from "../migration/real/incoming.js";
import { MigrationListener } from "../migration/real/listener.js";
import { SpareMemory } from "../migration/real/spare-memory.js";
import { startMigration, type OutgoingMigration } from "../migration/real/outgoing.js";
import { describeAddress, isUnspecified, parseTcpAddress, type TcpAddress } from "./address.js";
import type { Host } from "./host.js";
import type { HostVm } from "./host-vm.js";
import { HostDirtyRates } from "./dirty-rates.js";
import { HostGuestControl } from "./migration-guest.js";
import { MigrationJob } from "./migration-job.js";
import { CommandError } from "./protocol.js";
import type { ArgumentsOf } from "./protocol-commands.js";
import type { MigrationParameters } from "./protocol-migrate.js";

/** Ended migrations a host remembers for query-migrations, at most. */
const REMEMBERED = 64;

export class HostMigrations {
  parameters: MigrationParameters = {
    bandwidth: null,
    downtimeTargetNs: DEFAULTS.downtimeTargetNs,
    maxRounds: DEFAULTS.maxRounds,
    postcopyAfter: null,
    autoConverge: false,
    dirtyLimit: DEFAULTS.dirtyLimit,
    multifdChannels: 0,
    xbzrleCache: 0,
    compress: false,
  };
  private readonly jobs: MigrationJob[] = [];
  /** Dirty-rate measurements (calc-dirty-rate); a migration that starts ends its VM's. */
  readonly dirtyRates: HostDirtyRates;
  /** Incoming VMs' controls, by name, for their missing pages. */
  private readonly arriving = new Map<string, HostGuestControl>();

  /** The migrations of `host`, listening at `listen` when given. */
  static async start(host: Host, listen: TcpAddress | undefined, log: Logger): Promise<HostMigrations> {
    const spareMemory = new SpareMemory();
    const listener = listen ? await MigrationListener.listen({ ...listen, vmHost: ANY_HOST, spareMemory }) : null;
    return new HostMigrations(host, listener, spareMemory, log);
  }

  private constructor(
    private readonly host: Host,
    private readonly listener: MigrationListener | null,
    /** The memory of the last VM that migrated away, for the next to arrive (the listener takes it). */
    private readonly spareMemory: SpareMemory,
    private readonly log: Logger,
  ) {
    host.onPageMissing = (vm, page) => this.arriving.get(vm.name)?.pageMissing(page);
    this.dirtyRates = new HostDirtyRates(host);
    listener?.on("refused", (reason: string, remote: string) => log.warn({ remote, reason }, "migration connection refused"));
  }

  /** Where incoming migrations are accepted, or null. */
  get listenAddress(): string | null {
    return this.listener ? describeAddress({ kind: "tcp", ...this.listener.address }) : null;
  }

  list(): MigrationJob[] {
    return [...this.jobs];
  }

  /** The VM's running migration, else its last one here. */
  find(vm: string): MigrationJob {
    for (let i = this.jobs.length - 1; i >= 0; i--) if (this.jobs[i]!.vm === vm) return this.jobs[i]!;
    throw new CommandError("VmNotFound", `${vm}: no migration of that VM on host ${this.host.name}`);
  }

  /** The destination's side: a slot for `vm`, reserved under its name, with a one-time token. */
  incoming(vm: string): { token: string; address: string } {
    const listener = this.listener;
    if (!listener) throw new CommandError("InvalidState", `host ${this.host.name} takes no migrations: start it with --migrate-listen [HOST:]PORT`);
    const running = this.jobs.find((job) => job.vm === vm && !job.ended);
    if (running) throw new CommandError("InvalidState", `${vm}: a migration of that VM is already ${running.status} here`);
    this.host.reserve(vm);
    const slot = listener.expect({ guest: (arrived) => this.arrive(vm, arrived) });
    const job = this.add(new MigrationJob(this.host, vm, this.listenAddress!, { kind: "incoming", slot }));
    this.logPauses(vm, slot);
    void slot.result.then((result) => {
      this.arriving.delete(vm);
      this.host.unreserve(vm);
      if (this.host.get(vm)) this.host.unlock(vm);
      this.logEnd(result.status, { vm, status: result.status, error: result.error }, "incoming migration ended");
    });
    this.log.info({ vm }, "incoming migration prepared");
    return { token: slot.token, address: job.peer };
  }

  private arrive(name: string, arrived: MigratableVm): HostGuestControl {
    const vm = this.host.adopt(arrived, { name, source: "migration", paused: true, from: "migration" });
    this.host.lock(name, "is arriving by migration");
    const control = new HostGuestControl(this.host, vm);
    this.arriving.set(name, control);
    return control;
  }

  /** The source's side: sends `vm` to a listener with the token its host gave. */
  outgoing(args: ArgumentsOf<"migrate">): MigrationJob {
    const vm = this.host.find(args.vm);
    this.host.checkUnlocked(args.vm, "migrate");
    checkMigratable(vm);
    const to = parseTcpAddress(args.to, "migrate: to");
    if (isUnspecified(to.host)) {
      throw new CommandError("InvalidArguments", `migrate: to ${args.to} is where a listener takes connections on every interface, not an address to send to: give the destination host's own address (vm migrate does so by itself)`);
    }
    const parameters = { ...this.parameters, ...definedOf(args) };
    if (parameters.postcopyAfter && args.strategy !== "pre-copy") {
      throw new CommandError("InvalidArguments", "migrate: postcopyAfter turns a pre-copy into post-copy; it goes with strategy pre-copy");
    }
    if (parameters.multifdChannels > 0 && args.strategy === "post-copy") {
      throw new CommandError("InvalidArguments", "migrate: multifdChannels carry the pages of stop-copy and pre-copy; post-copy sends its pages on the stream (set multifdChannels 0)");
    }
    for (const name of ["autoConverge", "dirtyLimit"] as const) {
      if (args[name] && args.strategy !== "pre-copy") throw new CommandError("InvalidArguments", `migrate: ${name} controls pre-copy's rounds; it goes with strategy pre-copy`);
    }
    this.host.lock(args.vm, `is migrating to ${args.to}`);
    this.dirtyRates.finish(args.vm);
    const out = startMigration(new HostGuestControl(this.host, vm), {
      ...to,
      token: args.token,
      strategy: args.strategy,
      downtimeTargetNs: parameters.downtimeTargetNs,
      maxRounds: parameters.maxRounds,
      multifdChannels: parameters.multifdChannels,
      autoConverge: parameters.autoConverge,
      dirtyLimit: parameters.dirtyLimit,
      ...(parameters.postcopyAfter === "auto" ? { postcopyAuto: true } : parameters.postcopyAfter && "rounds" in parameters.postcopyAfter ? { postcopyAfterRounds: parameters.postcopyAfter.rounds } : {}),
      ...(parameters.bandwidth !== null ? { bandwidth: parameters.bandwidth } : {}),
      ...(parameters.xbzrleCache > 0 ? { xbzrleCache: parameters.xbzrleCache } : {}),
      ...(parameters.compress ? { compress: true } : {}),
    });
    const job = this.add(new MigrationJob(this.host, args.vm, describeAddress({ kind: "tcp", ...to }), { kind: "outgoing", out, memory: vm.guest.vm.memory }));
    const stopSwitching = switchToPostcopy(out, parameters.postcopyAfter);
    this.logPauses(args.vm, out);
    void out.result.then((result) => {
      stopSwitching();
      // Every page has left and the VM is gone from here: its memory can take the next VM that arrives.
      if (result.status === "completed" && result.migrated) this.spareMemory.give(vm.guest.vm.memory);
      if (this.host.get(args.vm) === vm) this.host.unlock(args.vm);
      const fields = { vm: args.vm, to: args.to, status: result.status, migrated: result.migrated, error: result.error, downtimeNs: result.stats.downtimeNs };
      this.logEnd(result.status, fields, "outgoing migration ended");
    });
    this.log.info({ vm: args.vm, to: args.to, strategy: args.strategy }, "migration started");
    return job;
  }

  /** Gives up a migration: the source keeps the VM; a destination drops its slot. */
  cancel(vm: string): MigrationJob {
    const job = this.find(vm);
    if (job.ended) throw new CommandError("InvalidState", `${vm}: its migration has already ${job.status}`);
    try {
      if (job.driver.kind === "outgoing") job.driver.out.cancel();
      else job.driver.slot.cancel();
    } catch (error) {
      throw new CommandError("InvalidState", (error as Error).message);
    }
    return job;
  }

  /** Starts a dirty-rate measurement of `vm`; dirty-bitmap not while it migrates either way. */
  calcDirtyRate(args: ArgumentsOf<"calc-dirty-rate">) {
    const migrating = this.jobs.some((job) => job.vm === args.vm && !job.ended);
    return this.dirtyRates.start(args.vm, args.calcTimeMs, args.mode, args.samplePages, migrating);
  }

  startPostcopy(vm: string): MigrationJob {
    return this.steer(vm, "migrate-start-postcopy", (out) => out.startPostcopy());
  }

  recover(vm: string, to: string | undefined): MigrationJob {
    const address = to !== undefined ? parseTcpAddress(to, "migrate-recover: to") : undefined;
    return this.steer(vm, "migrate-recover", (out) => out.recover(address));
  }

  /**
   * The host stops: migrations still at the source give the VM back, slots are dropped, the
   * listener closes. An outgoing migration past its commit is abandoned: the destination holds
   * the guest, and the pages it still lacks go with this host.
   */
  async close(): Promise<void> {
    this.dirtyRates.close();
    for (const job of this.jobs) {
      if (job.ended) continue;
      if (job.driver.kind === "incoming") {
        if (job.driver.slot.canCancel) job.driver.slot.cancel();
      } else if (job.driver.out.canCancel) job.driver.out.cancel();
      else job.driver.out.abandon("the source host stopped");
    }
    await this.listener?.close();
    this.spareMemory.drop();
  }

  /** A failed or cancelled migration is news at the default log level; a completed one is not. */
  private logEnd(status: string, fields: object, message: string): void {
    if (status === "completed") this.log.info(fields, message);
    else this.log.warn(fields, message);
  }

  /** A migration that pauses (the connection broke past the commit, or the outcome is in doubt) says so in the log. */
  private logPauses(vm: string, driver: OutgoingMigration | IncomingMigration): void {
    driver.on("status", (status: string, detail?: string) => {
      if (status === "postcopy-paused" || status === "in-doubt") this.log.warn({ vm, status, detail }, "migration paused");
    });
  }

  /** Does `change` to the VM's outgoing migration; the driver's refusal is an InvalidState answer. */
  private steer(vm: string, command: string, change: (out: OutgoingMigration) => void): MigrationJob {
    const job = this.find(vm);
    if (job.driver.kind !== "outgoing") throw new CommandError("InvalidState", `${command}: ${vm} is migrating to this host; ask its source`);
    try {
      change(job.driver.out);
    } catch (error) {
      throw new CommandError("InvalidState", (error as Error).message);
    }
    return job;
  }

  private add(job: MigrationJob): MigrationJob {
    this.jobs.push(job);
    const ended = this.jobs.filter((j) => j.ended);
    if (ended.length > REMEMBERED) this.jobs.splice(this.jobs.indexOf(ended[0]!), 1);
    return job;
  }
}

/** A VM that may leave: running (a paused or ended one stays where it is). */
function checkMigratable(vm: HostVm): void {
  if (vm.state === "ended") throw new CommandError("InvalidState", `migrate: ${vm.name} has ended; there is nothing left to move`);
  if (vm.state === "paused") throw new CommandError("InvalidState", `migrate: ${vm.name} is paused; resume it first (a migration moves a running VM)`);
}

/** The parameters a `migrate` request gives, without those it left out. */
function definedOf(args: ArgumentsOf<"migrate">): Partial<MigrationParameters> {
  const given: Partial<MigrationParameters> = {};
  if (args.bandwidth !== undefined) given.bandwidth = args.bandwidth;
  if (args.downtimeTargetNs !== undefined) given.downtimeTargetNs = args.downtimeTargetNs;
  if (args.maxRounds !== undefined) given.maxRounds = args.maxRounds;
  if (args.postcopyAfter !== undefined) given.postcopyAfter = args.postcopyAfter;
  if (args.multifdChannels !== undefined) given.multifdChannels = args.multifdChannels;
  if (args.autoConverge !== undefined) given.autoConverge = args.autoConverge;
  if (args.dirtyLimit !== undefined) given.dirtyLimit = args.dirtyLimit;
  if (args.xbzrleCache !== undefined) given.xbzrleCache = args.xbzrleCache;
  if (args.compress !== undefined) given.compress = args.compress;
  return given;
}

/** Turns the pre-copy into post-copy after its time (after its rounds, the engine does it); returns the way to stop watching. */
function switchToPostcopy(out: OutgoingMigration, after: MigrationParameters["postcopyAfter"]): () => void {
  if (!after || after === "auto" || !("seconds" in after)) return () => {};
  const timer = setTimeout(() => {
    // Only while its rounds run; once it stopped the guest by itself there is nothing to switch.
    try {
      out.startPostcopy();
    } catch {
      // The rounds already ended.
    }
  }, after.seconds * 1000);
  return () => clearTimeout(timer);
}
