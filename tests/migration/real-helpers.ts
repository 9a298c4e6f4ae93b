/**
 * Shared by the real-driver tests: a source and a destination in this test process over
 * loopback TCP, each guest on a wall-clock runner, every wait bounded and everything closed.
 */
import { crc32 } from "../../isa/crc32.js";
import { ANY_HOST } from "../../vmm/migration/index.js";
import { WallClockGuest } from "../../vmm/migration/real/guest-runner.js";
import type { IncomingMigration, IncomingResult } from "../../vmm/migration/real/incoming.js";
import { MigrationListener } from "../../vmm/migration/real/listener.js";
import { startMigration, type OutgoingMigration, type OutgoingOptions, type OutgoingResult } from "../../vmm/migration/real/outgoing.js";
import type { VmExit } from "../../vmm/migration/vm-port.js";
import { boot, type Guest, type Outcome } from "./helpers.js";

/** Guest instructions per second on both hosts: memwriter's 130,686 instructions take 65 ms. */
export const SPEED = 2_000_000;
/** 64 pages written in sweeps, one every 50 instructions, over 256 pages of memory. */
export const WRITER: Guest = { label: "memwriter", path: "programs/memwriter.s", args: "pages=64 rate=20000 iters=40", vm: "process" };

/** Resolves as `promise` does, or rejects after `ms` naming what did not happen. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves once `test` holds, polled every millisecond, or rejects after `ms`. */
export function until(test: () => boolean, ms: number, what: string): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      const poll = () => (test() ? resolve() : setTimeout(poll, 1));
      poll();
    }),
    ms,
    what,
  );
}

export interface RealRun {
  out: OutgoingMigration;
  slot: IncomingMigration;
  source: WallClockGuest;
  /** The destination's guest, once the VM was built there. */
  dest: () => WallClockGuest | null;
  listener: MigrationListener;
  /** Statuses each side went through, in order. */
  statuses: { source: string[]; destination: string[] };
}

/**
 * Boots `g` on a wall-clock runner, waits until it has run `at` instructions, and starts a
 * migration to a fresh listener — directly, or to `port` (a fault proxy in front of it).
 */
export async function startRealMigration(
  g: Guest,
  at: number,
  options: Omit<OutgoingOptions, "host" | "port" | "token"> & { via?: (target: number) => Promise<number> },
  listenerOptions: { stallTimeoutMs?: number } = {},
): Promise<RealRun> {
  const listener = await MigrationListener.listen({ vmHost: ANY_HOST, ...listenerOptions });
  let dest: WallClockGuest | null = null;
  const slot = listener.expect({ guest: (vm) => (dest = new WallClockGuest(vm, { speed: SPEED, running: false })) });
  const source = new WallClockGuest(boot(g), { speed: SPEED });
  await until(() => source.vm.ticks >= at, 5_000, `the source guest reaching ${at} instructions`);
  const { via, ...rest } = options;
  const port = via ? await via(listener.address.port) : listener.address.port;
  const out = startMigration(source, { host: "127.0.0.1", port, token: slot.token, ...rest });
  const statuses = { source: [] as string[], destination: [] as string[] };
  out.on("status", (s: string) => statuses.source.push(s));
  slot.on("status", (s: string) => statuses.destination.push(s));
  return { out, slot, source, dest: () => dest, listener, statuses };
}

/** How the guest ended, wherever it ran last: output of both hosts in order, ticks, memory CRC. */
export async function finish(run: RealRun, result: OutgoingResult): Promise<Outcome> {
  const holder = result.migrated ? run.dest() : run.source;
  if (!holder) throw new Error("the migration completed without a guest on the destination");
  const exit = (await within(holder.done, 10_000, "the guest ending")) as VmExit | "released";
  if (exit === "released") throw new Error("the guest was released instead of ending");
  const vm = holder.vm;
  const output = result.migrated ? run.source.vm.output + vm.output : vm.output;
  return { output, ticks: vm.ticks, memoryCrc: crc32(vm.memory.bytes) };
}

/** Both sides' results, bounded. */
export function results(run: RealRun, ms = 10_000): Promise<[OutgoingResult, IncomingResult]> {
  return within(Promise.all([run.out.result, run.slot.result]), ms, "both sides of the migration ending");
}

/** Stops both guests of a run and closes its listener (a test's cleanup; null does nothing). */
export async function closeRun(run: RealRun | null): Promise<void> {
  run?.source.release();
  run?.dest()?.release();
  await run?.listener.close();
}
