/**
 * Compression of page payloads: LZ4 blocks (lz4-napi, the Rust lz4_flex behind N-API; why
 * this one: docs/ARCHITECTURE.md, "Dependencies"). A compressed page is the block with its
 * length (4096) in front, as lz4_flex writes it. The native module is loaded on the first
 * compressed page, so a migration without compression never loads it.
 *
 * Nothing that arrives is trusted: the stated length must be a page's before the library sees
 * the block, and a block that does not decode to exactly a page is refused.
 */
import { createRequire } from "node:module";
import { PAGE_SIZE } from "../../isa/arch.js";

interface Lz4 {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Uint8Array): Buffer;
}

let lz4: Lz4 | null = null;
function library(): Lz4 {
  lz4 ??= createRequire(import.meta.url)("lz4-napi") as Lz4;
  return lz4;
}

/** The page compressed (its length in front), in a buffer of the library's. */
export function compressPage(page: Uint8Array): Uint8Array {
  return library().compressSync(Buffer.from(page.buffer, page.byteOffset, page.length));
}

/** Decompresses `data` into `page`: null when it held exactly a page, else the problem. */
export function decompressPage(data: Uint8Array, page: Uint8Array): string | null {
  if (data.length < 5) return `${data.length} bytes are too few for a compressed page`;
  const stated = (data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24)) >>> 0;
  if (stated !== PAGE_SIZE) return `says it holds ${stated} bytes, not a page (${PAGE_SIZE})`;
  let out: Buffer;
  try {
    out = library().uncompressSync(data);
  } catch (error) {
    return `not an LZ4 block (${(error as Error).message})`;
  }
  if (out.length !== PAGE_SIZE) return `decodes to ${out.length} bytes, not a page (${PAGE_SIZE})`;
  page.set(out);
  return null;
}
