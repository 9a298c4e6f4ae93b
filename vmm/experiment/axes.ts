/**
 * The parameters an experiment can fix or sweep, one row each: the spec's key (also the CLI
 * option and the results column), how a value is read from JSON or the command line, and how
 * it is shown. Spec, sweep, runner, writers and plots all look axes up here.
 *
 * Values are stored in base units — bytes per second, nanoseconds, bytes, instructions — so
 * rows are integers and reproducible to the last digit. Guest arguments are `args.KEY` axes
 * whose values are the text passed to the guest as `KEY=VALUE`.
 */
import { MAX_MEMORY, PAGE_SIZE } from "../../isa/arch.js";
import { UserError } from "../../isa/errors.js";
import { formatNs } from "../migration/engine.js";
import { DEFAULTS, PUSH_ORDERS } from "../migration/options.js";
import { STRATEGIES } from "../migration/stream/frames.js";
import { parseBandwidth, parseCount, parseDuration } from "../migration/units.js";

export type AxisValue = number | string;

export interface AxisDef {
  name: string;
  describe: string;
  /** "number" axes plot on a quantitative scale. */
  kind: "number" | "choice";
  /** The value when neither base nor sweep gives one (null: the guest image decides). */
  fallback: AxisValue | null;
  /** `where` names the place for errors, e.g. `spec.json: sweep.bandwidth[1]`. */
  parse(value: unknown, where: string): AxisValue;
  /** For tables and legends: `100MB/s`, `1.000 ms`. */
  show(value: AxisValue): string;
  /** Plot axis title and how to scale a value for it. */
  plotTitle: string;
  plotScale: number;
}

export const ARG_PREFIX = "args.";

/** How a guest runs (see guest.ts). */
export const MACHINES = ["process", "monitor", "bare"] as const;

const text = (value: unknown, where: string): string => {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  throw new UserError(`${where}: expected a number or a string, got ${JSON.stringify(value)}`);
};

function wholeNumber(value: unknown, where: string, min: number): number {
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < min) {
    throw new UserError(`${where}: expected a whole number ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Numbers are taken as base units; text goes through the migration unit parsers. */
const withUnits = (parse: (t: string, where: string) => number) => (value: unknown, where: string): number =>
  typeof value === "number" ? wholeNumber(value, where, 0) : parse(text(value, where), where);

function choice(values: readonly string[]) {
  return (value: unknown, where: string): string => {
    if (typeof value === "string" && values.includes(value)) return value;
    throw new UserError(`${where}: ${JSON.stringify(value)} is not one of ${values.join(", ")}`);
  };
}

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kib: 1024, kb: 1000, m: 1 << 20, mib: 1 << 20, mb: 1e6 };

/** `1MiB`, `256KiB`, `4M` (binary), or bytes; a whole number of pages up to MAX_MEMORY. */
export function parseSize(textValue: string, where: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(textValue.trim());
  const factor = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || factor === undefined) throw new UserError(`${where}: ${JSON.stringify(textValue)}: expected a size such as 1MiB, 256KiB or 1048576`);
  const bytes = Math.round(Number(match[1]) * factor);
  if (bytes < PAGE_SIZE || bytes > MAX_MEMORY || bytes % PAGE_SIZE !== 0) {
    throw new UserError(`${where}: ${JSON.stringify(textValue)}: memory must be a multiple of ${PAGE_SIZE} bytes between ${PAGE_SIZE} and ${MAX_MEMORY}`);
  }
  return bytes;
}

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

export const AXES: AxisDef[] = [
  {
    name: "strategy", describe: "stop-copy, pre-copy or post-copy", kind: "choice", fallback: "pre-copy",
    parse: choice(STRATEGIES), show: plain, plotTitle: "strategy", plotScale: 1,
  },
  {
    name: "bandwidth", describe: "link bandwidth (100MB/s, 1Gbit/s, bytes/s)", kind: "number", fallback: DEFAULTS.bandwidth,
    parse: withUnits((t, w) => parseBandwidth(t, w)), show: showRate, plotTitle: "bandwidth (MB/s)", plotScale: 1e-6,
  },
  {
    name: "latency", describe: "link latency (1ms, 250us; a number is ns)", kind: "number", fallback: DEFAULTS.latencyNs,
    parse: withUnits(parseDuration), show: showNs, plotTitle: "latency (ms)", plotScale: 1e-6,
  },
  {
    name: "downtime-target", describe: "pre-copy downtime target (30ms; a number is ns)", kind: "number", fallback: DEFAULTS.downtimeTargetNs,
    parse: withUnits(parseDuration), show: showNs, plotTitle: "downtime target (ms)", plotScale: 1e-6,
  },
  {
    name: "max-rounds", describe: "pre-copy round limit", kind: "number", fallback: DEFAULTS.maxRounds,
    parse: (v, w) => wholeNumber(v, w, 1), show: plain, plotTitle: "max rounds", plotScale: 1,
  },
  {
    name: "speed", describe: "guest instructions per virtual second (1e8, 100M)", kind: "number", fallback: DEFAULTS.speed,
    parse: withUnits((t, w) => parseCount(t, w)), show: plain, plotTitle: "speed (instructions/s)", plotScale: 1,
  },
  {
    name: "memory", describe: "guest memory (1MiB, 256KiB, bytes; default: the image's)", kind: "number", fallback: null,
    parse: (v, w) => parseSize(text(v, w), w), show: showSize, plotTitle: "memory (MiB)", plotScale: 1 / (1 << 20),
  },
  {
    name: "at", describe: "guest instructions run on host A before the migration starts", kind: "number", fallback: 0,
    parse: (v, w) => wholeNumber(v, w, 0), show: plain, plotTitle: "migration point (instructions)", plotScale: 1,
  },
  {
    name: "push-order", describe: "post-copy background push order", kind: "choice", fallback: DEFAULTS.pushOrder,
    parse: choice(PUSH_ORDERS), show: plain, plotTitle: "push order", plotScale: 1,
  },
  {
    name: "machine", describe: "process (program), monitor or bare (kernel); default: process for a program, monitor otherwise",
    kind: "choice", fallback: null,
    parse: choice(MACHINES), show: plain, plotTitle: "machine", plotScale: 1,
  },
];

const BY_NAME = new Map(AXES.map((a) => [a.name, a]));

/** `args.KEY`: a guest boot argument; numeric when every value is a number. */
function argAxis(name: string): AxisDef {
  const key = name.slice(ARG_PREFIX.length);
  return {
    name, describe: `guest argument ${key}`, kind: "number", fallback: null,
    parse: (value, where) => {
      const t = text(value, where);
      if (/[\s=]/.test(t)) throw new UserError(`${where}: ${JSON.stringify(t)}: a guest argument value cannot hold spaces or '='`);
      // Whole numbers become numbers, so a spec's 100 and the command line's "100" are one value.
      return /^-?\d+$/.test(t) && Number.isSafeInteger(Number(t)) ? Number(t) : typeof value === "number" ? value : t;
    },
    show: plain, plotTitle: key, plotScale: 1,
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
