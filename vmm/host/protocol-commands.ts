/**
 * Every command of the control protocol, declared once: what it does, the schema its arguments
 * are checked against, and the schema of what it returns. The host's handlers are typed from
 * these (host-commands.ts), the client checks answers against them, and the reference in
 * docs/HOSTS.md is generated from them.
 */
import { flag, LINE_MAX, list, memorySize, NAME_MAX, oneOf, record, text, wholeNumber, z } from "../../isa/schema.js";
import { MIGRATE_COMMANDS } from "./protocol-migrate.js";
import { command, consoleCounts, consoleOffset, none, outcomeSchema, vmArgument, vmName, vmSummary } from "./protocol-values.js";

/** Most console input one request may carry; the host queues at most INPUT_QUEUE_MAX per VM. */
export const CONSOLE_INPUT_MAX = 64 * 1024;
/** Most console input a VM may be created with (it must fit a request line, escaped). */
export const CREATE_INPUT_MAX = 256 * 1024;
/** Most console text one `console-read` returns. */
export const CONSOLE_READ_MAX = 64 * 1024;

/** A port of the host's switch (network.ts) and what went through it. */
export const networkPort = record({
  name: text(NAME_MAX).describe("The VM's name, or the trunk's (the other host's address)"),
  kind: oneOf(["vm", "trunk", "hostfwd"]).describe('"vm": a VM\'s NIC; "trunk": a tunnel to another host; "hostfwd": the host\'s end of forwarded ports'),
  mac: text(17).nullable().describe("The NIC's or the forwarder's MAC (null for a trunk)"),
  counters: record({
    inFrames: wholeNumber().describe("Frames that came in by the port"),
    inBytes: wholeNumber().describe("Their bytes"),
    outFrames: wholeNumber().describe("Frames the switch sent out by it"),
    outBytes: wholeNumber().describe("Their bytes"),
    dropped: wholeNumber().describe("Frames for it that could not be taken (a full NIC inbox, a trunk that cannot keep up) or that were no Ethernet frames"),
  }),
});

const path = text(NAME_MAX).describe("An absolute path on the host's file system");

const vmStatus = vmSummary.extend({
  bootArgs: text(LINE_MAX).describe("The boot arguments it was started with"),
  outcome: outcomeSchema.nullable().describe("How it ended, once it has (else null)"),
  exitStatus: wholeNumber(0, 255).nullable().describe("The exit status `toyvmm boot` or `toyvmm run` would give it (else null)"),
  description: text(LINE_MAX).nullable().describe('The outcome in words ("exited with status 0" …), else null'),
  console: consoleCounts,
  stats: z.record(z.string(), z.json()).describe("The monitor's statistics as `toyvmm boot --json` gives them, or a program's system calls by name"),
  memoryCrc: wholeNumber(0, 0xffffffff).describe("CRC-32 of the guest's memory now (equal on every host for the same guest time)"),
  network: networkPort.nullable().describe("Its port on the host's switch, when it has a NIC plugged in here (else null)"),
});

