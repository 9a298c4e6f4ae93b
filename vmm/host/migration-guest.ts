/**
 * The real migration driver's hold on a VM that runs on this host's scheduler: stop and resume
 * are the host's pause and resume (guest time stands still), release removes the VM from the
 * host, and a post-copy destination's missing pages come through the host's `onPageMissing`
 * hook and go on with `wake`. Every call checks that the VM is still the one it was given, so a
 * driver that acts late never touches another VM of the same name.
 */
import type { GuestControl } from "../migration/real/guest-control.js";
import type { MigratableVm } from "../migration/vm-port.js";
import type { Host } from "./host.js";
import type { HostVm } from "./host-vm.js";

export class HostGuestControl implements GuestControl {
  private pageMissingListener: (page: number) => void = () => {};

  constructor(
    private readonly host: Host,
    private readonly hostVm: HostVm,
  ) {}

  get vm(): MigratableVm {
    return this.hostVm.guest.vm;
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
