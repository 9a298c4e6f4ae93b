/**
 * Live migration between real host processes over loopback TCP: every bundled guest and
 * memwriter, with every strategy, A→B, and a chain A→B→C→A; each ends with the console output,
 * memory CRC and tick count of an unmigrated run, and with one copy only, on the last host.
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STRATEGIES } from "../../vmm/migration/stream/frames.js";
import { reference } from "../migration/helpers.js";
import { requireBuild } from "./helpers.js";
import { consoleOf, endOf, HOST_GUESTS, migrateVm, startHosts, staysOf, type MigrationHost } from "./migrate-helpers.js";

let hosts: MigrationHost[] = [];
beforeAll(async () => {
  requireBuild();
  hosts = await startHosts(["a", "b", "c"]);
});
afterAll(async () => {
  for (const host of hosts) host.client.close();
  await Promise.all(hosts.map((host) => host.process.stop()));
});

/** Boots a guest on `host` under `vm`. */
async function boot(host: MigrationHost, guest: (typeof HOST_GUESTS)[number], vm: string): Promise<void> {
  const name = guest.name.includes("/") ? resolve(guest.name) : guest.name;
  await host.client.call("vm-create", { guest: name, name: vm, args: guest.args });
}

const expectUnmigratedEnd = async (host: MigrationHost, vm: string, guest: (typeof HOST_GUESTS)[number]) => {
  const status = await endOf(host, vm);
  const want = reference(guest);
  expect(status.exitStatus, status.description ?? "").toBe(0);
  expect({ output: consoleOf(vm), ticks: status.ticks, memoryCrc: status.memoryCrc }).toEqual(want);
};

describe("vm migrate between host processes", () => {
  it("moves every guest with every strategy from A to B, and each ends as an unmigrated run", async () => {
    const [a, b] = hosts as [MigrationHost, MigrationHost];
    const runs = HOST_GUESTS.flatMap((guest) => STRATEGIES.map((strategy) => ({ guest, strategy, vm: `${guest.label}-${strategy}` })));
    await Promise.all(runs.map((run) => boot(a, run.guest, run.vm)));
    await new Promise((resume) => setTimeout(resume, 100));
    const infos = await Promise.all(runs.map((run) => migrateVm(a, b, { vm: run.vm, strategy: run.strategy })));
    for (const [i, info] of infos.entries()) {
      expect(info.status, `${runs[i]!.vm}: ${info.detail}`).toBe("completed");
      expect(info.completed).toBe(1);
    }
    for (const run of runs) await expectUnmigratedEnd(b, run.vm, run.guest);
    const left = await a.client.call("query-vms", {});
    expect(left.filter((vm) => runs.some((run) => run.vm === vm.name))).toEqual([]);
  });

  it("takes memwriter A→B→C and back to A with every strategy, at once", async () => {
    const [a, b, c] = hosts as [MigrationHost, MigrationHost, MigrationHost];
    const guest = HOST_GUESTS.find((g) => g.label === "memwriter")!;
    await Promise.all(
      STRATEGIES.map(async (strategy) => {
        const vm = `chain-${strategy}`;
        await boot(a, guest, vm);
        for (const [from, to] of [[a, b], [b, c], [c, a]] as const) {
          await new Promise((resume) => setTimeout(resume, 60));
          const info = await migrateVm(from, to, { vm, strategy });
          expect(info.status, `${vm} ${from.name}→${to.name}: ${info.detail}`).toBe("completed");
        }
        await expectUnmigratedEnd(a, vm, guest);
        expect(staysOf(vm)).toEqual(["a", "b", "c", "a"]);
      }),
    );
  });
});
