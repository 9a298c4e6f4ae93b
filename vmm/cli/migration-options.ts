/**
 * The options of a simulated migration, declared once for `toyvmm migrate` and `toyvmm debug
 * --migrate-at`: the strategy, the link, the guest's speed, pre-copy's convergence control and
 * the pages' encoding (XBZRLE, compression), parsed into the engine's parameters with one line
 * for each mistake.
 */
import { UserError } from "../../isa/errors.js";
import { DEFAULTS, PUSH_ORDERS, type MigrationOptions, type PushOrder } from "../migration/options.js";
import { POSTCOPY_POLICIES, type PostcopyPolicy } from "../migration/protocol/converge.js";
import { STRATEGIES, type Strategy } from "../migration/stream/frames.js";
import { parseBandwidth, parseCacheSize, parseCostPerByte, parseCount, parseDuration } from "../migration/units.js";

export const DEFAULT_STRATEGY: Strategy = "pre-copy";

export interface MigrationCliOptions {
  strategy?: Strategy;
  bandwidth?: string;
  latency?: string;
  downtimeTarget?: string;
  maxRounds?: number;
  speed?: string;
  pushOrder?: PushOrder;
  autoConverge?: boolean;
  dirtyLimit?: string;
  postcopyPolicy?: PostcopyPolicy;
  postcopyAfter?: number;
  postcopyAt?: string;
  cancelAt?: string;
  xbzrleCache?: string;
  compress?: boolean;
  compressCost?: string;
  decompressCost?: string;
}

export const MIGRATION_OPTIONS = {
  strategy: { choices: STRATEGIES, describe: `How memory travels (default ${DEFAULT_STRATEGY})` },
  bandwidth: { type: "string", requiresArg: true, describe: "Link bandwidth, e.g. 100MB/s, 1Gbit/s (default 100MB/s)" },
  latency: { type: "string", requiresArg: true, describe: "Link latency, e.g. 1ms, 250us (default 1ms)" },
  "downtime-target": {
    type: "string",
    requiresArg: true,
    describe: "Pre-copy: stop when the rest fits this (default 30ms)",
  },
  "max-rounds": { type: "number", requiresArg: true, describe: "Pre-copy: most rounds before stopping (default 30)" },
  speed: { type: "string", requiresArg: true, describe: "Guest instructions per virtual second (default 1e8)" },
  "push-order": { choices: PUSH_ORDERS, describe: `Post-copy background push order (default ${DEFAULTS.pushOrder})` },
  "auto-converge": {
    type: "boolean",
    describe: "Pre-copy: throttle a guest that dirties over half the link's rate, 20% then 10% more to 99%",
  },
  "dirty-limit": {
    type: "string",
    requiresArg: true,
    describe: "Pre-copy: most pages the guest may dirty per virtual second, e.g. 5k",
  },
  "postcopy-policy": {
    choices: POSTCOPY_POLICIES,
    describe:
      "Pre-copy: when to turn into post-copy: never, manual (--postcopy-at), after (--postcopy-after), auto (when the model says pre-copy cannot reach the target)",
  },
  "postcopy-after": {
    type: "number",
    requiresArg: true,
    describe: "Turn into post-copy after this many pre-copy rounds (policy after)",
  },
  "postcopy-at": {
    type: "string",
    requiresArg: true,
    describe: "Turn into post-copy at this virtual time, e.g. 50ms (policy manual)",
  },
  "xbzrle-cache": {
    type: "string",
    requiresArg: true,
    describe: "Pre-copy: send resent pages as XBZRLE deltas against a cache of this size, e.g. 64MiB (rounded down to a power of two of pages)",
  },
  compress: { type: "boolean", describe: "Compress the pages that go whole (LZ4), each sent plain when it does not shrink" },
  "compress-cost": {
    type: "string",
    requiresArg: true,
    describe: "With --compress: virtual time the source spends per page byte it compresses, e.g. 1ns, 800ps (default 1ns)",
  },
  "decompress-cost": {
    type: "string",
    requiresArg: true,
    describe: "With --compress: virtual time the destination spends per page byte it decompresses, e.g. 750ps, 2ns (default 750ps)",
  },
  "cancel-at": {
    type: "string",
    requiresArg: true,
    describe: "Cancel at this virtual time, e.g. 5ms: before the commit the guest goes on at host A",
  },
} as const;

