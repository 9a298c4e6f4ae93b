/**
 * --debug-on-fault for `run` and `boot`: the option, and the debugger started where a guest
 * faulted, by replaying the run up to there. The debugger loads only once a guest did fault;
 * on a networked boot the frames each VM gets are recorded as it runs, for the replay.
 */
import type { GuestImage } from "../../isa/image/model.js";
import type { NetInputRecorder } from "../debug/net-input.js";
import type { GuestSpec, MachineOptions, ProgramOptions } from "../debug/open.js";
import type { Machine } from "../monitor/machine.js";
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

/** A networked boot's VMs: what the network gives each from now on (vmm/debug/net-input.ts). */
export async function recordNetInput(machines: readonly Machine[]): Promise<NetInputRecorder> {
  return new (await import("../debug/net-input.js")).NetInputRecorder(machines);
}

/**
 * Every machine replayed to the tick it ended at, and the debugger at the one that faulted
 * first. `network`: the VMs were on a network, and each replays the frames it got from it.
 */
export async function debugMachinesAtFault(
  specs: GuestSpec[],
  options: MachineOptions,
  ended: number[],
  faulted: number,
  io: CliIo,
  network?: { recorder: NetInputRecorder; macs: Uint8Array[] },
): Promise<void> {
  const overflowed = network?.recorder.overflowed;
  if (overflowed) {
    const mib = network.recorder.limit / (1024 * 1024);
    io.stderr.write(
      `toyvmm: --debug-on-fault: the network gave the VMs more than ${mib} MiB of frames (the last to ${overflowed}), ` +
        `more than the debugger keeps to replay a networked run\n`,
    );
    return;
  }
  const replayed = network
    ? specs.map((s, i) => ({ ...s, net: { mac: network.macs[i]!, input: network.recorder.inputs[i]! } }))
    : specs;
  // Past the boot's end the network gave nothing, so a replay cannot go on there.
  const recordedEnd = ended.reduce((sum, ticks) => sum + ticks, 0);
  const bounded = network
    ? { ...options, maxTicks: recordedEnd, limitNote: `the end of the recorded networked run, ${recordedEnd} ticks of all VMs together` }
    : options;
  const [{ openMachines }, { converse }] = await Promise.all([import("../debug/open.js"), import("./debug.js")]);
  const { session, console } = openMachines(replayed, bounded);
  ended.forEach((ticks, i) => {
    session.current = i;
    session.goto(ticks);
  });
  session.current = faulted;
  console.take(); // shown already, by the run
  await converse(session, io, { json: false });
}
