/**
 * An image's symbols sorted for lookup both ways: the symbol an address falls in (binary
 * search, for fault reports, traces and profiles that name every pc) and the address of a name.
 * An address is named as objdump names it: `main`, `main+0x10`.
 */
import type { ImageSymbol } from "./model.js";

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

export class SymbolTable {
  /** Sorted by address; of several at one address, the first given. */
  private readonly sorted: ImageSymbol[];
  private readonly byName = new Map<string, number>();

  constructor(symbols: readonly ImageSymbol[] = []) {
    this.sorted = [...symbols].sort((a, b) => (a.address >>> 0) - (b.address >>> 0));
    for (const s of symbols) if (!this.byName.has(s.name)) this.byName.set(s.name, s.address >>> 0);
  }

  get size(): number {
    return this.sorted.length;
  }

  /** The address of `name`, or undefined. */
  address(name: string): number | undefined {
    return this.byName.get(name);
  }

  /** Index in `sorted` of the last symbol at or below `address`, or -1. */
  private indexAt(address: number): number {
    const a = address >>> 0;
    let lo = 0;
    let hi = this.sorted.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]!.address >>> 0 <= a) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Of several symbols at one address, the first.
    while (found > 0 && this.sorted[found - 1]!.address === this.sorted[found]!.address) found--;
    return found;
  }

  /** The symbol `address` falls in (the nearest at or below it), or undefined. */
  at(address: number): ImageSymbol | undefined {
    const i = this.indexAt(address);
    return i < 0 ? undefined : this.sorted[i];
  }

  /** `main` or `main+0x10`, or undefined below the first symbol. */
  name(address: number): string | undefined {
    const s = this.at(address);
    if (!s) return undefined;
    const offset = (address >>> 0) - (s.address >>> 0);
    return offset === 0 ? s.name : `${s.name}+0x${offset.toString(16)}`;
  }

  /** `0x00001394 <main+0x10>`, or the bare address when no symbol names it. */
  describe(address: number): string {
    const name = this.name(address);
    return name === undefined ? hex8(address) : `${hex8(address)} <${name}>`;
  }

  /** [start, end) of the symbol `name`: up to the next symbol at a higher address (or start + 4). */
  extent(name: string): [number, number] | undefined {
    const start = this.byName.get(name);
    if (start === undefined) return undefined;
    const next = this.sorted.find((s) => s.address >>> 0 > start);
    return [start, next ? next.address >>> 0 : start + 4];
  }
}
