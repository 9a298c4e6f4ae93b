/**
 * The listing (address, bytes, source line for every line that produced bytes) and the
 * symbol map (`00001000 _start`, one per line, by address). A line's bytes take at most
 * MAX_ROWS rows, then a count of the rest (GNU as's --listing-cont-lines): an `.incbin` of a
 * whole memory lists as a few rows, not millions.
 */
import type { ImageSymbol } from "../image/model.js";
import type { ListingRow } from "./context.js";

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, "0");
const BYTES_PER_ROW = 8;
const CODE_COLUMN = 28;
const MAX_ROWS = 8;

export function writeListing(rows: readonly ListingRow[]): string {
  const out: string[] = [];
  let file = "";
  for (const row of rows) {
    if (row.line.file !== file) {
      file = row.line.file;
      out.push(`; ${file}`);
    }
    const address = row.address === undefined ? "        " : hex8(row.address);
    const perRow = row.code ? 8 : BYTES_PER_ROW;
    const shown = row.bytes.subarray(0, MAX_ROWS * perRow);
    const chunks = row.code ? words(shown) : bytes(shown);
    const lineNo = String(row.line.line).padStart(5);
    chunks.forEach((chunk, i) => {
      const at = row.address === undefined ? address : hex8(row.address + i * perRow);
      const head = `${lineNo} ${at}  ${chunk}`;
      out.push(i === 0 ? `${head.padEnd(CODE_COLUMN + 6)}  ${row.line.text.trimEnd()}`.trimEnd() : head);
    });
    const rest = row.bytes.length - shown.length;
    if (rest > 0) out.push(`${lineNo} ${" ".repeat(8)}  … ${rest} more bytes`);
    if (chunks.length === 0) out.push(`${lineNo} ${address}`.padEnd(CODE_COLUMN + 8) + row.line.text.trimEnd());
  }
  return out.join("\n") + (out.length ? "\n" : "");
}

/** Instruction words, two per row. */
function words(b: Uint8Array): string[] {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const all: string[] = [];
  for (let i = 0; i + 4 <= b.length; i += 4) all.push(hex8(view.getUint32(i, true)));
  const rows: string[] = [];
  for (let i = 0; i < all.length; i += 2) rows.push(all.slice(i, i + 2).join(" "));
  return rows;
}

function bytes(b: Uint8Array): string[] {
  const rows: string[] = [];
  for (let i = 0; i < b.length; i += BYTES_PER_ROW) {
    rows.push(Array.from(b.subarray(i, i + BYTES_PER_ROW), (x) => x.toString(16).padStart(2, "0")).join(" "));
  }
  return rows;
}

export function writeSymbolMap(symbols: readonly ImageSymbol[]): string {
  return symbols.map((s) => `${hex8(s.address)} ${s.name}\n`).join("");
}
