/**
 * Every asynchronous event of the control protocol, declared once: what it tells and the schema
 * of its data. Every authenticated client gets every VM event; CONSOLE_OUTPUT only for the VMs
 * it follows (`console-follow`), so that console traffic is asked for.
 */
import { LINE_MAX, oneOf, record, text, wholeNumber, z } from "../../isa/schema.js";
import { migrationDirection, migrationStatus } from "./protocol-migrate.js";
import { consoleOffset, outcomeSchema, vmName, vmState } from "./protocol-values.js";

interface EventSpec<D extends z.ZodType> {
  doc: string;
  data: D;
}
const event = <D extends z.ZodType>(spec: EventSpec<D>) => spec;
const ticks = wholeNumber().describe("The VM's guest time");

export const EVENTS = {
  VM_STARTED: event({
    doc: "A VM was created or restored on this host.",
    data: record({
      vm: vmName,
      state: vmState,
      from: oneOf(["guest", "snapshot", "migration"]).describe("Booted from a guest, restored from a snapshot, or arrived by migration (paused until the source lets it go)"),
    }),
  }),
  VM_STOPPED: event({ doc: "A VM was paused.", data: record({ vm: vmName, ticks }) }),
  VM_RESUMED: event({ doc: "A paused VM runs again.", data: record({ vm: vmName, ticks }) }),
  VM_HALTED: event({
    doc: "A VM ended: its guest halted or exited, faulted, reached its tick limit, or waits for something that cannot come.",
    data: record({
      vm: vmName,
      ticks,
      outcome: outcomeSchema,
      exitStatus: wholeNumber(0, 255).describe("The exit status `toyvmm boot` or `toyvmm run` would give it"),
      description: text(LINE_MAX).describe("The outcome in words"),
      consoleEnd: consoleOffset.describe("Bytes of console output in all: a follower has it all once it is this far"),
    }),
  }),
  VM_DESTROYED: event({ doc: "A VM left the host (vm-destroy, vm-save with stop, or migrated away).", data: record({ vm: vmName }) }),
  MIGRATION: event({
    doc: "A migration on this host changed status (QMP's MIGRATION).",
    data: record({
      vm: vmName,
      direction: migrationDirection,
      status: migrationStatus,
      detail: text(LINE_MAX).nullable().describe("Why, when it failed or paused; else null"),
    }),
  }),
  MIGRATION_PROGRESS: event({
    doc: "How far an outgoing migration is, at most ten times a second and at every change of phase (QMP's MIGRATION_PASS, with figures).",
    data: record({
      vm: vmName,
      phase: text(200).describe("What the sender is doing now"),
      round: wholeNumber().describe("Pre-copy rounds begun"),
      completed: z.number().min(0).max(1).describe("Share done, never going backwards"),
      transferredBytes: wholeNumber().describe("Page bytes sent so far"),
      remainingBytes: wholeNumber().describe("Page bytes still to send, as estimated now"),
      remainingNs: wholeNumber().describe("Estimated time left"),
      dirtyPagesPerSecond: wholeNumber().describe("Pages dirtied per second during the last finished round"),
    }),
  }),
  CONSOLE_OUTPUT: event({
    doc: "Console output of a followed VM, in order, with no byte twice.",
    data: record({
      vm: vmName,
      offset: consoleOffset.describe("Where `text` starts"),
      next: consoleOffset.describe("Where the next event's text starts: `offset` plus the bytes of `text`"),
      text: z.string().describe("The output, as UTF-8 text"),
      dropped: wholeNumber().describe("Bytes before `offset` this client missed because it fell too far behind"),
    }),
  }),
} as const;

export type EventName = keyof typeof EVENTS;
export type EventData<N extends EventName> = z.input<(typeof EVENTS)[N]["data"]>;
/** An event as the host produces it, before its timestamp. */
export type HostEvent = { [N in EventName]: { event: N; data: EventData<N> } }[EventName];
