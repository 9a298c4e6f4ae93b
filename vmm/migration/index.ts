/**
 * Live migration, the library API the CLI uses: `migrate(vm, options)` moves a running VM —
 * a guest OS on the monitor (`bootVm`) or a program in the process VM (`startProcess`) — to a
 * destination `VmHost`. `ANY_HOST` rebuilds either kind from the setup's config.
 * `measureDirtyRate` (QEMU's calc-dirty-rate) and `predictMigration` (the analytic model) say
 * before a migration what it will do.
 */
import { oneOf, problemOf, z } from "../../isa/schema.js";
import { MACHINE_HOST } from "./machine-vm.js";
import { PROCESS_HOST } from "./process-vm.js";
import type { VmHost } from "./vm-port.js";

export { migrate, type MigrationResult } from "./engine.js";
export { formatNs } from "./units.js";
export { bootVm, MACHINE_HOST, MachineVm, runToEnd, type BootSpec } from "./machine-vm.js";
export { DEFAULTS, PUSH_ORDERS, type MigrationOptions, type PushOrder } from "./options.js";
export { MigratableProcess, PROCESS_HOST, startProcess, type ProcessConfig, type ProcessSpec } from "./process-vm.js";
export { AUTO_CONVERGE_DEFAULTS, POSTCOPY_POLICIES, wontConverge, type AutoConverge, type PostcopyPolicy } from "./protocol/converge.js";
export type { MigrationStats, PostcopySwitch } from "./stats.js";
export { DIRTY_RATE_MODES, DirtyRateMeter, measureDirtyRate, type DirtyRate, type DirtyRateMode } from "./dirty-rate.js";
export { preCopyModel, stopCopyModel, type PreCopyModel, type PreCopyModelInput } from "./model.js";
export { predictMigration, roundZeroBytes, stateBytes, type Prediction, type PredictionParameters } from "./predict.js";
export type { MigratableVm, VmExit, VmHost } from "./vm-port.js";

const anyKindSchema = z.looseObject({ kind: oneOf(["monitor", "bare", "process"]) }, { error: "expected an object" });

/** The host for a config: processes by kind "process", machines otherwise. */
function hostFor(config: unknown): VmHost {
  return (config as { kind?: unknown } | null)?.kind === "process" ? PROCESS_HOST : MACHINE_HOST;
}

/** Restores a process (config kind "process") or a machine (kind "monitor" or "bare"). */
export const ANY_HOST: VmHost = {
  checkConfig: (config, memorySize) => problemOf(anyKindSchema, config, "config") ?? hostFor(config).checkConfig(config, memorySize),
  checkState: (config, state, memorySize) => hostFor(config).checkState(config, state, memorySize),
  restore: (name, config, state, memory) => hostFor(config).restore(name, config, state, memory),
};
