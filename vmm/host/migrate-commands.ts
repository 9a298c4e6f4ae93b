/**
 * What the migration commands do (protocol-migrate.ts), one handler each, on the host's
 * migrations (migrations.ts). Spread into HANDLERS (host-commands.ts).
 */
import { listBundledGuests } from "../monitor/bundled.js";
import type { Handler } from "./host-commands.js";
import type { Host } from "./host.js";
import type { HostMigrations } from "./migrations.js";
import { CommandError } from "./protocol.js";
import type { MIGRATE_COMMANDS } from "./protocol-migrate.js";

function migrationsOf(host: Host): HostMigrations {
  if (!host.migrations) throw new CommandError("InvalidState", `host ${host.name} runs no migrations`);
  return host.migrations;
}

export const MIGRATE_HANDLERS: { [N in keyof typeof MIGRATE_COMMANDS]: Handler<N> } = {
  "query-host": (host) => ({
    name: host.name,
    version: host.version,
    speed: host.speed,
    migrateListen: host.migrations?.listenAddress ?? null,
    vms: host.list().length,
    guests: listBundledGuests().map(({ name, description }) => ({ name, description })),
  }),
  "migrate-incoming": (host, { vm }) => ({ vm, ...migrationsOf(host).incoming(vm) }),
  migrate: (host, args) => migrationsOf(host).outgoing(args).info(),
  "query-migrate": (host, { vm }) => migrationsOf(host).find(vm).info(),
  "query-migrate-pages": (host, { vm }) => migrationsOf(host).find(vm).pageMap(),
  "query-migrations": (host) => migrationsOf(host).list().map((job) => job.info()),
  "migrate-set-parameters": (host, given) => {
    const migrations = migrationsOf(host);
    const defined = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
    migrations.parameters = { ...migrations.parameters, ...defined };
    return migrations.parameters;
  },
  "query-migrate-parameters": (host) => migrationsOf(host).parameters,
  "calc-dirty-rate": (host, args) => migrationsOf(host).calcDirtyRate(args),
  "query-dirty-rate": (host, { vm }) => migrationsOf(host).dirtyRates.query(vm),
  "migrate-cancel": (host, { vm }) => migrationsOf(host).cancel(vm).info(),
  "migrate-start-postcopy": (host, { vm }) => migrationsOf(host).startPostcopy(vm).info(),
  "migrate-recover": (host, { vm, to }) => migrationsOf(host).recover(vm, to).info(),
};
