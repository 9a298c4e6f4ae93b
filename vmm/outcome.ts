/**
 * How a guest run ended, told the same way by `run`, `boot` and `migrate`, in text and JSON,
 * and the one rule that turns it into the process's exit status:
 *
 *   outcome                                          exit status
 *   exited  a program's exit(n), a kernel's halt n   n & 0xff
 *   limit   stopped at --max-ticks                    124 (as timeout(1))
 *   stuck   waits for ever (wfi with nothing to wake  125
 *           it, or console input that never came)
 *   fault   a fault the guest cannot go on from       128 + trap cause (as a signal)
 *
 * Around them the program's own statuses: 1 bad input, 2 usage, 70 internal error, and 75
 * when a migration did not complete but the guest ended cleanly at the source.
 */
import { CAUSE_NAMES, CSR } from "../isa/arch.js";
import { symbolize } from "../isa/disasm.js";
import type { ImageSymbol } from "../isa/image/model.js";
import type { MachineOutcome } from "./monitor/scheduler.js";
import type { ProcessResult } from "./process/process-vm.js";

export type Outcome =
  | { kind: "exited"; status: number }
  | { kind: "limit" }
  | { kind: "stuck"; reason: string }
  | { kind: "fault"; cause: number; causeName: string; pc?: number; reason: string };

/**
 * Where guest time ends when no limit is given: the last tick a double still counts exactly. A
 * guest that idles between far timer deadlines could reach it; past it a run would stop being
 * exact, so there it stops at the tick limit instead, the same on every host.
 */
export const END_OF_TIME = Number.MAX_SAFE_INTEGER;

export const EXIT_LIMIT = 124;
export const EXIT_STUCK = 125;
export const EXIT_FAULT_BASE = 128;
export const EXIT_MIGRATION_INCOMPLETE = 75;

export function exitStatusOf(outcome: Outcome): number {
  switch (outcome.kind) {
    case "exited":
      return outcome.status & 0xff;
    case "limit":
      return EXIT_LIMIT;
    case "stuck":
      return EXIT_STUCK;
    case "fault":
      return EXIT_FAULT_BASE + outcome.cause;
  }
}

/** The process's exit status for several guests: the first that did not end cleanly decides. */
export function exitStatusOfAll(outcomes: Outcome[]): number {
  for (const outcome of outcomes) {
    const status = exitStatusOf(outcome);
    if (status !== 0) return status;
  }
  return 0;
}

/** One line for the user, e.g. `fault at pc 0x00001394 <main+0x10>: page-fault-read at 0x00000000`. */
export function describeOutcome(outcome: Outcome, symbols?: readonly ImageSymbol[]): string {
  switch (outcome.kind) {
    case "exited":
      return `exited with status ${outcome.status}`;
    case "limit":
      return "stopped at the tick limit (raise it with --max-ticks)";
    case "stuck":
      return `stopped: ${outcome.reason}`;
    case "fault":
      return outcome.pc === undefined ? `fault: ${outcome.reason}` : `fault at ${describePc(outcome.pc, symbols)}: ${outcome.reason}`;
  }
}

/** `pc 0x00001394 <main+0x10>`, as objdump names an address. */
export function describePc(pc: number, symbols?: readonly ImageSymbol[]): string {
  const hex = `0x${(pc >>> 0).toString(16).padStart(8, "0")}`;
  const name = symbolize(pc >>> 0, symbols);
  return `pc ${hex}${name ? ` <${name.replace(/\+(\d+)$/, (_m, n: string) => `+0x${Number(n).toString(16)}`)}>` : ""}`;
}

export function outcomeOfProcess(result: ProcessResult): Outcome {
  switch (result.reason) {
    case "limit":
      return { kind: "limit" };
    case "fault": {
      const fault = result.fault!;
      return { kind: "fault", cause: fault.cause, causeName: fault.causeName, pc: fault.pc, reason: faultDetail(result) };
    }
    default:
      return { kind: "exited", status: result.exitStatus };
  }
}

/** The runtime's message without its `name: fault at pc …:` prefix. */
function faultDetail(result: ProcessResult): string {
  const message = result.message ?? result.fault!.causeName;
  const colon = message.indexOf(": ", message.indexOf("fault at pc"));
  return colon >= 0 ? message.slice(colon + 2) : message;
}

/**
 * A machine's outcome. Given the machine, a fault names the pc of the trap that ended it: the
 * last trap entry's epc, virtual under the monitor and real on the bare CPU.
 */
export function outcomeOfMachine(outcome: MachineOutcome, machine?: { readCsr(index: number): number }): Outcome {
  switch (outcome.kind) {
    case "halted":
      return { kind: "exited", status: outcome.status };
    case "tick-limit":
      return { kind: "limit" };
    case "blocked":
      return { kind: "stuck", reason: "waiting for console input that never came" };
    case "idle":
      return { kind: "stuck", reason: outcome.reason };
    case "page-missing":
      return { kind: "stuck", reason: `waiting for page ${outcome.page}, which never arrived` };
    case "fault": {
      const cause = outcome.cause ?? 0;
      const pc = machine ? { pc: machine.readCsr(CSR.epc) >>> 0 } : {};
      return { kind: "fault", cause, causeName: CAUSE_NAMES[cause] ?? `cause ${cause}`, ...pc, reason: outcome.reason };
    }
  }
}
