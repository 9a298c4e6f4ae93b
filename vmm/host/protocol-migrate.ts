/**
 * The migration commands of the control protocol, in QMP's shape: the destination prepares a
 * slot (`migrate-incoming`, a one-time token), the source sends a VM there (`migrate`), and
 * either side is watched (`query-migrate`, the MIGRATION and MIGRATION_PROGRESS events) and
 * steered (`migrate-cancel`, `migrate-start-postcopy`, `migrate-recover`). Spread into COMMANDS
 * (protocol-commands.ts), so they are checked and documented like every other command.
 */
import { LINE_MAX, oneOf, record, text, wholeNumber, z } from "../../isa/schema.js";
import { MAX_MEMORY, PAGE_SIZE } from "../../isa/arch.js";
import { PAGE_LETTERS } from "../migration/page-map.js";
import { STRATEGIES } from "../migration/stream/frames.js";
import { command, none, vmArgument, vmName } from "./protocol-values.js";

/** Where a host listens for migrations, as HOST:PORT. */
export const migrationAddress = text(300).describe("A migration listener's address, HOST:PORT ([IPv6]:PORT)");
export const migrationToken = text(256).describe("The one-time token the destination's `migrate-incoming` gave");

export const MIGRATION_STATUSES = [
  "waiting",
  "setup",
  "active",
  "postcopy-active",
  "postcopy-paused",
  "postcopy-recover",
  "in-doubt",
  "completed",
  "failed",
  "cancelled",
] as const;
export const migrationStatus = oneOf(MIGRATION_STATUSES).describe(
  'Where the migration is: "waiting" (a destination\'s slot, nothing came yet), "setup", "active", "postcopy-active", "postcopy-paused" (the connection broke after the commit), "postcopy-recover", "in-doubt" (a destination that does not know whether the source committed), then "completed", "failed" or "cancelled"',
);
export const migrationDirection = oneOf(["outgoing", "incoming"]).describe('"outgoing" on the source, "incoming" on the destination');

/** When a pre-copy turns into post-copy by itself: after so many rounds, or so long. */
export const postcopyAfter = z
  .union([record({ rounds: wholeNumber(1, 1000).describe("After this many pre-copy rounds") }), record({ seconds: z.number().positive().max(86_400).describe("After this many seconds of migration") })])
  .nullable()
  .describe("A pre-copy turns into post-copy after this (null: only when its rounds end, or on migrate-start-postcopy)");

export const migrationParameters = record({
  bandwidth: wholeNumber(1).nullable().describe("Bytes per second on the stream (null: as fast as the connection goes)"),
  downtimeTargetNs: wholeNumber().describe("The pause a pre-copy aims at when it decides to stop the guest, in nanoseconds"),
  maxRounds: wholeNumber(1, 1000).describe("Most pre-copy rounds before it stops the guest whatever the downtime"),
  postcopyAfter,
  xbzrleCache: wholeNumber(0, MAX_MEMORY)
    .refine((n) => n === 0 || n >= PAGE_SIZE, { message: `expected 0 (off) or at least ${PAGE_SIZE} (a page)` })
    .describe("Pre-copy: XBZRLE's cache in bytes, resent pages going as deltas against it (0: off; rounded down to a power of two of pages)"),
  compress: z.boolean().describe("Compress the pages that go whole (LZ4), each sent plain when it does not shrink"),
});
export type MigrationParameters = z.output<typeof migrationParameters>;

/** The live view of one migration: where it is, how far, and how fast. */
export const migrationInfo = record({
  vm: vmName,
  direction: migrationDirection,
  status: migrationStatus,
  strategy: oneOf(STRATEGIES).nullable().describe("The strategy (on a destination: null until the stream named it)"),
  peer: text(300).describe("The destination's address (outgoing), or the listener's (incoming)"),
  detail: text(LINE_MAX).nullable().describe("Why it failed, or what the last status change was about"),
  phase: text(200).describe("What the sender is doing now, e.g. \"round 2\", \"stop-and-copy\", \"post-copy\""),
  round: wholeNumber().describe("Pre-copy rounds begun (0 for other strategies before their pass)"),
  completed: z.number().min(0).max(1).describe("Share done, 0 to 1, never going backwards"),
  transferredBytes: wholeNumber().describe("Page bytes sent so far"),
  remainingBytes: wholeNumber().describe("Page bytes still to send, as estimated now"),
  remainingNs: wholeNumber().describe("Estimated time left at the measured bandwidth"),
  dirtyPagesPerSecond: wholeNumber().describe("Pages the guest dirtied per second during the last finished round"),
  elapsedNs: wholeNumber().describe("Wall time since the migration started"),
  downtimeNs: wholeNumber().describe("How long the guest stood still at the switch-over (once known)"),
  stats: z.record(z.string(), z.json()).describe("The migration's statistics as `toyvmm migrate --json` gives them, without the progress log"),
});
export type MigrationInfo = z.output<typeof migrationInfo>;

const pageCount = wholeNumber().describe("Pages in this state");