/** The flags of MIGRATION_OPTIONS that were given (to refuse them where no migration runs). */
export function givenMigrationFlags(args: MigrationCliOptions): string[] {
  return Object.keys(MIGRATION_OPTIONS)
    .filter(
      (flag) =>
        args[flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) as keyof MigrationCliOptions] !== undefined,
    )
    .map((flag) => `--${flag}`);
}

/** The engine's parameters from the options, every mistake one line naming its flag. */
export function migrationParametersOf(args: MigrationCliOptions): Omit<MigrationOptions, "host"> {
  const strategy = args.strategy ?? DEFAULT_STRATEGY;
  if (args.maxRounds !== undefined && (!Number.isSafeInteger(args.maxRounds) || args.maxRounds < 1)) {
    throw new UserError(`--max-rounds ${args.maxRounds}: expected a whole number ≥ 1`);
  }
  return {
    strategy,
    bandwidth: args.bandwidth === undefined ? DEFAULTS.bandwidth : parseBandwidth(args.bandwidth),
    latencyNs: args.latency === undefined ? DEFAULTS.latencyNs : parseDuration(args.latency, "--latency"),
    downtimeTargetNs:
      args.downtimeTarget === undefined
        ? DEFAULTS.downtimeTargetNs
        : parseDuration(args.downtimeTarget, "--downtime-target"),
    maxRounds: args.maxRounds,
    speed: args.speed === undefined ? DEFAULTS.speed : parseCount(args.speed, "--speed"),
    pushOrder: args.pushOrder,
    ...convergeOptions(args, strategy),
  };
}

/** --auto-converge, --dirty-limit, the post-copy policy and --cancel-at, checked against each other. */
function convergeOptions(args: MigrationCliOptions, strategy: Strategy): Partial<MigrationOptions> {
  const policy: PostcopyPolicy =
    args.postcopyPolicy ??
    (args.postcopyAfter !== undefined ? "after" : args.postcopyAt !== undefined ? "manual" : "never");
  const preCopyOnly = [
    ["--auto-converge", args.autoConverge],
    ["--dirty-limit", args.dirtyLimit],
    ["--postcopy-policy", args.postcopyPolicy],
    ["--postcopy-after", args.postcopyAfter],
    ["--postcopy-at", args.postcopyAt],
    ["--xbzrle-cache", args.xbzrleCache],
  ] as const;
  for (const [flag, given] of preCopyOnly) {
    if (given !== undefined && given !== false && strategy !== "pre-copy")
      throw new UserError(`${flag}: controls pre-copy's rounds; give --strategy pre-copy`);
  }
  if (args.compressCost !== undefined && !args.compress) throw new UserError("--compress-cost: is what --compress costs; give --compress too");
  if (args.decompressCost !== undefined && !args.compress) throw new UserError("--decompress-cost: is what --compress costs the destination; give --compress too");
  if (
    args.postcopyAfter !== undefined &&
    (policy !== "after" || !Number.isSafeInteger(args.postcopyAfter) || args.postcopyAfter < 1)
  ) {
    throw new UserError(
      `--postcopy-after ${args.postcopyAfter}: expected a whole number of rounds ≥ 1, with --postcopy-policy after`,
    );
  }
  if (args.postcopyAt !== undefined && policy !== "manual")
    throw new UserError(
      `--postcopy-at: is the manual policy's moment; it does not go with --postcopy-policy ${policy}`,
    );
  return {
    autoConverge: args.autoConverge === true,
    dirtyLimit: args.dirtyLimit === undefined ? 0 : parseCount(args.dirtyLimit, "--dirty-limit"),
    postcopyPolicy: policy,
    ...(args.postcopyAfter !== undefined ? { postcopyAfterRounds: args.postcopyAfter } : {}),
    ...(args.postcopyAt !== undefined ? { startPostcopyAtNs: parseDuration(args.postcopyAt, "--postcopy-at") } : {}),
    ...(args.cancelAt !== undefined ? { cancelAtNs: parseDuration(args.cancelAt, "--cancel-at") } : {}),
    ...(args.xbzrleCache !== undefined ? { xbzrleCache: parseCacheSize(args.xbzrleCache, "--xbzrle-cache") } : {}),
    ...(args.compress ? { compress: true } : {}),
    ...(args.compressCost !== undefined ? { compressCostPs: parseCostPerByte(args.compressCost, "--compress-cost") } : {}),
    ...(args.decompressCost !== undefined ? { decompressCostPs: parseCostPerByte(args.decompressCost, "--decompress-cost") } : {}),
  };
}
