/**
 * A client's migration between two hosts, as `toyvmm vm migrate` runs it: the destination
 * prepares a slot (`migrate-incoming`), the source sends the VM there (`migrate`), and the
 * source's MIGRATION and MIGRATION_PROGRESS events are followed until it ends. A migration
 * that does not complete gives the destination's slot back, so its reserved name is free again.
 */
import { UserError } from "../../isa/errors.js";
import { isLoopback, reachableMigrationAddress } from "./address.js";
import { HostRequestError, type ControlClient } from "./client.js";
import type { ArgumentsOf } from "./protocol-commands.js";
import type { MigrationInfo } from "./protocol-migrate.js";
import type { EventData } from "./protocol-events.js";

export type MigrateRequest = Omit<ArgumentsOf<"migrate">, "to" | "token">;
export type Progress = EventData<"MIGRATION_PROGRESS">;

export interface MigrateWatch {
  progress(progress: Progress): void;
  status(status: MigrationInfo["status"], detail: string | null): void;
}

const ENDED = new Set<string>(["completed", "failed", "cancelled"]);
/** How long the source may take to report the end of a migration whose destination went away. */
const DESTINATION_GONE_MS = 2_000;

export class ClientMigration {
  /** The source's final view of the migration. */
  readonly result: Promise<MigrationInfo>;

  private constructor(
    private readonly from: ControlClient,
    private readonly to: ControlClient,
    private readonly vm: string,
    ended: Promise<void>,
  ) {
    this.result = ended.then(() => this.finish());
    // Awaited by the caller once the migration has started; a refused start leaves no one to tell.
    this.result.catch(() => {});
  }

  /** Starts the migration; resolves once the source has accepted it. */
  static async start(from: ControlClient, to: ControlClient, request: MigrateRequest, watch: MigrateWatch): Promise<ClientMigration> {
    const { vm } = request;
    const slot = await to.call("migrate-incoming", { vm });
    let endNow!: () => void;
    let failNow!: (error: Error) => void;
    const ended = new Promise<void>((resolve, reject) => ((endNow = resolve), (failNow = reject)));
    // Handled by whoever awaits `result`; a migration that never started has no one to tell.
    ended.catch(() => {});
    const unlisten = from.onEvent((event) => {
      if (event.event === "MIGRATION_PROGRESS" && event.data.vm === vm) watch.progress(event.data);
      if (event.event === "MIGRATION" && event.data.vm === vm && event.data.direction === "outgoing") {
        watch.status(event.data.status, event.data.detail);
        if (ENDED.has(event.data.status)) endNow();
      }
    });
    void from.ended.then(() => failNow(new UserError(`the source host ${from.greeting.host} went away during the migration`)));
    // A destination that went away ends the wait too, once the source had a moment to say how the migration ended.
    void to.ended.then(() => {
      const quiet = setTimeout(() => failNow(new UserError(`the destination host ${to.greeting.host} went away during the migration (vm jobinfo ${vm} on the source says where it stands)`)), DESTINATION_GONE_MS);
      void ended.then(() => clearTimeout(quiet), () => clearTimeout(quiet));
    });
    let started: MigrationInfo;
    try {
      started = await from.call("migrate", { ...request, to: sendableAddress(slot.address, from, to), token: slot.token });
    } catch (error) {
      unlisten();
      await giveBack(to, vm);
      throw error;
    }
    if (ENDED.has(started.status)) endNow();
    return new ClientMigration(from, to, vm, ended.finally(unlisten));
  }

  /**
   * Asks the source to give up; true when it will (the VM stays there), false when it is too
   * late (the destination holds the VM and the migration can only go on).
   */
  async cancel(): Promise<boolean> {
    try {
      await this.from.call("migrate-cancel", { vm: this.vm });
      return true;
    } catch (error) {
      if (error instanceof HostRequestError && error.errorClass === "InvalidState") return false;
      throw error;
    }
  }

  private async finish(): Promise<MigrationInfo> {
    const info = await this.from.call("query-migrate", { vm: this.vm });
    if (info.status !== "completed") await giveBack(this.to, this.vm);
    return info;
  }
}

/** The destination's listener as the source can reach it (never 0.0.0.0 or ::, which name no machine to send to). */
function sendableAddress(listen: string, from: ControlClient, to: ControlClient): string {
  const local = from.localAddress;
  return reachableMigrationAddress(listen, to.address, local !== null && !isLoopback(local.replace(/^::ffff:/, "")) ? local : null);
}

/** Drops the destination's slot (it may have ended by itself already). */
async function giveBack(to: ControlClient, vm: string): Promise<void> {
  try {
    await to.call("migrate-cancel", { vm });
  } catch (error) {
    if (!(error instanceof HostRequestError)) throw error;
  }
}
