/**
 * The guest of an experiment: a bundled mini-OS by name, or an image/assembly file. The image
 * is assembled once per experiment; each point boots a fresh machine from it with the point's
 * memory size and boot arguments, so no point sees another's state.
 */
import { basename } from "node:path";
import { UserError } from "../../isa/errors.js";
import type { GuestImage } from "../../isa/image/model.js";
import { readImageFile } from "../../isa/loader.js";
import { createBareMachine } from "../monitor/bare.js";
import { bundledImage, findBundledGuest, listBundledGuests } from "../monitor/bundled.js";
import { createVm } from "../monitor/vm.js";
import { MachineVm } from "../migration/machine-vm.js";
import { isGuestPath } from "./spec.js";

export interface LoadedGuest {
  name: string;
  image: GuestImage;
}

export function loadGuest(guest: string, where: string): LoadedGuest {
  if (!isGuestPath(guest)) {
    const found = findBundledGuest(guest);
    if (!found) {
      const known = listBundledGuests().map((g) => g.name).join(", ");
      throw new UserError(`${where}: ${guest}: no such bundled guest (bundled: ${known || "none"}); give a .tvm or .s file instead`);
    }
    return { name: found.name, image: bundledImage(found) };
  }
  return { name: basename(guest).replace(/\.(s|tvm)$/, "") || "vm", image: readImageFile(guest) };
}

export interface BootRequest {
  memory: number | null;
  bootArgs: string;
  machine: "monitor" | "bare";
}

/** A fresh migratable VM; memory below the image's own request is a one-line error. */
export function bootGuest(guest: LoadedGuest, request: BootRequest, where: string): MachineVm {
  const memorySize = request.memory ?? guest.image.memorySize;
  if (memorySize < guest.image.memorySize) {
    throw new UserError(`${where}: memory ${memorySize} is less than the ${guest.image.memorySize} bytes the guest image needs`);
  }
  const vm = new MachineVm();
  const options = { name: guest.name, image: guest.image, bootArgs: request.bootArgs, memorySize, sink: vm.sink };
  vm.machine = request.machine === "bare" ? createBareMachine(options) : createVm(options);
  return vm;
}
