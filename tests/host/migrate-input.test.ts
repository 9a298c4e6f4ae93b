/**
 * Console input a client gave the source host that the guest has not read yet migrates with
 * the VM: the host's queue goes into the guest's console as the VM's state is taken, and the
 * console's state travels in the stream. The typist echoes its input in upper case up to the first
 * newline, so the output over both stays says whether every byte arrived, in order, once.
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STRATEGIES } from "../../vmm/migration/stream/frames.js";
import { requireBuild } from "./helpers.js";
import { consoleOf, endOf, migrationEnd, startHosts, type MigrationHost } from "./migrate-helpers.js";

const TYPIST = resolve("tests/host/fixtures/typist.s");
/** Far more than the guest reads before the migration, and than the host hands its console at once. */
const INPUT = Array.from({ length: 20_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("") + "\n";

let hosts: MigrationHost[] = [];
beforeAll(async () => {
  requireBuild();
  hosts = await startHosts(["ia", "ib"]);
});
afterAll(async () => {
  for (const host of hosts) host.client.close();
  await Promise.all(hosts.map((host) => host.process.stop()));
});

describe("console input queued at the source", () => {
  it.each(STRATEGIES)("arrives with the VM (%s)", async (strategy) => {
    const [a, b] = hosts as [MigrationHost, MigrationHost];
    const vm = `typist-${strategy}`;
    await a.client.call("vm-create", { guest: TYPIST, name: vm });
    const slot = await b.client.call("migrate-incoming", { vm });
    const { accepted, pending } = await a.client.call("console-input", { vm, text: INPUT });
    expect(accepted).toBe(INPUT.length);
    expect(pending).toBeGreaterThan(4096);
    await a.client.call("migrate", { vm, to: slot.address, token: slot.token, strategy });
    expect((await migrationEnd(a, vm)).status).toBe("completed");
    const status = await endOf(b, vm);
    expect(status.description).toBe("exited with status 0");
    expect(consoleOf(vm)).toBe(INPUT.toUpperCase());
  });
});
