/** The stream's first frame: what the destination needs to prepare memory and rebuild the VM. */
import { PAGE_SIZE } from "../../../isa/arch.js";
import { STRATEGIES, type Frame, type Strategy } from "../stream/frames.js";
import type { MigratableVm } from "../vm-port.js";

export function setupFrame(vm: MigratableVm, strategy: Strategy): Frame {
  return {
    type: "setup",
    name: vm.name,
    memorySize: vm.memory.size,
    pageSize: PAGE_SIZE,
    strategy: STRATEGIES.indexOf(strategy),
    config: JSON.stringify(vm.config() ?? null),
  };
}
