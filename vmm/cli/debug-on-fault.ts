/**
 * --debug-on-fault for `run` and `boot`: the option, and the debugger started where a guest
 * faulted, by replaying the run up to there. The debugger loads only once a guest did fault.
 */
import type { GuestImage } from "../../isa/image/model.js";
import type { GuestSpec, MachineOptions, ProgramOptions } from "../debug/open.js";
import type { CliIo } from "./shared.js";

export const DEBUG_ON_FAULT_OPTION = {
  "debug-on-fault": {
    type: "boolean",
    default: false,
    describe:
      "When the guest faults, replay it to the fault and start the debugger there (commands from the terminal or stdin)",
  },
} as const;

/** The program replayed to tick `ended`, where it faulted, and the debugger there. */
export async function debugProgramAtFault(image: GuestImage, options: ProgramOptions, ended: number, io: CliIo): Promise<void> {
  const [{ openProgram }, { converse }] = await Promise.all([import("../debug/open.js"), import("./debug.js")]);
  const { session, console } = openProgram(image, options);
  session.goto(ended);
  console.take(); // shown already, by the run
  await converse(session, io, { json: false });
}

/** Every machine replayed to the tick it ended at, and the debugger at the one that faulted first. */
export async function debugMachinesAtFault(
  specs: GuestSpec[],
  options: MachineOptions,
  ended: number[],
  faulted: number,
  io: CliIo,
): Promise<void> {
  const [{ openMachines }, { converse }] = await Promise.all([import("../debug/open.js"), import("./debug.js")]);
  const { session, console } = openMachines(specs, options);
  ended.forEach((ticks, i) => {
    session.current = i;
    session.goto(ticks);
  });
  session.current = faulted;
  console.take(); // shown already, by the run
  await converse(session, io, { json: false });
}
