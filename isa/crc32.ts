/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial): a table-driven loop, and a native one once
 * more than `TABLE_BYTES` have been checked — @node-rs/crc32 (crc32fast, carry-less multiply
 * where the CPU has it), else Node's `zlib.crc32` (from 20.15 and 22.2). Per 4 KiB page, the
 * migration stream's unit, @node-rs/crc32 took about 0.6 of zlib's time (and zlib about a
 * tenth of the table's). Loading either takes milliseconds, more than the table takes over
 * the image a boot reads, so a process that checks little loads neither.
 */
import { createRequire } from "node:module";

type Crc32 = (bytes: Uint8Array, crc?: number) => number;

/** Bytes checked with the table before zlib is loaded. */
export const TABLE_BYTES = 1 << 20;

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** The table-driven CRC-32; `crc32` is this until TABLE_BYTES, and on a runtime without `zlib.crc32`. */
export function tableCrc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * The table-driven CRC-32 of `bytes[start, end)`, continuing `crc`: for a few bytes in place
 * (a frame's fields), where making a view and calling the native one cost several times more.
 */
export function crc32Range(bytes: Uint8Array, start: number, end: number, crc = 0): number {
  let c = ~crc;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** zlib's CRC-32, or null on a runtime without it. */
export function zlibCrc32(): Crc32 | null {
  const { crc32 } = process.getBuiltinModule("node:zlib") as { crc32?: Crc32 };
  return typeof crc32 === "function" ? (bytes, crc = 0) => crc32(bytes, crc) : null;
}

/** @node-rs/crc32's, or null where its binary does not load (a platform without one). */
export function rustCrc32(): Crc32 | null {
  try {
    const { crc32 } = createRequire(import.meta.url)("@node-rs/crc32") as { crc32: (bytes: Uint8Array, crc?: number) => number };
    return (bytes, crc = 0) => crc32(bytes, crc);
  } catch {
    return null;
  }
}

/** The fastest native CRC-32 this runtime has, or null. */
export function nativeCrc32(): Crc32 | null {
  return rustCrc32() ?? zlibCrc32();
}

let checked = 0;
/** The native one, once loaded; null when the runtime has none. */
let native: Crc32 | null | undefined;

/** The CRC-32 of `bytes`; pass a previous result as `crc` to continue over more bytes. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  if (native === undefined) {
    checked += bytes.length;
    if (checked <= TABLE_BYTES) return tableCrc32(bytes, crc);
    native = nativeCrc32();
  }
  return native ? native(bytes, crc) : tableCrc32(bytes, crc);
}
