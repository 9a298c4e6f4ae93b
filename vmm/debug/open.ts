/** Sessions on a program in the process VM, or on guest kernels (under the monitor or bare). */
import { UserError } from "../../isa/errors.js";
import type { GuestImage } from "../../isa/image/model.js";
import { createBareMachine } from "../monitor/bare.js";
import { LabelledLines } from "../monitor/output.js";
import { createVm } from "../monitor/vm.js";
import { CodeMap } from "./frames.js";
import { MachineTarget } from "./machine-target.js";
import { DebugMigration, type MigrationPlan } from "./migration.js";
import type { ReceivedFrame } from "./net-input.js";
import { ProcessTarget } from "./process-target.js";
import { ConsoleBuffer, Session, type DebugVm } from "./session.js";
import type { Target } from "./target.js";
import { DEFAULT_INTERVAL, DEFAULT_MAX_BYTES, Timeline } from "./timeline.js";

export interface SnapshotOptions {
  /** Ticks between snapshots (default DEFAULT_INTERVAL). */
  interval?: number;
  /** Bytes the snapshots of one guest may hold (default DEFAULT_MAX_BYTES). */
  maxBytes?: number;
  /** Migrate the guest from host A to host B when it reaches `plan.atTick` (one guest only). */
  migration?: MigrationPlan;
}

export interface ProgramOptions extends SnapshotOptions {
  name: string;
  args?: string;
  input?: Uint8Array;
  maxTicks?: number;
  memorySize?: number;
}

export interface GuestSpec {
  name: string;
  image: GuestImage;
  bootArgs: string;
  /** A networked run's VM: its NIC, and the frames the network gave it (net-input.ts), replayed at their ticks. */
  net?: { mac: Uint8Array; input: readonly ReceivedFrame[] };
}

export interface MachineOptions extends SnapshotOptions {
  bare?: boolean;
  input?: Uint8Array;
  memorySize?: number;
  maxTicks?: number;
  /** What the stop at `maxTicks` says (session.ts). */
  limitNote?: string;
  quantum?: number;
}

function debugVm(target: Target, image: GuestImage, options: SnapshotOptions): DebugVm {
  return {
    target,
    image,
    code: new CodeMap(image),
    timeline: new Timeline(target, options.interval ?? DEFAULT_INTERVAL, options.maxBytes ?? DEFAULT_MAX_BYTES),
    ...(options.migration ? { migration: new DebugMigration(options.migration) } : {}),
  };
}

/**
 * A migration planned at a tick the guest never reaches is refused before the session starts,
 * as `toyvmm migrate --at` refuses it: `fresh` is a copy of the guest to run there and back.
 */
function checkReaches(fresh: Target, name: string, plan: MigrationPlan | undefined): void {
  if (!plan) return;
  let before = -1;
  while (fresh.ticks < plan.atTick && !fresh.outcome() && fresh.ticks !== before) {
    before = fresh.ticks;
    fresh.runFast(plan.atTick - fresh.ticks);
  }
  if (fresh.ticks < plan.atTick || (fresh.outcome() && fresh.ticks === plan.atTick)) {
    const why = fresh.outcome() ? `ends after ${fresh.ticks} ticks` : `waits for console input at tick ${fresh.ticks}`;
    throw new UserError(`--migrate-at ${plan.atTick}: ${name} ${why}, before the migration point`);
  }
}

/** A session on one program; its stdout and stderr come with the answers. */
export function openProgram(image: GuestImage, options: ProgramOptions): { session: Session; console: ConsoleBuffer } {
  const console = new ConsoleBuffer();
  const make = (write: (bytes: Uint8Array) => void) =>
    new ProcessTarget(image, {
      name: options.name,
      args: options.args ?? "",
      ...(options.input ? { input: options.input } : {}),
      ...(options.maxTicks !== undefined ? { maxTicks: options.maxTicks } : {}),
      ...(options.memorySize !== undefined ? { memorySize: options.memorySize } : {}),
      stdout: write,
      stderr: write,
    });
  if (options.migration)
    checkReaches(
      make(() => {}),
      options.name,
      options.migration,
    );
  const target = make(console.write);
  return { session: new Session([debugVm(target, image, options)], console), console };
}

/** A session on guest kernels side by side; with several, console lines are labelled [NAME]. */
export function openMachines(
  specs: GuestSpec[],
  options: MachineOptions,
): { session: Session; console: ConsoleBuffer } {
  const console = new ConsoleBuffer();
  const make = options.bare ? createBareMachine : createVm;
  if (options.migration && specs.length > 1)
    throw new UserError("--migrate-at: one guest migrates; give one guest kernel");
  const vms = specs.map((spec) => {
    const lines = new LabelledLines(specs.length > 1 ? spec.name : null, console.write);
    const machine = (sink: (byte: number) => void) =>
      make({
        name: spec.name,
        image: spec.image,
        bootArgs: spec.bootArgs,
        sink,
        ...(options.input ? { input: options.input } : {}),
        ...(options.memorySize !== undefined ? { memorySize: options.memorySize } : {}),
        ...(spec.net ? { nic: { mac: spec.net.mac } } : {}),
      });
    if (options.migration)
      checkReaches(new MachineTarget(machine, spec.image.symbols, () => {}), spec.name, options.migration);
    const target = new MachineTarget(
      machine,
      spec.image.symbols,
      (byte) => {
        lines.sink(byte);
        // A debugger shows output as it comes: each byte, not each line.
        if (specs.length === 1) lines.flush();
      },
      spec.net?.input,
    );
    return debugVm(target, spec.image, options);
  });
  const session = new Session(vms, console, {
    ...(options.quantum !== undefined ? { quantum: options.quantum } : {}),
    ...(options.maxTicks !== undefined ? { maxTicks: options.maxTicks } : {}),
    ...(options.limitNote !== undefined ? { limitNote: options.limitNote } : {}),
  });
  return { session, console };
}
