/**
 * What can be checked before the first point runs: the guest loads, the sweep has at most
 * MAX_POINTS points, and every point's memory, machine and boot arguments suit the guest. A
 * mistake is then one line naming its place in the spec, before any work, not an error at
 * point 57 of 90.
 */
import { UserError } from "../../isa/errors.js";
import { formatSize } from "../migration/units.js";
import { bootProblem, loadGuest, type BootProblem, type BootRequest, type LoadedGuest, type MachineKind } from "./guest.js";
import type { Row } from "./row.js";
import { placeOf, type ExperimentSpec } from "./spec.js";
import { bootArgs, expandSweep, type Point } from "./sweep.js";
import { requestSpacing } from "./network-point.js";

export interface ExperimentPlan {
  spec: ExperimentSpec;
  guest: LoadedGuest;
  /** Every point, in the order they run. */
  points: Point[];
}

export const bootRequest = (point: Point): BootRequest => ({
  memory: point.memory as number | null,
  bootArgs: bootArgs(point),
  machine: point.machine as MachineKind | null,
});

/** A row's parameters: the point's, with the memory and machine the guest gets by default. */
export const pointParams = (point: Point, guest: LoadedGuest): Row["params"] =>
  ({ ...point, memory: point.memory ?? guest.image.memorySize, machine: point.machine ?? guest.defaultMachine }) as Row["params"];

/**
 * Why a point's virtual times might not be exact: `max-rounds` rounds of all its memory at its
 * bandwidth must stay below 2^53 ns (a 1 GiB guest on a link slower than about 12 kB/s would not).
 */
function timeProblem(point: Point, guest: LoadedGuest): BootProblem | null {
  const memory = (point.memory as number | null) ?? guest.image.memorySize;
  const bandwidth = point.bandwidth as number;
  const worstNs = (memory * (point["max-rounds"] as number) * 1e9) / bandwidth;
  if (worstNs < Number.MAX_SAFE_INTEGER) return null;
  return { parameter: "bandwidth", message: `${bandwidth} B/s is too slow for ${formatSize(memory)}: ${point["max-rounds"]} rounds of it would pass 2^53 ns, where virtual time stops being exact` };
}

/** A network workload needs a server kernel (with a NIC) and at least a tick between requests. */
function networkProblem(point: Point, guest: LoadedGuest): BootProblem | null {
  const rate = (point["request-rate"] as number | undefined) ?? 0;
  if (rate === 0) return null;
  if ((point.machine ?? guest.defaultMachine) === "process") {
    return { parameter: "request-rate", message: `a network workload needs a guest kernel as its server (such as multi-net), not the program ${guest.name}` };
  }
  if (requestSpacing(point.speed as number, rate) < 1) return { parameter: "request-rate", message: `${rate} requests a second is more than one a tick at speed ${point.speed}` };
  return null;
}

export function planExperiment(spec: ExperimentSpec): ExperimentPlan {
  const guest = loadGuest(spec.guest, `${spec.source}: guest`);
  const points = expandSweep(spec);
  points.forEach((point, index) => {
    const problem = bootProblem(guest, bootRequest(point)) ?? timeProblem(point, guest) ?? networkProblem(point, guest);
    if (!problem) return;
    const place = problem.parameter === "args" ? null : placeOf(spec, problem.parameter, point[problem.parameter] ?? null);
    throw new UserError(`${place ?? `${spec.source}: point ${index}`}: ${problem.message}`);
  });
  return { spec, guest, points };
}
