/**
 * The process VM: one toy user program, its system calls served by the runtime (`toyvmm run`).
 */
export {
  NO_TICK_LIMIT,
  EXIT_STATUS_FAULT_BASE,
  EXIT_STATUS_LIMIT,
  ProcessVm,
  STACK_RESERVE,
  SYSCALL_NAMES,
  initialBreak,
  runProcess,
  type ByteSink,
  type ProcessEnd,
  type ProcessFault,
  type ProcessOptions,
  type ProcessResult,
  type ProcessState,
} from "./process-vm.js";
export { restoreProcess, resumeProcess } from "./resume.js";
export { memcheck, memwriterWorkingSet, type MemcheckResult, type WorkingSet } from "./memcheck.js";
export { readExpectations, type ProgramExpectations } from "./expectations.js";
