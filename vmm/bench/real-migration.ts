/**
 * One real migration of the bench's guest over loopback TCP, both ends in this process as the
 * tests run them: a listener, a wall-clock guest on each side, every wait bounded and
 * everything closed afterwards. Returns both sides' statistics and when the guest ran on the
 * destination.
 */
import { ANY_HOST } from "../migration/index.js";
import { WallClockGuest } from "../migration/real/guest-runner.js";
import { MigrationListener } from "../migration/real/listener.js";
import { startMigration, type OutgoingOptions } from "../migration/real/outgoing.js";
import type { MigrationStats } from "../migration/stats.js";
import { bootMemwriter, GUEST_SPEED } from "./migration-guest.js";

export interface RealMigration {
  source: MigrationStats;
  destination: MigrationStats;
  /** Wall-clock ms from startMigration to the guest resumed on the destination. */
  runningAfterMs: number;
  /** Guest instructions per second the source really ran until it stopped the guest. */
  measuredSpeed: number;
}

const TIMEOUT_MS = 30_000;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Resolves as `promise` does, or rejects after TIMEOUT_MS: a bench never hangs. */
function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${TIMEOUT_MS} ms`)), TIMEOUT_MS)),
  );
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function migrateOverLoopback(
  options: Omit<OutgoingOptions, "host" | "port" | "token">,
): Promise<RealMigration> {
  const listener = await MigrationListener.listen({ vmHost: ANY_HOST });
  let dest: WallClockGuest | null = null;
  const source = new WallClockGuest(bootMemwriter(), { speed: GUEST_SPEED });
  try {
    let runningAt = NaN;
    const slot = listener.expect({
      guest: (vm) => (dest = new WallClockGuest(vm, { speed: GUEST_SPEED, running: false })),
    });
    slot.on("guest", () => (runningAt = nowMs()));
    const start = nowMs();
    const out = startMigration(source, {
      host: "127.0.0.1",
      port: listener.address.port,
      token: slot.token,
      ...options,
    });
    const [sent, received] = await bounded(
      Promise.all([out.result, slot.result]),
      `the bench's ${options.strategy} migration`,
    );
    if (sent.status !== "completed") throw new Error(`the bench's migration ended ${sent.status}: ${sent.error}`);
    if (received.status !== "completed")
      throw new Error(`the bench's migration ended ${received.status} on the destination: ${received.error}`);
    return {
      source: sent.stats,
      destination: received.stats,
      runningAfterMs: runningAt - start,
      // The source's guest runs until the stop, which the downtime follows.
      measuredSpeed: sent.stats.guestTicksDuringMigration / ((sent.stats.totalNs - sent.stats.downtimeNs) / 1e9),
    };
  } finally {
    source.release();
    (dest as WallClockGuest | null)?.release();
    await listener.close();
  }
}
