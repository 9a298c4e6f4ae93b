/**
 * The guest of an experiment: a bundled mini-OS by name, or an image/assembly file. The image
 * is assembled once per experiment; each point starts a fresh VM from it with the point's
 * memory size and arguments, so no point sees another's state.
 *
 * What runs follows `toyvmm migrate` (docs/MIGRATION.md): a bundled guest OS boots under the
 * monitor; a file whose image has the symbol `_start` (every program in programs/) runs in the
 * process VM; any other image boots as a kernel. The `machine` axis can say so explicitly.
 */
import { UserError } from "../../isa/errors.js";
import type { GuestImage } from "../../isa/image/model.js";
import { createBareMachine } from "../monitor/bare.js";
import { createVm } from "../monitor/vm.js";
import { MachineVm } from "../migration/machine-vm.js";
import { startProcess } from "../migration/process-vm.js";
import { formatSize } from "../migration/units.js";
import type { MigratableVm } from "../migration/vm-port.js";
import { PROGRAM_START_SYMBOL, resolveGuest, type ResolvedGuest } from "../guests.js";

export type MachineKind = "monitor" | "bare" | "process";

export interface LoadedGuest {
  name: string;
  image: GuestImage;
  /** How the guest runs when the `machine` axis does not say: "process" or "monitor". */
  defaultMachine: MachineKind;
}

/** `where` (the spec's guest field) prefixes a problem, except a located one (`prog.s:3:5: error: …`). */
export function loadGuest(guest: string, where: string): LoadedGuest {
  let resolved: ResolvedGuest;
  try {
    resolved = resolveGuest(guest, where);
  } catch (error) {
    if (!(error instanceof UserError) || /^[^\n]+?:\d+:\d+: (error|warning):/.test(error.message) || error.message.startsWith(where)) throw error;
    throw new UserError(`${where}: ${error.message}`, error.exitCode);
  }
  const { name, image, kind } = resolved;
  return { name, image, defaultMachine: kind === "program" ? "process" : "monitor" };
}

export interface BootRequest {
  memory: number | null;
  /** Boot arguments of a kernel, or the program's arguments. */
  bootArgs: string;
  /** null: the guest's default machine. */
  machine: MachineKind | null;
}

/**
 * A process VM's tick limit during an experiment. The runner stops at the end of the
 * migration, so this only guards against a guest that ends on its own limit mid-migration.
 */
const PROCESS_MAX_TICKS = Number.MAX_SAFE_INTEGER;

const utf8 = new TextEncoder();

/** What a request asks that the guest cannot do, and which parameter asks it. */
export interface BootProblem {
  parameter: "memory" | "machine" | "args" | "bandwidth" | "request-rate";
  message: string;
}

/** Why `request` cannot boot `guest`, or null: checked for every point before the first runs. */
export function bootProblem(guest: LoadedGuest, request: BootRequest): BootProblem | null {
  const needs = guest.image.memorySize;
  if (request.memory !== null && request.memory < needs) {
    return { parameter: "memory", message: `${formatSize(request.memory)} is less than the ${formatSize(needs)} the guest image needs` };
  }
  if (request.machine === "process" && guest.defaultMachine !== "process") {
    return { parameter: "machine", message: `process needs a program (an image with the symbol ${PROGRAM_START_SYMBOL}), not ${guest.name}` };
  }
  const area = guest.image.bootArgs.size;
  const bytes = utf8.encode(request.bootArgs).length + 1;
  if (request.bootArgs !== "" && bytes > area) {
    const room = area === 0 ? "the guest image takes none" : `the guest image has room for ${area}`;
    return { parameter: "args", message: `boot arguments "${request.bootArgs}" are ${bytes} bytes with the final NUL; ${room}` };
  }
  return null;
}

/** A fresh migratable VM; a request the guest cannot boot is a one-line error. */
export function bootGuest(
  guest: LoadedGuest,
  request: BootRequest,
  where: string,
  /** A network device with this MAC (a kernel on a network). */
  nic?: { mac: Uint8Array },
): MigratableVm {
  const problem = bootProblem(guest, request);
  if (problem) throw new UserError(`${where}: ${problem.parameter}: ${problem.message}`);
  const memorySize = request.memory ?? guest.image.memorySize;
  const machine = request.machine ?? guest.defaultMachine;
  if (machine === "process") {
    return startProcess({ name: guest.name, image: guest.image, args: request.bootArgs, memorySize, maxTicks: PROCESS_MAX_TICKS });
  }
  const vm = new MachineVm();
  const options = { name: guest.name, image: guest.image, bootArgs: request.bootArgs, memorySize, sink: vm.sink, ...(nic ? { nic } : {}) };
  vm.machine = machine === "bare" ? createBareMachine(options) : createVm(options);
  return vm;
}
