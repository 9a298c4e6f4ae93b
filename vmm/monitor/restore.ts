/**
 * A machine brought back from a saved state, checked against its schema (state-schema.ts)
 * before anything is built from it. Apart from bare.ts and vm.ts so that booting never loads
 * the schemas and zod under them: only restoring does.
 */
import type { Memory } from "../../isa/memory.js";
import { parseAs } from "../../isa/schema.js";
import { BareMachine } from "./bare.js";
import type { Machine, MachineOptions, VmState } from "./machine.js";
import { vmStateSchema } from "./state-schema.js";
import { Vm } from "./vm.js";

/** Restores either kind of machine from its state, checked first. */
export function restoreMachine(state: VmState, memory: Memory, options: MachineOptions = {}): Machine {
  const checked = parseAs(vmStateSchema(memory.size), state, "VM state");
  return checked.kind === "bare" ? BareMachine.restore(checked, memory, options) : Vm.restore(checked, memory, options);
}
