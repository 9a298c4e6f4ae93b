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
import type { MigratableVm } from "../migration/vm-port.js";
import { PROGRAM_START_SYMBOL, resolveGuest } from "../guests.js";

export type MachineKind = "monitor" | "bare" | "process";

export interface LoadedGuest {
  name: string;
  image: GuestImage;
  /** How the guest runs when the `machine` axis does not say: "process" or "monitor". */
  defaultMachine: MachineKind;
}

export function loadGuest(guest: string, where: string): LoadedGuest {
  const { name, image, kind } = resolveGuest(guest, where);
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

/** A fresh migratable VM; memory below the image's own request is a one-line error. */
export function bootGuest(
  guest: LoadedGuest,
  request: BootRequest,
  where: string,
): { vm: MigratableVm; machine: MachineKind } {
  const memorySize = request.memory ?? guest.image.memorySize;
  if (memorySize < guest.image.memorySize) {
    throw new UserError(
      `${where}: memory ${memorySize} is less than the ${guest.image.memorySize} bytes the guest image needs`,
    );
  }
  const machine = request.machine ?? guest.defaultMachine;
  if (machine === "process") {
    if (guest.defaultMachine !== "process") {
      throw new UserError(
        `${where}: machine=process needs a program (an image with the symbol ${PROGRAM_START_SYMBOL}), not ${guest.name}`,
      );
    }
    const vm = startProcess({
      name: guest.name,
      image: guest.image,
      args: request.bootArgs,
      memorySize,
      maxTicks: PROCESS_MAX_TICKS,
    });
    return { vm, machine };
  }
  const vm = new MachineVm();
  const options = { name: guest.name, image: guest.image, bootArgs: request.bootArgs, memorySize, sink: vm.sink };
  vm.machine = machine === "bare" ? createBareMachine(options) : createVm(options);
  return { vm, machine };
}
