/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial): a table-driven loop, and a native one once
 * more than `TABLE_BYTES` have been checked — @node-rs/crc32 (crc32fast, carry-less multiply
 * where the CPU has it), else Node's `zlib.crc32` (from 20.15 and 22.2). Per 4 KiB page, the
 * migration stream's unit, @node-rs/crc32 took about 0.6 of zlib's time (and zlib about a
 * tenth of the table's). Loading @node-rs/crc32 takes milliseconds, so a process that checks
 * little never loads it. zlib is built in: loading it and checking a 16 KiB image took about
 * 1 ms, where the table's loop, not yet optimized in a new process, took 2–10 ms; so an
 * input of `ZLIB_BYTES` or more goes to zlib from the start (a cold `toyvmm boot` checks one).
 */
import { createRequire } from "node:module";

type Crc32 = (bytes: Uint8Array, crc?: number) => number;

/** Bytes checked before the fastest native CRC-32 is loaded. */
export const TABLE_BYTES = 1 << 20;
/** Inputs this long go to zlib (when the runtime has it) before TABLE_BYTES are reached. */
export const ZLIB_BYTES = 4096;

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
/** zlib's, once an input of ZLIB_BYTES came before `native` was loaded; null when there is none. */
let zlib: Crc32 | null | undefined;

/** The CRC-32 of `bytes`; pass a previous result as `crc` to continue over more bytes. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  if (native === undefined) {
    checked += bytes.length;
    if (checked <= TABLE_BYTES) {
      if (zlib === undefined && bytes.length >= ZLIB_BYTES) zlib = zlibCrc32();
      return zlib ? zlib(bytes, crc) : tableCrc32(bytes, crc);
    }
    native = nativeCrc32();
  }
  return native ? native(bytes, crc) : tableCrc32(bytes, crc);
}
