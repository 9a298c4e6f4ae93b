/**
 * Human units for migration parameters: bandwidth (`100MB/s`, `1Gbit/s`, `512KiB/s`, plain
 * bytes per second), durations (`30ms`, `250us`, `2s`, `500ns`) and speeds (`1e8`, `100M`).
 * Results are whole numbers (bytes per second, nanoseconds); bad text is a one-line UserError.
 */
import { UserError } from "../../isa/errors.js";

const NUMBER = "(\\d+(?:\\.\\d+)?(?:e\\d+)?)";

const RATE_UNITS: Record<string, number> = {
  "": 1, "b/s": 1, "kb/s": 1e3, "mb/s": 1e6, "gb/s": 1e9, "kib/s": 1024, "mib/s": 1 << 20, "gib/s": 1 << 30,
  "bit/s": 1 / 8, "kbit/s": 1e3 / 8, "mbit/s": 1e6 / 8, "gbit/s": 1e9 / 8,
};
const TIME_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 };
const COUNT_UNITS: Record<string, number> = { "": 1, k: 1e3, m: 1e6, g: 1e9 };

function parse(option: string, text: string, units: Record<string, number>, example: string, needUnit: boolean): number {
  const match = new RegExp(`^${NUMBER}\\s*([a-zµ/]*)$`, "i").exec(text.trim());
  const unit = match?.[2]?.toLowerCase() ?? "";
  const factor = match ? units[unit] : undefined;
  if (!match || factor === undefined || (needUnit && unit === "")) {
    throw new UserError(`${option} ${JSON.stringify(text)}: expected a number with a unit (${Object.keys(units).filter(Boolean).join(", ")}), e.g. ${example}`);
  }
  const value = Math.round(Number(match[1]) * factor);
  if (!Number.isSafeInteger(value)) throw new UserError(`${option} ${JSON.stringify(text)}: out of range`);
  return value;
}

/** Bytes per second. */
export function parseBandwidth(text: string, option = "--bandwidth"): number {
  const v = parse(option, text, RATE_UNITS, "100MB/s or 1Gbit/s", false);
  if (v <= 0) throw new UserError(`${option} ${JSON.stringify(text)}: must be more than 0 bytes per second`);
  return v;
}

/** Nanoseconds. */
export function parseDuration(text: string, option: string): number {
  return parse(option, text, TIME_UNITS, "30ms or 250us", true);
}

/** A plain count with an optional k/M/G suffix. */
export function parseCount(text: string, option: string): number {
  const v = parse(option, text, COUNT_UNITS, "100M or 1e8", false);
  if (v <= 0) throw new UserError(`${option} ${JSON.stringify(text)}: must be more than 0`);
  return v;
}
