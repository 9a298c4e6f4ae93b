/**
 * The project's schema vocabulary, on zod: the kinds of field toyvmm's saved states (and later
 * the hosts' control protocol) are made of, each with its problem in toyvmm's words, and a
 * check that turns the first problem into one line naming the field:
 *
 *   cpu.ticks: expected a whole number ≥ 0
 *
 * Anything that arrives from outside is checked against a schema before a VM is built from it.
 * Messages never echo more than a few characters of what arrived: a hostile peer cannot make
 * them long or split them over lines.
 */
import { z } from "zod";
import { MAX_MEMORY, PAGE_SIZE } from "./arch.js";
import { UserError } from "./errors.js";

export { z };

/** Longest name of a VM or program (a file path at most). */
export const NAME_MAX = 4096;
/** Longest one-line message or argument text kept in a state. */
export const LINE_MAX = 65536;

/** Longest text a key or value is shown with in a message. */
const SHOWN_MAX = 40;

/** `key`, or the key quoted and cut when it is not a plain identifier. */
function showKey(key: PropertyKey): string {
  const text = String(key);
  if (/^[A-Za-z_$][\w$]*$/.test(text) && text.length <= SHOWN_MAX) return text;
  return JSON.stringify(text.length > SHOWN_MAX ? `${text.slice(0, SHOWN_MAX)}…` : text);
}

/** A value as JSON, at most a few characters. */
function showValue(value: unknown): string {
  const json = value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value));
  return json.length > SHOWN_MAX ? `${json.slice(0, SHOWN_MAX)}…` : json;
}

/** `cpu.regs[3]`, `syscalls.write`, `stats.traps["odd key"]`. */
function showPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else {
      const shown = showKey(key);
      out += shown.startsWith('"') ? `[${shown}]` : out === "" ? shown : `.${shown}`;
    }
  }
  return out;
}

/** An integer from `min` to `max` (both safe integers). */
export function wholeNumber(min = 0, max = Number.MAX_SAFE_INTEGER): z.ZodNumber {
  const error = max === Number.MAX_SAFE_INTEGER ? `expected a whole number ≥ ${min}` : `expected a whole number from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A register or control register: a signed 32-bit integer, as an Int32Array holds it. */
export const int32 = z
  .number({ error: "expected a 32-bit integer" })
  .int({ error: "expected a 32-bit integer" })
  .min(-0x80000000, { error: "expected a 32-bit integer" })
  .max(0x7fffffff, { error: "expected a 32-bit integer" });

/** A 32-bit word seen either way: signed (an int32) or unsigned. */
export const word32 = z
  .number({ error: "expected a 32-bit value" })
  .int({ error: "expected a 32-bit value" })
  .min(-0x80000000, { error: "expected a 32-bit value" })
  .max(0xffffffff, { error: "expected a 32-bit value" });

export const flag = z.boolean({ error: "expected true or false" });

/** Guest memory in bytes, as `Memory` accepts it: whole pages, at most MAX_MEMORY. */
export const memorySize = (() => {
  const error = `expected a multiple of ${PAGE_SIZE} from ${PAGE_SIZE} to ${MAX_MEMORY}`;
  return z.number({ error }).int({ error }).min(PAGE_SIZE, { error }).max(MAX_MEMORY, { error }).multipleOf(PAGE_SIZE, { error });
})();

/**
 * The problem with a pc where the CPU fetches with paging off (an int32, as the CPU keeps it):
 * it must be a word-aligned address inside memory. Null when it is one.
 */
export function physicalPcProblem(pc: number, memoryBytes: number): string | null {
  const address = pc >>> 0;
  return address % 4 === 0 && address < memoryBytes ? null : `expected a word-aligned address below ${memoryBytes} (paging is off)`;
}

/** Text of at most `max` UTF-16 units. */
export function text(max: number): z.ZodString {
  const error = `expected text of at most ${max} characters`;
  return z.string({ error }).max(max, { error });
}

/** One of a few strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const error = `expected ${values.map((v) => JSON.stringify(v)).join(", ").replace(/, ([^,]*)$/, " or $1")}`;
  return z.enum(values, { error });
}

/** The one format version this code reads. */
export function version<const V extends number>(current: V) {
  return z.literal(current, { error: (issue) => `${showValue(issue.input)} is not supported (this toyvmm reads ${current})` });
}

/** Exactly `length` items, e.g. `fixed(int32, 16, "registers")`. */
export function fixed<T extends z.ZodType>(item: T, length: number, what: string) {
  const error = `expected ${length} ${what}`;
  return z.array(item, { error }).length(length, { error });
}

/** At most `max` items. */
export function list<T extends z.ZodType>(item: T, max: number, what: string) {
  const error = `expected a list of at most ${max} ${what}`;
  return z.array(item, { error }).max(max, { error });
}

/** A JSON object with exactly these fields (optional ones may be absent); any other field is a problem. */
export function record<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? `unexpected field ${issue.keys.map(showKey).join(", ")}` : "expected an object"),
  });
}

/** Counts by name, e.g. system calls made; with `names`, any other name is a problem. */
export function counts(names?: readonly [string, ...string[]]): z.ZodType<Record<string, number>> {
  const error = (issue: { code: string; keys?: PropertyKey[] }) =>
    issue.code === "unrecognized_keys" || issue.code === "invalid_key" ? `unexpected name ${showKey(issue.keys?.[0] ?? "")}` : "expected an object of counts";
  if (!names) return z.record(text(SHOWN_MAX), wholeNumber(), { error });
  // Absent names count 0; the output type says what `save()` produced, a record of numbers.
  return z.partialRecord(z.enum(names, { error: "unexpected name" }), wholeNumber(), { error }) as z.ZodType<Record<string, number>>;
}

/**
 * `build`, made once per key and kept for the last `kept` keys: zod compiles a schema the first
 * time it checks with it, which costs more than the check, and a schema built per check (per
 * migration, say: for a memory's size, a program's bounds) pays that every time.
 */
export function keptSchemas<A extends unknown[], S>(build: (...args: A) => S, keyOf: (...args: A) => string, kept = 16): (...args: A) => S {
  const made = new Map<string, S>();
  return (...args) => {
    const key = keyOf(...args);
    let schema = made.get(key);
    if (schema === undefined) {
      if (made.size >= kept) made.delete(made.keys().next().value!);
      made.set(key, (schema = build(...args)));
    }
    return schema;
  };
}

/** One line for zod's first issue: `field.path: what is wrong`, or just what is wrong for the value itself. */
function firstProblem(error: z.ZodError, root: string): string {
  const issue = error.issues[0]!;
  const path = showPath([...(root ? [root] : []), ...issue.path]);
  const message = issue.message.replace(/\s+/g, " ");
  return path ? `${path}: ${message}` : message;
}

/** The first problem with `value` as one line, its field under `root` when given ("config.kind: …"); null when it fits. */
export function problemOf(schema: z.ZodType, value: unknown, root = ""): string | null {
  const result = schema.safeParse(value);
  return result.success ? null : firstProblem(result.error, root);
}

/** `value` as the schema reads it; otherwise a UserError `what: field: problem`. */
export function parseAs<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new UserError(`${what}: ${firstProblem(result.error, "")}`);
}
