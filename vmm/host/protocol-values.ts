/**
 * The values the control protocol's commands and events are made of — VM names, states,
 * outcomes, console positions — as zod schemas in the project's vocabulary (isa/schema.ts), so
 * that a bad value is refused in toyvmm's words and the reference in docs/HOSTS.md is
 * generated from the same declarations.
 */
import { int32, LINE_MAX, memorySize, oneOf, record, text, wholeNumber, word32, z } from "../../isa/schema.js";
import type { Outcome } from "../outcome.js";

/** Longest VM name: short enough for a table column and a file name. */
export const VM_NAME_MAX = 64;

/** A VM's name on a host: a word that is also a safe file name. */
export const vmName = (() => {
  const error = `expected a VM name: 1 to ${VM_NAME_MAX} letters, digits, "_", "." or "-", not starting with "." or "-"`;
  return z
    .string({ error })
    .regex(new RegExp(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,${VM_NAME_MAX - 1}}$`), { error })
    .describe("A VM's name on this host");
})();

/** Where a VM's console bytes are counted from: 0 is the first byte the guest wrote on this host. */
export const consoleOffset = wholeNumber().describe("A position in the VM's console output, in bytes from the first");

export const VM_STATES = ["running", "paused", "ended"] as const;
export const vmState = oneOf(VM_STATES).describe('"running" (given time), "paused" (stopped by a client) or "ended" (halted, faulted or stuck for good)');

export const VM_KINDS = ["monitor", "bare", "process"] as const;
export const vmKind = oneOf(VM_KINDS).describe('"monitor": a guest OS under trap-and-emulate; "bare": a guest OS on a bare CPU; "process": a user program on the process VM');

/** How a guest run ended (vmm/outcome.ts), as `toyvmm boot --json` tells it. */
export const outcomeSchema = z
  .discriminatedUnion(
    "kind",
    [
      record({ kind: z.literal("exited"), status: int32 }),
      record({ kind: z.literal("limit") }),
      record({ kind: z.literal("stuck"), reason: text(LINE_MAX) }),
      record({ kind: z.literal("fault"), cause: wholeNumber(), causeName: text(LINE_MAX), pc: word32.optional(), reason: text(LINE_MAX) }),
    ],
    { error: 'expected an outcome of kind "exited", "limit", "stuck" or "fault"' },
  )
  .describe("How the guest ended: exited with a status, stopped at its tick limit, stuck for good, or faulted") satisfies z.ZodType<Outcome>;

/** One VM as `query-vms` lists it. */
export const vmSummary = record({
  name: vmName,
  kind: vmKind,
  guest: text(LINE_MAX).describe("What it was started from: a bundled guest's name, a file, or a snapshot file"),
  state: vmState,
  waiting: oneOf(["input", "page"]).nullable().describe('While running: "input" when the guest waits for console input, "page" when it waits for a page to arrive; else null'),
  ticks: wholeNumber().describe("Guest time: retired instructions plus idle ticks"),
  memory: memorySize.describe("Guest memory in bytes"),
});

/** Console bookkeeping: what was written, what is kept, what was dropped at the bound. */
export const consoleCounts = record({
  written: wholeNumber().describe("Bytes the guest wrote on this host"),
  kept: wholeNumber().describe("Bytes still held (the most recent ones)"),
  dropped: wholeNumber().describe("Bytes dropped from the front because the buffer was full"),
  inputPending: wholeNumber().describe("Console input the host holds for the guest, not yet handed to its console"),
}).describe("The console's bookkeeping");

/** One command of the protocol: what it does, its arguments and its answer, as schemas. */
interface CommandSpec<A extends z.ZodType, R extends z.ZodType> {
  doc: string;
  arguments: A;
  returns: R;
}
export const command = <A extends z.ZodType, R extends z.ZodType>(spec: CommandSpec<A, R>) => spec;

/** Arguments or an answer with nothing in them. */
export const none = record({});
/** The arguments of a command about one VM. */
export const vmArgument = record({ vm: vmName });
