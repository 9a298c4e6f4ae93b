/** The monitor's library API: boot guests, run them side by side, save and restore them. */
export { createVm, Vm } from "./vm.js";
export { BareMachine, createBareMachine } from "./bare.js";
export { restoreMachine } from "./restore.js";
export {
  describeExit,
  isFinal,
  type BootOptions,
  type FinalExit,
  type Machine,
  type MachineOptions,
  type VmExit,
  type VmState,
} from "./machine.js";
export {
  DEFAULT_QUANTUM,
  Scheduler,
  type MachineOutcome,
  type SchedulerOptions,
  type SchedulerResult,
} from "./scheduler.js";
export { VmStats, type StatsSnapshot } from "./stats.js";
export { VCpu, type VCpuState } from "./vcpu.js";
export { KERNEL_FAULT_LIMIT } from "./reflect.js";
export { LabelledLines } from "./output.js";
export { findBundledGuest, guestOsRoot, listBundledGuests, openBundledImage, type BundledGuest } from "./bundled.js";
export { bundledImage } from "./bundled-images.js";
