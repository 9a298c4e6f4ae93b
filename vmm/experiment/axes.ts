/**
 * The parameters an experiment can fix or sweep, one row each: the spec's key (also the CLI
 * option and the results column), how a value is read from JSON or the command line, and how
 * it is shown. Spec, sweep, runner, writers and plots all look axes up here.
 *
 * Values are stored in base units — bytes per second, nanoseconds, bytes, instructions — so
 * rows are integers and reproducible to the last digit. Guest arguments are `args.KEY` axes
 * whose values are the text passed to the guest as `KEY=VALUE`.
 */
import { UserError } from "../../isa/errors.js";
import { DEFAULTS, MAX_COMPRESS_COST_PS, PUSH_ORDERS } from "../migration/options.js";
import { STRATEGIES } from "../migration/stream/frames.js";
import { formatNs, formatPs, parseBandwidth, parseCacheSize, parseCostPerByte, parseCount, parseDuration, parseMemorySize } from "../migration/units.js";
import { choice, quantity, text, type AxisValue } from "./values.js";

export type { AxisValue };

export interface AxisDef {
  name: string;
  describe: string;
  /** "number" axes plot on a quantitative scale. */
  kind: "number" | "choice";
  /** The value when neither base nor sweep gives one (null: the guest image decides). */
  fallback: AxisValue | null;
  /** `where` names the place for errors, e.g. `spec.json: sweep.bandwidth[1]`. */
  parse(value: unknown, where: string): AxisValue;
  /** For tables and legends: `100MB/s`, `1 ms`. */
  show(value: AxisValue): string;
  /** Plot axis title (with its unit) and how to scale a value for it. */
  plotTitle: string;
  plotScale: number;
  /** A column of the results only when the spec names it (the convergence axes), so older results keep their columns. */
  optional?: boolean;
}

export const ARG_PREFIX = "args.";

/** How a guest runs (see guest.ts). */
export const MACHINES = ["process", "monitor", "bare"] as const;

const showRate = (v: AxisValue): string => {
  const n = Number(v);
  if (n % 1e9 === 0) return `${n / 1e9}GB/s`;
  if (n % 1e6 === 0) return `${n / 1e6}MB/s`;
  if (n % 1e3 === 0) return `${n / 1e3}kB/s`;
  return `${n}B/s`;
};
const showSize = (v: AxisValue): string => {
  const n = Number(v);
  if (n % (1 << 20) === 0) return `${n / (1 << 20)}MiB`;
  if (n % 1024 === 0) return `${n / 1024}KiB`;
  return `${n}B`;
};
/** `1.500 ms` → `1.5 ms`, `30.000 ms` → `30 ms`. */
const showNs = (v: AxisValue): string => formatNs(Number(v)).replace(/(\.\d*?)0+ /, "$1 ").replace(". ", " ");
const plain = (v: AxisValue): string => String(v);

/**
 * The ranges: at 1 kB/s, 64 MiB take 6.7·10^13 ns a round, and 100 rounds stay below 2^53 ns
 * (a larger memory on so slow a link is checked point by point, plan.ts); latencies and targets
 * up to a minute, guest speeds and migration points up to 10^12.
 */
const BANDWIDTH = { min: 1e3, max: 1e12, base: "bytes per second", example: "100MB/s", show: showRate };
const DURATION = { min: 0, max: 60e9, base: "nanoseconds", example: "30ms", show: showNs };
const ROUNDS = { min: 1, max: 100, base: "rounds", example: "30", show: plain };
const SPEED = { min: 1e3, max: 1e12, base: "instructions per second", example: "100M", show: plain };
const AT = { min: 0, max: 1e12, base: "instructions", example: "20480600", show: plain };
const COMPRESS_COST = { min: 0, max: MAX_COMPRESS_COST_PS, base: "picoseconds per byte", example: "1ns", show: (v: number) => formatPs(v) };
const DIRTY_LIMIT = { min: 0, max: 1e12, base: "pages per second", example: "5000", show: plain };
const REQUEST_RATE = { min: 0, max: 1e9, base: "requests per second", example: "5000", show: plain };
const STREAM_TIME = { min: 1, max: 60e9, base: "nanoseconds", example: "10ms", show: showNs };

