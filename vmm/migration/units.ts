/**
 * Human units for migration parameters, with their conventional meanings and case significant:
 *
 *   bandwidth  bytes: B/s, kB/s (= KB/s), MB/s, GB/s (powers of 1000), KiB/s, MiB/s, GiB/s
 *              (powers of 1024), or a plain number of bytes per second;
 *              bits:  bit/s, kbit/s, Mbit/s, Gbit/s, b/s, kb/s, Mb/s, Gb/s, bps, kbps, Mbps, Gbps
 *   duration   ns, us (= µs), ms, s
 *   count      a plain number, or k/K, M, G (powers of 1000)
 *   size       B, KiB, MiB, GiB; K, M, G as QEMU's `-m` reads them (powers of 1024);
 *              kB (= KB), MB, GB (powers of 1000); or a plain number of bytes
 *
 * `mb/s` or `MS` could mean two things, so a spelling that matches a unit only when case is
 * ignored is refused with the spellings it might have meant. Results are whole numbers (bytes
 * per second, nanoseconds); bad text is a one-line UserError.
 */
import { MAX_MEMORY, PAGE_SIZE } from "../../isa/arch.js";
import { UserError } from "../../isa/errors.js";

const NUMBER = "(\\d+(?:\\.\\d+)?(?:e\\d+)?)";

type Units = Record<string, number>;

/** A kind of quantity: its units, how an error lists them, and an example. */
interface Kind {
  units: Units;
  names: string;
  example: string;
  needUnit: boolean;
}

const RATE_UNITS: Units = {
  "": 1, "B/s": 1, "kB/s": 1e3, "KB/s": 1e3, "MB/s": 1e6, "GB/s": 1e9,
  "KiB/s": 1024, "MiB/s": 1 << 20, "GiB/s": 1 << 30,
  "bit/s": 1 / 8, "kbit/s": 1e3 / 8, "Mbit/s": 1e6 / 8, "Gbit/s": 1e9 / 8,
  "b/s": 1 / 8, "kb/s": 1e3 / 8, "Kb/s": 1e3 / 8, "Mb/s": 1e6 / 8, "Gb/s": 1e9 / 8,
  bps: 1 / 8, kbps: 1e3 / 8, Mbps: 1e6 / 8, Gbps: 1e9 / 8,
};

const RATE: Kind = {
  units: RATE_UNITS,
  names: "B/s, kB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s; bits: bit/s, kbit/s, Mbit/s, Gbit/s, Mb/s, Mbps",
  example: "100MB/s or 1Gbit/s",
  needUnit: false,
};
const TIME: Kind = { units: { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 }, names: "ns, us, ms, s", example: "30ms or 250us", needUnit: true };
const SIZE: Kind = {
  units: { "": 1, B: 1, KiB: 1024, MiB: 1 << 20, GiB: 1 << 30, K: 1024, M: 1 << 20, G: 1 << 30, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 },
  names: "KiB, MiB, GiB, K, M, G, kB, MB, GB",
  example: "4MiB or 256KiB",
  needUnit: false,
};
/** A cost per byte, in picoseconds: `1ns`, `800ps`, `0.5ns`. */
const COST: Kind = { units: { ps: 1, ns: 1e3, us: 1e6, µs: 1e6 }, names: "ps, ns, us (a byte)", example: "1ns or 800ps", needUnit: true };
const COUNT: Kind = { units: { "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9 }, names: "k, M, G", example: "100M or 1e8", needUnit: false };

/** The units spelled like `unit` but for case: what a user who typed it may have meant. */
function lookalikes(unit: string, units: Units): string[] {
  return Object.keys(units).filter((u) => u !== "" && u.toLowerCase() === unit.toLowerCase());
}

function parse(option: string, text: string, { units, names, example, needUnit }: Kind): number {
  const shown = JSON.stringify(text);
  const match = new RegExp(`^${NUMBER}\\s*([a-zA-Zµ/]*)$`).exec(text.trim());
  const unit = match?.[2] ?? "";
  const factor = match ? units[unit] : undefined;
  if (match && factor === undefined) {
    const meant = lookalikes(unit, units);
    if (meant.length > 0) {
      throw new UserError(`${option} ${shown}: "${unit}" is not a unit; units are case-sensitive: did you mean ${meant.join(" or ")}?`);
    }
  }
  if (!match || factor === undefined || (needUnit && unit === "")) {
    throw new UserError(`${option} ${shown}: expected a number with a unit (${names}), e.g. ${example}`);
  }
  const value = Math.round(Number(match[1]) * factor);
  if (!Number.isSafeInteger(value)) throw new UserError(`${option} ${shown}: out of range`);
  return value;
}

/** Bytes per second. */
export function parseBandwidth(text: string, option = "--bandwidth"): number {
  const v = parse(option, text, RATE);
  if (v <= 0) throw new UserError(`${option} ${JSON.stringify(text)}: must be more than 0 bytes per second`);
  return v;
}

/** Nanoseconds. */
export function parseDuration(text: string, option: string): number {
  return parse(option, text, TIME);
}

/** A plain count with an optional k/M/G suffix. */
export function parseCount(text: string, option: string): number {
  const v = parse(option, text, COUNT);
  if (v <= 0) throw new UserError(`${option} ${JSON.stringify(text)}: must be more than 0`);
  return v;
}

/** A guest memory size: a whole number of pages from one page up to the machine's limit. */
export function parseMemorySize(text: string, option: string): number {
  const bytes = parse(option, text, SIZE);
  if (bytes < PAGE_SIZE || bytes > MAX_MEMORY || bytes % PAGE_SIZE !== 0) {
    throw new UserError(
      `${option} ${JSON.stringify(text)}: guest memory is a multiple of ${PAGE_SIZE} bytes from ${formatSize(PAGE_SIZE)} to ${formatSize(MAX_MEMORY)}`,
    );
  }
  return bytes;
}

/** Time per byte (compression's cost), in whole picoseconds. */
export function parseCostPerByte(text: string, option: string): number {
  return parse(option, text, COST);
}

/** `1 ns`, `800 ps`: a cost per byte in picoseconds, shown in the larger unit where it is whole. */
export function formatPs(ps: number): string {
  return ps % 1000 === 0 ? `${ps / 1000} ns` : `${ps} ps`;
}

/** A cache size (XBZRLE's): from one page up to the machine's memory limit. */
export function parseCacheSize(text: string, option: string): number {
  const bytes = parse(option, text, SIZE);
  if (bytes < PAGE_SIZE || bytes > MAX_MEMORY) {
    throw new UserError(`${option} ${JSON.stringify(text)}: a cache holds from ${formatSize(PAGE_SIZE)} (a page) to ${formatSize(MAX_MEMORY)}`);
  }
  return bytes;
}

/** `64 MiB`, `4 KiB`, `1536 B`: the largest binary unit that divides the size. */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [["GiB", 1 << 30], ["MiB", 1 << 20], ["KiB", 1024]] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor} ${unit}`;
  }
  return `${bytes} B`;
}

/** `1.500 ms`, `250.000 us`, `3 ns`: a duration in the largest unit it reaches. */
export function formatNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(3)} us`;
  return `${ns} ns`;
}

/** Bytes in decimal megabytes to three places, as the experiment tables give them: "2.347 MB". */
export const formatMegabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(3)} MB`;
