/**
 * Reading one parameter value from a spec (JSON) or the command line (text), with the place
 * named in every error. A quantity is a whole number in base units within a range; text takes
 * units (vmm/migration/units.ts). The ranges keep every virtual time a point can reach a safe
 * integer, so no value a user can write ends in anything but a one-line UserError.
 */
import { UserError } from "../../isa/errors.js";

export type AxisValue = number | string;

/** How a value looked as given: `0`, `"1GiB"`, `true`, `NaN`. */
export const shown = (value: unknown): string =>
  typeof value === "number" || value === undefined ? String(value) : JSON.stringify(value);

export interface Range {
  min: number;
  max: number;
  /** What a plain number means: "bytes per second". */
  base: string;
  /** Text that parses, for the message: "100MB/s". */
  example: string;
  show(value: number): string;
}

/** A non-empty string or a finite number, as text. */
export function text(value: unknown, where: string): string {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  throw new UserError(`${where}: ${shown(value)}: expected a number or a string`);
}

/** A whole number in `range`: a JSON number in base units, or text read by `parseText`. */
export function quantity(range: Range, parseText?: (text: string, where: string) => number) {
  const expected = parseText ? `a number of ${range.base} or text such as ${range.example}` : `a whole number of ${range.base}`;
  return (value: unknown, where: string): number => {
    let n: number;
    if (typeof value === "number") n = value;
    else if (typeof value === "string" && value.trim() !== "") n = parseText ? parseText(value.trim(), where) : wholeText(value, where, expected);
    else throw new UserError(`${where}: ${shown(value)}: expected ${expected}`);
    if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
      throw new UserError(`${where}: ${shown(value)}: must be a whole number of ${range.base} from ${range.show(range.min)} to ${range.show(range.max)}`);
    }
    return n;
  };
}

function wholeText(value: string, where: string, expected: string): number {
  if (!/^\d+$/.test(value.trim())) throw new UserError(`${where}: ${shown(value)}: expected ${expected}`);
  return Number(value);
}

export function choice(values: readonly string[]) {
  return (value: unknown, where: string): string => {
    if (typeof value === "string" && values.includes(value)) return value;
    throw new UserError(`${where}: ${shown(value)} is not one of ${values.join(", ")}`);
  };
}