export const AXES: AxisDef[] = [
  {
    name: "strategy", describe: "stop-copy, pre-copy or post-copy", kind: "choice", fallback: "pre-copy",
    parse: choice(STRATEGIES), show: plain, plotTitle: "strategy", plotScale: 1,
  },
  {
    name: "bandwidth", describe: "link bandwidth (100MB/s, 1Gbit/s, bytes/s)", kind: "number", fallback: DEFAULTS.bandwidth,
    parse: quantity(BANDWIDTH, parseBandwidth), show: showRate, plotTitle: "bandwidth (MB/s)", plotScale: 1e-6,
  },
  {
    name: "latency", describe: "link latency (1ms, 250us; a number is ns)", kind: "number", fallback: DEFAULTS.latencyNs,
    parse: quantity(DURATION, parseDuration), show: showNs, plotTitle: "latency (ms)", plotScale: 1e-6,
  },
  {
    name: "downtime-target", describe: "pre-copy downtime target (30ms; a number is ns)", kind: "number", fallback: DEFAULTS.downtimeTargetNs,
    parse: quantity(DURATION, parseDuration), show: showNs, plotTitle: "downtime target (ms)", plotScale: 1e-6,
  },
  {
    name: "max-rounds", describe: "pre-copy round limit (1 to 100)", kind: "number", fallback: DEFAULTS.maxRounds,
    parse: quantity(ROUNDS), show: plain, plotTitle: "max rounds (live pre-copy rounds)", plotScale: 1,
  },
  {
    name: "speed", describe: "guest instructions per virtual second (1e8, 100M)", kind: "number", fallback: DEFAULTS.speed,
    parse: quantity(SPEED, parseCount), show: plain, plotTitle: "guest speed (instructions/s)", plotScale: 1,
  },
  {
    name: "memory", describe: "guest memory (1MiB, 256KiB, bytes; default: the image's)", kind: "number", fallback: null,
    parse: (v, w) => parseMemorySize(text(v, w), w), show: showSize, plotTitle: "guest memory (MiB)", plotScale: 1 / (1 << 20),
  },
  {
    name: "at", describe: "guest instructions run on host A before the migration starts", kind: "number", fallback: 0,
    parse: quantity(AT), show: plain, plotTitle: "migration point (instructions)", plotScale: 1,
  },
  {
    name: "push-order", describe: "post-copy background push order", kind: "choice", fallback: DEFAULTS.pushOrder,
    parse: choice(PUSH_ORDERS), show: plain, plotTitle: "post-copy push order", plotScale: 1,
  },
  {
    name: "machine", describe: "process (program), monitor or bare (kernel); default: process for a program, monitor otherwise",
    kind: "choice", fallback: null,
    parse: choice(MACHINES), show: plain, plotTitle: "machine", plotScale: 1,
  },
  {
    name: "auto-converge", describe: "pre-copy auto-converge: on or off", kind: "choice", fallback: "off", optional: true,
    parse: choice(["off", "on"] as const), show: plain, plotTitle: "auto-converge", plotScale: 1,
  },
  {
    name: "dirty-limit", describe: "pre-copy dirty limit, pages per virtual second (0: none)", kind: "number", fallback: 0, optional: true,
    parse: quantity(DIRTY_LIMIT, parseCount), show: plain, plotTitle: "dirty limit (pages/s)", plotScale: 1,
  },
  {
    name: "postcopy-policy", describe: "when pre-copy turns into post-copy: never, after, auto", kind: "choice", fallback: "never", optional: true,
    parse: choice(["never", "after", "auto"] as const), show: plain, plotTitle: "post-copy policy", plotScale: 1,
  },
  {
    name: "postcopy-after", describe: "rounds before post-copy with policy after (1 to 100)", kind: "number", fallback: 1, optional: true,
    parse: quantity(ROUNDS), show: plain, plotTitle: "post-copy after (rounds)", plotScale: 1,
  },
  {
    name: "xbzrle-cache", describe: "pre-copy XBZRLE cache (64MiB, bytes; 0: off)", kind: "number", fallback: 0, optional: true,
    parse: (v, w) => cacheSize(v, w), show: (v) => (Number(v) === 0 ? "off" : showSize(v)), plotTitle: "XBZRLE cache (MiB)", plotScale: 1 / (1 << 20),
  },
  {
    name: "compress", describe: "compress the pages that go whole (LZ4): on or off", kind: "choice", fallback: "off", optional: true,
    parse: choice(["off", "on"] as const), show: plain, plotTitle: "compression", plotScale: 1,
  },
  {
    name: "compress-cost", describe: "with compress on: virtual time per page byte compressed (1ns, 800ps; a number is ps)", kind: "number",
    fallback: DEFAULTS.compressCostPs, optional: true,
    parse: quantity(COMPRESS_COST, parseCostPerByte), show: (v) => formatPs(Number(v)), plotTitle: "compression cost (ns per byte)", plotScale: 1e-3,
  },
  {
    name: "decompress-cost", describe: "with compress on: the destination's virtual time per page byte decompressed (750ps, 2ns; a number is ps)", kind: "number",
    fallback: DEFAULTS.decompressCostPs, optional: true,
    parse: quantity({ ...COMPRESS_COST, example: "750ps" }, parseCostPerByte), show: (v) => formatPs(Number(v)), plotTitle: "decompression cost (ns per byte)", plotScale: 1e-3,
  },
  {
    name: "request-rate", describe: "a stream client's requests per virtual second to the guest, a server on a network (0: no network)", kind: "number", fallback: 0, optional: true,
    parse: quantity(REQUEST_RATE, parseCount), show: plain, plotTitle: "request rate (requests/s)", plotScale: 1,
  },
  {
    name: "stream-time", describe: "with request-rate: how long the stream client sends for (10ms; a number is ns)", kind: "number", fallback: 10_000_000, optional: true,
    parse: quantity(STREAM_TIME, parseDuration), show: showNs, plotTitle: "stream time (ms)", plotScale: 1e-6,
  },
];

