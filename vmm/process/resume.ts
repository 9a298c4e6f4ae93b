/**
 * A process brought back from a saved setup and state, each checked against its schema
 * (state-schema.ts) before anything is built from it. Apart from process-vm.ts so that starting
 * a program never loads the schemas and zod under them: only bringing one back does.
 */
import type { Memory } from "../../isa/memory.js";
import { parseAs } from "../../isa/schema.js";
import { ProcessVm, type ProcessSetup, type ProcessSinks, type ProcessState } from "./process-vm.js";
import { processSetupSchema, processStateSchema } from "./state-schema.js";

/**
 * Rebuilds a process from its setup and state around `memory` (which may still have missing
 * pages on a post-copy destination). Bad setup or state is an Error naming the problem.
 */
export function resumeProcess(setup: ProcessSetup, state: ProcessState, memory: Memory, sinks: ProcessSinks): ProcessVm {
  if (setup?.version !== 1) throw new Error(`process setup version ${setup?.version} is not supported`);
  if (setup.memorySize !== memory.size) throw new Error(`process memory is ${memory.size} bytes, its setup says ${setup.memorySize}`);
  const checked = parseAs(processSetupSchema(memory.size), setup, "process setup");
  const vm = new ProcessVm(
    { memory, breakStart: checked.breakStart },
    { name: checked.name, maxTicks: checked.maxTicks, input: new Uint8Array(Buffer.from(checked.input, "base64")), ...sinks },
  );
  restoreProcess(vm, state);
  return vm;
}

/** Puts `vm` in a saved state, checked first against this process's bounds. */
export function restoreProcess(vm: ProcessVm, saved: ProcessState): void {
  vm.restoreOwn(parseAs(processStateSchema(vm.stateBounds()), saved, "process state"));
}