/** The source's page map of one migration, for a view to draw (vmm/migration/page-map.ts). */
export const migrationPages = record({
  vm: vmName,
  status: migrationStatus,
  atNs: wholeNumber().describe("Time since the migration started, when this map was taken"),
  map: z
    .string()
    .max(MAX_MEMORY / PAGE_SIZE)
    .regex(/^[msdrz]*$/)
    .describe(
      'One letter per page, in page order: "m" missing at the destination, "s" sent, "d" dirty (sent, then written again), "r" requested by the destination (post-copy), "z" sent as a zero-page marker',
    ),
  counts: record({ missing: pageCount, sent: pageCount, dirty: pageCount, requested: pageCount, zero: pageCount }).describe("How many pages are in each state"),
  rounds: z
    .array(record({ round: wholeNumber(), pages: wholeNumber().describe("Pages sent in it"), bytes: wholeNumber().describe("Bytes of their frames") }))
    .describe("Each round so far, the running one last (post-copy's pass is one round)"),
  streamBytes: wholeNumber().describe("Bytes of every frame sent so far, headers included"),
  requests: wholeNumber().describe("Page requests that came back from the destination (post-copy faults)"),
});
export type MigrationPages = z.output<typeof migrationPages>;
// The letters are the page map's own: a change there must show here.
PAGE_LETTERS satisfies { missing: "m"; sent: "s"; dirty: "d"; requested: "r"; zero: "z" };

export const MIGRATE_COMMANDS = {
  "query-host": command({
    doc: "This host itself: its name, version, speed, where it listens for migrations, its VM count, and the bundled guests it can boot.",
    arguments: none,
    returns: record({
      name: text(64).describe("The host's name"),
      version: text(64).describe("toyvmm's version"),
      speed: z.union([wholeNumber(1), z.literal("max")]).describe("Guest ticks per wall second for each VM, or \"max\""),
      migrateListen: migrationAddress.nullable().describe("Where incoming migrations are accepted (null: started without --migrate-listen)"),
      vms: wholeNumber().describe("VMs on the host"),
      guests: z
        .array(record({ name: text(64).describe("Its name, for `vm-create`"), description: text(LINE_MAX).describe("What it is") }))
        .describe("The bundled guest OSes `vm-create` can name"),
    }),
  }),
  "migrate-incoming": command({
    doc: "Prepares this host (the destination) for one incoming migration of the VM called `vm`: returns a one-time token to give `migrate` on the source, and the address to send to. The VM arrives under that name, paused until the source has let it go.",
    arguments: record({ vm: vmName.describe("The name the VM will have here (it must be free)") }),
    returns: record({ vm: vmName, token: migrationToken, address: migrationAddress }),
  }),
  migrate: command({
    doc: "Sends a running VM to another host's migration listener with the token its `migrate-incoming` gave. Answers at once; MIGRATION events and `query-migrate` follow it. Parameters not given are this host's (`migrate-set-parameters`).",
    arguments: record({
      vm: vmName,
      to: migrationAddress,
      token: migrationToken,
      strategy: oneOf(STRATEGIES).default("pre-copy").describe('"stop-copy", "pre-copy" (default) or "post-copy"'),
      bandwidth: migrationParameters.shape.bandwidth.optional(),
      downtimeTargetNs: migrationParameters.shape.downtimeTargetNs.optional(),
      maxRounds: migrationParameters.shape.maxRounds.optional(),
      postcopyAfter: postcopyAfter.optional(),
      xbzrleCache: migrationParameters.shape.xbzrleCache.optional(),
      compress: migrationParameters.shape.compress.optional(),
    }),
    returns: migrationInfo,
  }),
  "query-migrate": command({
    doc: "The VM's migration, running or the last one that ended on this host (a source keeps it after the VM has left).",
    arguments: vmArgument,
    returns: migrationInfo,
  }),
  "query-migrate-pages": command({
    doc: "The source's page map of the VM's migration, running or ended: what each page is, and the bytes of each round so far. Meant to be polled by a view (its answer is a letter per page); the source takes it at most ten times a second, and a poll sooner gets the last one. A destination refuses it: the map is the source's.",
    arguments: vmArgument,
    returns: migrationPages,
  }),
  "query-migrations": command({
    doc: "Every migration this host runs or ran, newest last.",
    arguments: none,
    returns: z.array(migrationInfo),
  }),
  "migrate-set-parameters": command({
    doc: "Sets this host's migration parameters for the migrations it starts from now on; the fields not given stay as they are.",
    arguments: migrationParameters.partial(),
    returns: migrationParameters,
  }),
  "query-migrate-parameters": command({
    doc: "This host's migration parameters.",
    arguments: none,
    returns: migrationParameters,
  }),
  "migrate-cancel": command({
    doc: "Gives up the VM's migration while the source still holds the guest: the VM goes on at the source; a destination drops its slot. Refused once the destination holds the only copy.",
    arguments: vmArgument,
    returns: migrationInfo,
  }),
  "migrate-start-postcopy": command({
    doc: "Turns the VM's running pre-copy into post-copy now: the guest moves and its remaining pages follow on demand.",
    arguments: vmArgument,
    returns: migrationInfo,
  }),
  "migrate-recover": command({
    doc: "After a post-copy lost its connection (postcopy-paused): reconnects now, to `to` when the destination listens elsewhere (it also retries by itself).",
    arguments: record({ vm: vmName, to: migrationAddress.optional() }),
    returns: migrationInfo,
  }),
} as const;
