/**
 * Live migration, the library API the CLI uses: `migrate(vm, options)` moves a running VM —
 * a guest OS on the monitor (`bootVm`) or a program in the process VM (`startProcess`) — to a
 * destination `VmHost`. `ANY_HOST` rebuilds either kind from the setup's config.
 */
import { MACHINE_HOST } from "./machine-vm.js";
import { PROCESS_HOST } from "./process-vm.js";
import type { VmHost } from "./vm-port.js";

export { formatNs, migrate, type MigrationResult } from "./engine.js";
export { bootVm, MACHINE_HOST, MachineVm, runToEnd, type BootSpec } from "./machine-vm.js";
export { DEFAULTS, PUSH_ORDERS, type MigrationOptions, type PushOrder } from "./options.js";
export { MigratableProcess, PROCESS_HOST, startProcess, type ProcessConfig, type ProcessSpec } from "./process-vm.js";
export type { MigrationStats } from "./stats.js";
export type { MigratableVm, VmExit, VmHost } from "./vm-port.js";

/** Restores a process (config kind "process") or a machine (any other config). */
export const ANY_HOST: VmHost = {
  restore(name, config, state, memory) {
    const kind = (config as { kind?: unknown } | null)?.kind;
    return (kind === "process" ? PROCESS_HOST : MACHINE_HOST).restore(name, config, state, memory);
  },
};
