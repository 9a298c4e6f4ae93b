/**
 * Argument hygiene that yargs leaves to each program, applied to every command in one place:
 *
 * - an option that takes a value must get one (`--at` alone is an error, not silently unset);
 * - a number option shows what was typed when it is not a number (`--at "2O"`, never `NaN`);
 * - an unknown option is named once, as typed, with the nearest known option as a suggestion
 *   (yargs names both spellings, `foo-bar, fooBar`, and suggests nothing).
 */
import type { Argv } from "yargs";

/** Every option that takes a value requires one, and numbers are checked against the raw text. */
export function strictValues<T>(yargs: Argv<T>, argv: string[]): Argv<T> {
  const options = parsedOptions(yargs);
  const valueless = new Set([...options.boolean, ...options.count, "help", "version"]);
  const withValues = Object.keys(options.key).filter((key) => !valueless.has(key));
  if (withValues.length > 0) yargs.requiresArg(withValues);
  return yargs.middleware((args) => {
    for (const key of options.number) {
      const value = args[key];
      for (const n of Array.isArray(value) ? value : [value]) {
        if (typeof n === "number" && Number.isNaN(n)) {
          throw new UsageProblem(`--${key} ${JSON.stringify(rawValue(argv, key) ?? String(n))}: expected a number`);
        }
      }
    }
  }, true);
}

/** A usage mistake found by our own checks (exit 2), as opposed to bad input (exit 1). */
export class UsageProblem extends Error {}

/** The text typed after `--key` (or in `--key=text`), as the user wrote it. */
function rawValue(argv: string[], key: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word.startsWith(`--${key}=`)) return word.slice(key.length + 3);
    if (word === `--${key}`) return argv[i + 1];
  }
  return undefined;
}

/**
 * yargs' "unknown arguments: foo-bar, fooBar" as one name per typed word, each with a suggestion
 * from `known` when one is close: `unknown option --stratgy (did you mean --strategy?)`.
 */
export function describeUnknown(list: string, argv: string[], known: string[]): string {
  const names = list.split(", ");
  const typed = argv.filter((word) => names.some((name) => typedAs(word, name)));
  const words = [...new Set(typed.map((word) => word.split("=")[0]!))];
  if (words.length === 0) words.push(...names);
  const described = words.map((word) => {
    const option = word.startsWith("-");
    const bare = word.replace(/^-+/, "");
    const near = option ? nearest(bare, known) : undefined;
    return `${option ? "unknown option" : "unexpected argument"} ${word}${near ? ` (did you mean --${near}?)` : ""}`;
  });
  return described.join("; ");
}

function typedAs(word: string, name: string): boolean {
  const bare = word.replace(/^-+/, "").split("=")[0]!;
  return bare === name || camel(bare) === name || (word.startsWith("--no-") && bare.slice(3) === name);
}

const camel = (text: string): string => text.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** The known name at the smallest edit distance from `name`, if it is close enough to be a typo. */
function nearest(name: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_v, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

/** The kebab-case option names a parsed command knows, for suggestions. */
export function knownOptions(yargs: Argv): string[] {
  const { key } = parsedOptions(yargs);
  return Object.keys(key).filter((name) => !/[A-Z]/.test(name) && name !== "$0");
}

interface OptionTables {
  key: Record<string, boolean>;
  boolean: string[];
  count: string[];
  number: string[];
}

/** yargs' option tables: a public method its type declarations leave out. */
const parsedOptions = (yargs: Argv<unknown>): OptionTables =>
  (yargs as unknown as { getOptions(): OptionTables }).getOptions();
