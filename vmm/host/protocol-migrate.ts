/**
 * The migration commands of the control protocol, in QMP's shape: the destination prepares a
 * slot (`migrate-incoming`, a one-time token), the source sends a VM there (`migrate`), and
 * either side is watched (`query-migrate`, the MIGRATION and MIGRATION_PROGRESS events) and
 * steered (`migrate-cancel`, `migrate-start-postcopy`, `migrate-recover`). Spread into COMMANDS
 * (protocol-commands.ts), so they are checked and documented like every other command.
 */
import { flag, LINE_MAX, oneOf, record, text, wholeNumber, z } from "../../isa/schema.js";
import { MAX_MEMORY, PAGE_SIZE } from "../../isa/arch.js";
import { PAGE_LETTERS } from "../migration/page-map.js";
import { MAX_MULTIFD_CHANNELS } from "../migration/real/multifd.js";
import { DIRTY_RATE_MODES } from "../migration/dirty-rate.js";
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

/** When a pre-copy turns into post-copy by itself: after so many rounds, or so long, or when the model says. */
export const postcopyAfter = z
  .union([
    record({ rounds: wholeNumber(1, 1000).describe("After this many pre-copy rounds") }),
    record({ seconds: z.number().positive().max(86_400).describe("After this many seconds of migration") }),
    z.literal("auto").describe("At the end of the first round after which the model says pre-copy cannot reach the downtime target (toyvmm migrate's --postcopy-policy auto)"),
  ])
  .nullable()
  .describe('A pre-copy turns into post-copy after this: a number of rounds, of seconds, or "auto" (null: only when its rounds end, or on migrate-start-postcopy)');

export const migrationParameters = record({
  bandwidth: wholeNumber(1).nullable().describe("Bytes per second on the stream (null: as fast as the connection goes)"),
  downtimeTargetNs: wholeNumber().describe("The pause a pre-copy aims at when it decides to stop the guest, in nanoseconds"),
  maxRounds: wholeNumber(1, 1000).describe("Most pre-copy rounds before it stops the guest whatever the downtime"),
  postcopyAfter,
  multifdChannels: wholeNumber(0, MAX_MULTIFD_CHANNELS).describe(
    "TCP connections for the pages beside the stream, as QEMU's multifd (stop-copy and pre-copy; 0: the pages go on the stream)",
  ),
  autoConverge: flag.describe("Pre-copy: QEMU's auto-converge — throttle a guest that dirties over half what the link moves, 20% of its instructions, then 10% more every two such rounds, up to 99%"),
  dirtyLimit: wholeNumber().describe("Pre-copy: most distinct pages the guest may dirty per second (QEMU's dirty limit); 0: none"),
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

/** A dirty-rate measurement of one VM (QEMU's DirtyRateInfo, in toyvmm's units), and what the model needs of the VM besides. */
export const dirtyRateInfo = record({
  vm: vmName,
  status: oneOf(["measuring", "measured"]).describe('"measuring" until the window has passed, then "measured"'),
  mode: oneOf(DIRTY_RATE_MODES).describe('"dirty-bitmap" (every page, drained every 10 ms) or "page-sampling" (QEMU\'s default: a CRC of the sample pages at both ends)'),
  calcTimeMs: wholeNumber().describe("The window asked for, in milliseconds"),
  windowNs: wholeNumber().describe("Wall time the window took (so far, while measuring)"),
  windowTicks: wholeNumber().describe("Guest instructions run in the window"),
  dirtyPagesPerSecond: wholeNumber().describe("Pages dirtied per wall second (0 while measuring)"),
  dirtyRate: z.number().min(0).describe("The same in MB/s of 4 KiB pages, as QEMU's dirty-rate"),
  workingSetPages: wholeNumber().describe("Distinct pages dirtied over the window (page-sampling: estimated from the samples)"),
  sampledPages: wholeNumber().describe("Pages watched: all (dirty-bitmap) or the samples"),
  memoryBytes: wholeNumber().describe("Bytes a pre-copy's first round would send at the window's end (zero pages as markers): the model's M"),
  stateBytes: wholeNumber().describe("Bytes of the VM's state frame at the window's end"),
});
export type DirtyRateInfo = z.output<typeof dirtyRateInfo>;

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
      multifdChannels: migrationParameters.shape.multifdChannels.optional(),
      autoConverge: migrationParameters.shape.autoConverge.optional(),
      dirtyLimit: migrationParameters.shape.dirtyLimit.optional(),
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
  "calc-dirty-rate": command({
    doc: "Starts measuring how fast the VM dirties its memory over `calcTimeMs` while it runs (QEMU's calc-dirty-rate); answers at once, and `query-dirty-rate` gives the result once measured. dirty-bitmap takes the VM's dirty bitmap, so it is refused while the VM migrates, and a migration that starts ends it; page-sampling works at any time.",
    arguments: record({
      vm: vmName,
      calcTimeMs: wholeNumber(1, 60_000).default(1000).describe("The window, in milliseconds (default 1000)"),
      mode: oneOf(DIRTY_RATE_MODES).default("dirty-bitmap").describe('"dirty-bitmap" (default) or "page-sampling"'),
      samplePages: wholeNumber(1, MAX_MEMORY / PAGE_SIZE).default(512).describe("page-sampling: pages hashed (default 512, QEMU's per GiB)"),
    }),
    returns: dirtyRateInfo,
  }),
  "query-dirty-rate": command({
    doc: "The VM's dirty-rate measurement, running or the last one (QEMU's query-dirty-rate).",
    arguments: vmArgument,
    returns: dirtyRateInfo,
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
