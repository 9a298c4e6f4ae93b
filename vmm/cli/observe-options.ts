/**
 * --trace and --profile for `run` and `boot`, declared once: which events to trace, where to,
 * which pcs; the flat profile on stderr and the folded stacks to a file. What does the work
 * (observation.ts, the tracer and profiler of vmm/debug/) is loaded only when one is asked for.
 */
import type { Options } from "yargs";
import type { GuestImage } from "../../isa/image/model.js";
import { TRACE_KINDS } from "../debug/trace-kinds.js";
import type { Observation } from "./observation.js";
import type { CliIo } from "./shared.js";

export const OBSERVE_OPTIONS = {
  trace: {
    type: "string",
    describe: `Trace every event of these kinds, comma-separated: ${TRACE_KINDS.join(", ")} (insn: each instruction with the registers it changed)`,
  },
  "trace-file": { type: "string", describe: "Write the trace to FILE instead of stderr" },
  "trace-filter": {
    type: "string",
    array: true,
    nargs: 1,
    describe: "Trace only pcs in the function SYMBOL (up to the next function) or in START-END (repeatable)",
  },
  profile: {
    type: "boolean",
    default: false,
    describe: "Print a flat profile by symbol on stderr at the end: ticks, instructions, share, traps",
  },
  "profile-folded": {
    type: "string",
    describe: "Write the profile's folded stacks to FILE (for flamegraph.pl, inferno, speedscope)",
  },
} as const satisfies Record<string, Options>;

export interface ObserveCliOptions {
  trace?: string;
  traceFile?: string;
  traceFilter?: string[];
  profile?: boolean;
  profileFolded?: string;
}

/** Whether any observer is asked for: otherwise the guest runs its own loop. */
export const observing = (args: ObserveCliOptions): boolean =>
  args.trace !== undefined || args.profile === true || args.profileFolded !== undefined;

/** The observers asked for on the command line, or undefined when none is (and nothing is loaded). */
export async function observationOf(
  args: ObserveCliOptions,
  io: CliIo,
  guests: { name: string; image: GuestImage }[],
): Promise<Observation | undefined> {
  if (!observing(args)) return undefined;
  return (await import("./observation.js")).observation(args, io, guests);
}
