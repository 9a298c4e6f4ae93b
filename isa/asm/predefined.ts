/**
 * Symbols every program sees without defining them: the architecture's constants, derived from
 * isa/arch.ts so that no assembly library has to type them again. A program may not redefine
 * them (context.ts reports that at the definition).
 *
 *   SYS_<NAME>    system-call numbers (SYS, e.g. SYS_GETPID)
 *   PORT_<NAME>   I/O ports (PORT, e.g. PORT_CONSOLE_DATA)
 *   CAUSE_*, STATUS_*, IRQ_*, PTE_*, PAGE_*, NET_*   the exports of arch.ts with those names
 *
 * Control registers need no symbols: csrr/csrw take their names.
 */
import * as arch from "../arch.js";

export interface PredefinedSymbol {
  name: string;
  /** As a 32-bit unsigned value (CAUSE_TIMER is 0x80000000, not -2^31). */
  value: number;
  /** Where in arch.ts it comes from, for the docs and for error messages. */
  source: string;
}

/** consoleData → CONSOLE_DATA, getpid → GETPID. */
const upperSnake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

/** Exports of arch.ts that are single numbers and named with one of these prefixes. */
const ARCH_PREFIXES = ["CAUSE_", "STATUS_", "IRQ_", "PTE_", "PAGE_", "NET_"] as const;

function fromTable(prefix: string, table: Record<string, number>, tableName: string): PredefinedSymbol[] {
  return Object.entries(table).map(([key, value]) => ({ name: `${prefix}_${upperSnake(key)}`, value: value >>> 0, source: `${tableName}.${key}` }));
}

function fromExports(): PredefinedSymbol[] {
  return Object.entries(arch)
    .filter((entry): entry is [string, number] => typeof entry[1] === "number" && ARCH_PREFIXES.some((p) => entry[0].startsWith(p)))
    .map(([name, value]) => ({ name, value: value >>> 0, source: name }))
    .sort((x, y) => prefixRank(x.name) - prefixRank(y.name) || x.value - y.value || byCodeUnits(x.name, y.name));
}

/** Plain string order: localeCompare would load the ICU collator at every start (~5 ms). */
const byCodeUnits = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

function prefixRank(name: string): number {
  return ARCH_PREFIXES.findIndex((p) => name.startsWith(p));
}

export const PREDEFINED_SYMBOLS: readonly PredefinedSymbol[] = [
  ...fromTable("SYS", arch.SYS, "SYS"),
  ...fromTable("PORT", arch.PORT, "PORT"),
  ...fromExports(),
];

export const PREDEFINED_BY_NAME: ReadonlyMap<string, PredefinedSymbol> = new Map(PREDEFINED_SYMBOLS.map((s) => [s.name, s]));
