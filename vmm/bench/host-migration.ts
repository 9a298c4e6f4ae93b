/**
 * Migrations of the bench's guest between two `toyvmm host` processes on loopback, as a user
 * runs them with `toyvmm vm migrate`: the memwriter boots on the first host and runs its first
 * sweep there, then each migration moves it to the other host (so the runs go A→B, B→A, …).
 * Returns the source's statistics and when the guest ran on the destination.
 */
import type { ControlClient } from "../host/client.js";
import { ClientMigration, type MigrateRequest } from "../host/migrate-client.js";
import type { MigrationStats } from "../migration/stats.js";
import { withHosts, type BenchHost } from "./host-process.js";
import { bounded } from "./real-migration.js";
import { FIRST_SWEEP_TICKS, GUEST_MEMORY, GUEST_SPEED, MEMWRITER_ARGS, MEMWRITER_PATH } from "./migration-guest.js";

export interface HostMigration {
  stats: MigrationStats;
  /** Wall-clock ms from the start of the migration to the guest resumed on the destination. */
  runningAfterMs: number;
  /** Guest instructions per second the source really ran until it stopped the guest. */
  measuredSpeed: number;
}

const VM = "memwriter";
const WAIT_MS = 30_000;

/** Two hosts with the memwriter past its first sweep on one: `body` migrates it with `migrate`, and has the hosts' process ids. */
export function withMigratingGuest<T>(body: (migrate: (request: Omit<MigrateRequest, "vm">) => Promise<HostMigration>, pids: number[]) => Promise<T>): Promise<T> {
  return withHosts(["bench-a", "bench-b"], GUEST_SPEED, async (hosts) => {
    await bootMemwriter(hosts[0]!.client);
    let at = 0;
    const migrate = async (request: Omit<MigrateRequest, "vm">) => {
      const from = hosts[at]!;
      const to = hosts[1 - at]!;
      const result = await migrateOnce(from, to, { vm: VM, ...request });
      at = 1 - at;
      return result;
    };
    return body(migrate, hosts.map((host) => host.pid));
  });
}

async function bootMemwriter(client: ControlClient): Promise<void> {
  await client.call("vm-create", { guest: MEMWRITER_PATH, name: VM, args: MEMWRITER_ARGS, memory: GUEST_MEMORY });
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const status = await client.call("query-status", { vm: VM });
    if (status.ticks >= FIRST_SWEEP_TICKS) return;
    if (status.state === "ended") throw new Error(`the bench's memwriter ended before its first sweep: ${status.description}`);
    if (Date.now() > deadline) throw new Error(`the bench's memwriter did not finish its first sweep within ${WAIT_MS} ms`);
    await new Promise((resume) => setTimeout(resume, 20));
  }
}

async function migrateOnce(from: BenchHost, to: BenchHost, request: MigrateRequest): Promise<HostMigration> {
  let resumedAtMs = NaN;
  const unlisten = to.client.onEvent((event) => {
    if (event.event === "VM_RESUMED" && event.data.vm === request.vm) resumedAtMs = event.timestamp.seconds * 1000 + event.timestamp.microseconds / 1000;
  });
  const startMs = Date.now();
  try {
    const migration = await ClientMigration.start(from.client, to.client, request, { progress: () => {}, status: () => {} });
    const info = await bounded(migration.result, `the bench's ${request.strategy} migration between host processes`);
    if (info.status !== "completed") throw new Error(`the bench's ${request.strategy} migration from ${from.name} to ${to.name} ended ${info.status}: ${info.detail}`);
    // The destination's event may come a moment after the source's last word.
    const eventBy = Date.now() + 5_000;
    while (Number.isNaN(resumedAtMs) && Date.now() < eventBy) await new Promise((resume) => setTimeout(resume, 5));
    const stats = info.stats as unknown as MigrationStats;
    return {
      stats,
      runningAfterMs: resumedAtMs - startMs,
      measuredSpeed: stats.guestTicksDuringMigration / ((stats.totalNs - stats.downtimeNs) / 1e9),
    };
  } finally {
    unlisten();
  }
}
