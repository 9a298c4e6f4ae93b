/**
 * System calls by name: the architecture's (SYS, isa/arch.ts, which the process VM and every
 * bundled kernel serve) and those a kernel adds after them — the networked kernels' socket
 * calls, threads' lwp_create — named as the kernel's own dispatch table names them: entry N of
 * `sys_table` is the handler `sys_NAME`. So the kernel's source stays the one place that
 * numbers them.
 */
import { SYS } from "../../isa/arch.js";
import type { Target } from "./target.js";

const ARCH_NAMES: Record<number, string> = Object.fromEntries(Object.entries(SYS).map(([n, v]) => [v, n]));
const TABLE = "sys_table";
const HANDLER = "sys_";

/** Entries of the kernel's table: the words from `sys_table` up to the next symbol (0 without one). */
function tableSize(target: Target): number {
  const extent = target.symbols.extent(TABLE);
  return extent ? Math.floor((Math.min(extent[1], target.memory.size) - extent[0]) / 4) : 0;
}

/** `socket` for entry `number` when the kernel's table holds `sys_socket` there, else undefined. */
function tableName(target: Target, number: number): string | undefined {
  if (!(number >= 0 && number < tableSize(target))) return undefined;
  const handler = target.memory.words[(target.symbols.address(TABLE)! >>> 2) + number]! >>> 0;
  const symbol = target.symbols.at(handler);
  if (!symbol || symbol.address >>> 0 !== handler || !symbol.name.startsWith(HANDLER)) return undefined;
  return symbol.name.slice(HANDLER.length);
}

/** `write`, `socket`, … or the number itself when nothing names it. */
export function syscallName(target: Target, number: number): string {
  return ARCH_NAMES[number] ?? tableName(target, number) ?? String(number);
}

/** Number → name of every system call the guest has a name for. */
export function syscallTable(target: Target): Map<number, string> {
  const names = new Map(Object.entries(SYS).map(([name, n]) => [n as number, name]));
  for (let n = 0; n < tableSize(target); n++) {
    const name = tableName(target, n);
    if (name !== undefined && !names.has(n)) names.set(n, name);
  }
  return names;
}
