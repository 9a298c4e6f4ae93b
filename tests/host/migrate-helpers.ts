/**
 * For the tests that migrate VMs between real host processes: hosts with a migration listener
 * on loopback, a client on each that keeps every VM's console in segments (one per stay on a
 * host, in the order the stays began), and a migration driven as `toyvmm vm migrate` drives it.
 */
import { join } from "node:path";
import { ControlClient } from "../../vmm/host/client.js";
import { ClientMigration, type MigrateRequest } from "../../vmm/host/migrate-client.js";
import type { AnswerOf } from "../../vmm/host/protocol-commands.js";
import type { MigrationInfo } from "../../vmm/host/protocol-migrate.js";
import type { Guest } from "../migration/helpers.js";
import { startHost, tempFolder, type TestHost } from "./helpers.js";

/** Guest ticks per wall second on every host: the guests below run for 0.4 to 1.6 s. */
export const SPEED = "100k";

/** The bundled guests and memwriter, as the host boots them (`name`) and as the reference boots them. */
export const HOST_GUESTS: (Guest & { name: string })[] = [
  { name: "solo", label: "solo", path: "guest-os/solo/kernel.s", args: "prog=fib n=25", vm: "monitor" },
  { name: "multi", label: "multi", path: "guest-os/multi/kernel.s", args: "run=count,sleeper,heap", vm: "monitor" },
  { name: "threads", label: "threads", path: "guest-os/threads/kernel.s", args: "", vm: "monitor" },
  { name: "programs/memwriter.s", label: "memwriter", path: "programs/memwriter.s", args: "pages=64 rate=20000 iters=80", vm: "process" },
];

interface Segment {
  vm: string;
  host: string;
  text: string;
}

/** Every console segment of every VM, across the hosts, in the order the stays began. */
const segments: Segment[] = [];

export interface MigrationHost {
  process: TestHost;
  client: ControlClient;
  name: string;
}

/** Starts `names.length` hosts with migration listeners on loopback, and connects to each. */
export async function startHosts(names: string[]): Promise<MigrationHost[]> {
  const dir = tempFolder();
  return Promise.all(
    names.map(async (name) => {
      const process = await startHost(["--name", name, "--speed", SPEED, "--migrate-listen", "127.0.0.1:0"], join(dir, `${name}.sock`));
      const client = await ControlClient.connect({ kind: "unix", path: process.socket });
      client.onEvent((event) => {
        if (event.event === "VM_STARTED") {
          const segment = { vm: event.data.vm, host: name, text: "" };
          segments.push(segment);
          // (A host killed by a test takes its answer with it.)
          client.call("console-follow", { vm: event.data.vm, offset: 0 }).catch(() => {});
        }
        if (event.event === "CONSOLE_OUTPUT") {
          const segment = segments.filter((s) => s.vm === event.data.vm && s.host === name).at(-1);
          if (segment) segment.text += event.data.text;
        }
      });
      return { process, client, name };
    }),
  );
}

/** The VM's console output over all its stays, in order. */
export function consoleOf(vm: string): string {
  return segments
    .filter((s) => s.vm === vm)
    .map((s) => s.text)
    .join("");
}

/** The hosts the VM stayed on, in order. */
export function staysOf(vm: string): string[] {
  return segments.filter((s) => s.vm === vm).map((s) => s.host);
}

/** Migrates a VM from one host to another as `toyvmm vm migrate` does; resolves to the source's final view. */
export async function migrateVm(from: MigrationHost, to: MigrationHost, request: MigrateRequest): Promise<MigrationInfo> {
  const migration = await ClientMigration.start(from.client, to.client, request, { progress: () => {}, status: () => {} });
  return migration.result;
}

/** Waits until the VM has ended on `host`; resolves to its status there. */
export async function endOf(host: MigrationHost, vm: string, timeoutMs = 10_000): Promise<AnswerOf<"query-status">> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await host.client.call("query-status", { vm });
    if (status.state === "ended") return status;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${vm} to end on ${host.name} (at tick ${status.ticks})`);
    await new Promise((resume) => setTimeout(resume, 20));
  }
}

/** Polls the host's view of the VM's migration until it has ended (bounded); resolves to that view. */
export async function migrationEnd(host: MigrationHost, vm: string, timeoutMs = 10_000): Promise<MigrationInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await host.client.call("query-migrate", { vm });
    if (["completed", "failed", "cancelled"].includes(info.status)) return info;
    if (Date.now() > deadline) throw new Error(`${vm} on ${host.name}: the migration is still ${info.status}`);
    await new Promise((resume) => setTimeout(resume, 20));
  }
}

/** Waits (bounded) until the destination holds the guest and the source has let it go (the migration may not have begun yet). */
export async function sourceLetGo(source: MigrationHost, vm: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  const runsOn = async () => (await source.client.call("query-migrations", {})).filter((m) => m.vm === vm).at(-1)?.stats.runsOn;
  while ((await runsOn()) !== "destination") {
    if (Date.now() > deadline) throw new Error(`${vm}: the source never let the guest go`);
    await new Promise((resume) => setTimeout(resume, 5));
  }
}