export const COMMANDS = {
  "query-commands": command({
    doc: "Lists the commands this host understands.",
    arguments: none,
    returns: z.array(record({ name: text(64).describe("The command's name"), doc: text(LINE_MAX).describe("What it does") })),
  }),
  authenticate: command({
    doc: "Proves the client knows the host's token (the contents of its --token-file). Required first on TCP connections; a wrong token closes the connection.",
    arguments: record({ token: text(4096).describe("The token, as in the token file (surrounding white space ignored)") }),
    returns: none,
  }),
  "vm-create": command({
    doc: "Boots a guest on this host: a bundled guest OS, a kernel image or source, or a user program (which runs on the process VM). The VM starts running unless `paused`.",
    arguments: record({
      guest: text(NAME_MAX).describe("A bundled guest's name (solo, multi, threads) or the absolute path of an image (.tvm) or assembly source (.s)"),
      name: vmName.optional().describe("The VM's name (default: the guest's, with -2, -3 … added when taken)"),
      args: text(LINE_MAX).default("").describe("Boot arguments, e.g. \"prog=fib n=10\""),
      memory: memorySize.optional().describe("Guest memory in bytes (default: what the image asks for)"),
      bare: flag.default(false).describe("Run a guest OS on a bare CPU instead of under the monitor"),
      paused: flag.default(false).describe("Create the VM paused: it runs after `vm-resume`"),
      input: text(CREATE_INPUT_MAX).optional().describe("Console input given up front (a program's whole standard input)"),
      maxTicks: wholeNumber(1).optional().describe("Stop the guest after this many ticks (its outcome is then \"limit\")"),
      includeDirs: list(path, 64, "folders").optional().describe("Folders .include and .incbin also look in, for a source"),
      net: flag.optional().describe("true: give the guest OS a NIC on the host's switch (and through its trunks, on the hosts joined to it)"),
      mac: text(17).optional().describe("With `net`: the NIC's MAC, e.g. 52:54:00:00:00:07 (default: the lowest of 52:54:00:00:00:01, :02, … not in use here); the guests' stack takes 10.0.0.N from its last byte"),
    }),
    returns: vmSummary,
  }),
  "query-network": command({
    doc: "The host's switch: every port (VMs' NICs and trunks to other hosts) with what went through it, and the frames dropped because too many waited between two slices.",
    arguments: none,
    returns: record({
      listen: text(NAME_MAX).nullable().describe("Where other hosts' switches join this one (--net-listen), as HOST:PORT, or null"),
      ports: z.array(networkPort),
      queueDrops: wholeNumber().describe("Frames dropped because 1024 already waited between two slices"),
    }),
  }),
  "query-vms": command({
    doc: "Lists the VMs on this host, in the order they were created.",
    arguments: none,
    returns: z.array(vmSummary),
  }),
  "query-status": command({
    doc: "One VM in detail: its state, guest time, outcome, console counts and statistics.",
    arguments: vmArgument,
    returns: vmStatus,
  }),
  "vm-pause": command({
    doc: "Stops giving the VM time; its guest time stands still until `vm-resume`.",
    arguments: vmArgument,
    returns: vmSummary,
  }),
  "vm-resume": command({
    doc: "Lets a paused VM run again, from the tick it stopped at.",
    arguments: vmArgument,
    returns: vmSummary,
  }),
  "vm-destroy": command({
    doc: "Removes the VM from the host, running or not; its console output goes with it.",
    arguments: vmArgument,
    returns: none,
  }),
  "console-read": command({
    doc: "Console output from `offset` on, as far as it is kept (the most recent 64 KiB): the text, where it starts and where the next read should start.",
    arguments: record({
      vm: vmName,
      offset: consoleOffset.default(0).describe("Where to start reading (default 0, the first byte)"),
      max: wholeNumber(1, CONSOLE_READ_MAX).default(CONSOLE_READ_MAX).describe("Most bytes to return"),
    }),
    returns: record({
      text: z.string().describe("The output, as UTF-8 text (a character cut by `max` or still being written waits for the next read)"),
      offset: consoleOffset.describe("Where `text` starts: later than asked when the bytes before were dropped"),
      next: consoleOffset.describe("Where the next read starts"),
      dropped: wholeNumber().describe("Bytes from the asked offset that are no longer kept"),
      end: consoleOffset.describe("Bytes written so far"),
      ended: flag.describe("True when the VM has ended: no more output will come"),
    }),
  }),
  "console-input": command({
    doc: "Queues console input for a guest OS (a program's input is given when it is created). The host holds at most 64 KiB per VM; what does not fit is not taken.",
    arguments: record({ vm: vmName, text: text(CONSOLE_INPUT_MAX).describe("The input, as UTF-8 text") }),
    returns: record({
      accepted: wholeNumber().describe("Bytes taken (fewer than sent when the queue is full: send the rest later)"),
      pending: wholeNumber().describe("Bytes now queued for the guest"),
    }),
  }),
  "console-follow": command({
    doc: "Starts (or stops) CONSOLE_OUTPUT events for one VM on this connection, from `offset` (default: output from now on). Output is sent as fast as the client reads; a client that falls more than 64 KiB behind is told how much it missed.",
    arguments: record({
      vm: vmName,
      follow: flag.default(true).describe("false stops the events"),
      offset: consoleOffset.optional().describe("Where the events start (default: the end, i.e. new output only)"),
    }),
    returns: record({ offset: consoleOffset.describe("Where the events start") }),
  }),
  "vm-save": command({
    doc: "Writes a snapshot of the VM to a file on the host, in the migration stream's format (setup, pages, state, completion). The VM goes on as it was, or leaves the host when `stop` is true.",
    arguments: record({
      vm: vmName,
      file: path,
      stop: flag.default(false).describe("Destroy the VM once its snapshot is written (as virsh save)"),
      overwrite: flag.default(false).describe("Replace an existing file (else one is refused)"),
    }),
    returns: record({ file: path, bytes: wholeNumber().describe("Size of the snapshot"), ticks: wholeNumber().describe("The guest time it was taken at") }),
  }),
  "vm-restore": command({
    doc: "Starts a VM from a snapshot file on the host, checking everything in it as a migration's destination does. It runs unless `paused`.",
    arguments: record({
      file: path,
      name: vmName.optional().describe("The VM's name (default: the one in the snapshot, with -2, -3 … added when taken)"),
      paused: flag.default(false).describe("Restore the VM paused"),
    }),
    returns: vmSummary,
  }),
  ...MIGRATE_COMMANDS,
  quit: command({
    doc: "Stops the host, as SIGTERM does: its VMs are stopped and every connection closed, after this answer.",
    arguments: none,
    returns: none,
  }),
} as const;

export type CommandName = keyof typeof COMMANDS;
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];
export type ArgumentsOf<N extends CommandName> = z.output<(typeof COMMANDS)[N]["arguments"]>;
/** What a handler returns: the schema's input (defaults not yet applied). */
export type ReturnOf<N extends CommandName> = z.input<(typeof COMMANDS)[N]["returns"]>;
/** What a client gets back, as checked against the schema. */
export type AnswerOf<N extends CommandName> = z.output<(typeof COMMANDS)[N]["returns"]>;
export type VmSummary = z.output<typeof vmSummary>;
