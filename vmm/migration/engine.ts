/**
 * The migration engine's entry for the simulated world: `migrate(vm, options)` moves a running
 * VM to a destination host over the simulated link on virtual time (virtual/driver.ts), with
 * the protocol's state machines (protocol/) that the real driver (real/) runs over TCP.
 */
import { resolveOptions, type MigrationOptions } from "./options.js";
import { VirtualDriver, type MigrationResult } from "./virtual/driver.js";
import type { MigratableVm } from "./vm-port.js";

export type { MigrationResult } from "./virtual/driver.js";

export function migrate(vm: MigratableVm, options: MigrationOptions): MigrationResult {
  return new VirtualDriver(vm, resolveOptions(options)).run();
}