/** 0 (off), or a cache size from a page to the largest memory. */
function cacheSize(value: unknown, where: string): AxisValue {
  if (value === 0 || value === "0" || value === "off") return 0;
  return parseCacheSize(typeof value === "number" ? String(value) : text(value, where), where);
}

const BY_NAME = new Map(AXES.map((a) => [a.name, a]));

/** `args.KEY`: a guest boot argument; numeric when every value is a number. */
function argAxis(name: string): AxisDef {
  const key = name.slice(ARG_PREFIX.length);
  return {
    name, describe: `guest argument ${key}`, kind: "number", fallback: null,
    parse: (value, where) => {
      const t = text(value, where);
      // The guest reads `KEY=VALUE KEY=VALUE` up to a NUL: no spaces, '=' or control characters.
      if (/[\s=\p{Cc}]/u.test(t)) throw new UserError(`${where}: ${JSON.stringify(t)}: a guest argument value cannot hold spaces, '=' or control characters`);
      // Whole numbers become numbers, so a spec's 100 and the command line's "100" are one value.
      return /^-?\d+$/.test(t) && Number.isSafeInteger(Number(t)) ? Number(t) : typeof value === "number" ? value : t;
    },
    show: plain, plotTitle: `${key} (guest argument)`, plotScale: 1,
  };
}

/** The axis called `name`, or a one-line error naming the place. */
export function axis(name: string, where: string): AxisDef {
  const found = BY_NAME.get(name);
  if (found) return found;
  if (name.startsWith(ARG_PREFIX) && /^[A-Za-z_][\w-]*$/.test(name.slice(ARG_PREFIX.length))) return argAxis(name);
  throw new UserError(`${where}: unknown axis ${JSON.stringify(name)} (known: ${AXES.map((a) => a.name).join(", ")}, args.KEY)`);
}

export const isArgAxis = (name: string): boolean => name.startsWith(ARG_PREFIX);
