/**
 * The real migration driver's hold on a VM that runs on this host's scheduler: stop and resume
 * are the host's pause and resume (guest time stands still), release removes the VM from the
 * host, and a post-copy destination's missing pages come through the host's `onPageMissing`
 * hook and go on with `wake`. Every call checks that the VM is still the one it was given, so a
 * driver that acts late never touches another VM of the same name.
 *
 * The driver sees the VM through MigratingVm, whose state, when taken, holds the console input
 * a client gave this host that the guest has not read yet: it moves with the VM.
 */
import type { GuestControl } from "../migration/real/guest-control.js";
import type { MigratableVm } from "../migration/vm-port.js";
import type { Host } from "./host.js";
import type { HostVm } from "./host-vm.js";

export class HostGuestControl implements GuestControl {
  private pageMissingListener: (page: number) => void = () => {};
  private readonly migrating: MigratableVm;
  private heldNs = 0;

  constructor(
    private readonly host: Host,
    private readonly hostVm: HostVm,
  ) {
    this.migrating = new MigratingVm(hostVm);
  }

  get vm(): MigratableVm {
    return this.migrating;
  }


  /** Whether the VM is still on the host (it leaves when released, or when the host stops). */
  private get present(): boolean {
    return this.host.get(this.hostVm.name) === this.hostVm;
  }

  stop(): void {
    if (this.present && this.hostVm.state === "running") this.host.pause(this.hostVm.name);
  }

  resume(): void {
    if (this.present && this.hostVm.state === "paused") this.host.resume(this.hostVm.name);
  }

  release(): void {
    if (this.present) this.host.destroy(this.hostVm.name);
  }

  slow(throttle: number, dirtyLimit: number): void {
    if (this.present) this.host.slow(this.hostVm, throttle, dirtyLimit);
  }

  dirtyLimitHeldNs(): number {
    // Once the VM has left, what it was held stays as it was last read.
    if (this.present) this.heldNs = this.host.dirtyLimitHeldNs(this.hostVm);
    return this.heldNs;
  }

  onPageMissing(listener: (page: number) => void): void {
    this.pageMissingListener = listener;
  }

  /** The host's scheduler found the VM stopped on `page`. */
  pageMissing(page: number): void {
    this.pageMissingListener(page);
  }

  pageArrived(page: number): void {
    if (this.present && this.hostVm.waiting === "page" && this.hostVm.missingPage === page) this.host.wake(this.hostVm.name);
  }
}

/** The VM as its migration sees it: saving it first puts the host's queued console input into the guest's console. */
class MigratingVm implements MigratableVm {
  constructor(private readonly hostVm: HostVm) {}

  private get inner(): MigratableVm {
    return this.hostVm.guest.vm;
  }

  get name(): string {
    return this.inner.name;
  }

  get memory(): MigratableVm["memory"] {
    return this.inner.memory;
  }

  get ticks(): number {
    return this.inner.ticks;
  }

  get output(): string {
    return this.inner.output;
  }

  get destroyed(): boolean {
    return this.inner.destroyed;
  }

  run(budget: number): ReturnType<MigratableVm["run"]> {
    return this.inner.run(budget);
  }

  save(): unknown {
    this.hostVm.settleInput();
    return this.inner.save();
  }

  config(): unknown {
    return this.inner.config();
  }

  destroy(): void {
    this.inner.destroy();
  }
}
