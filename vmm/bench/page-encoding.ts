/**
 * What a page costs to travel as fewer bytes, per page, side by side in one run: XBZRLE's
 * encoding and decoding (xbzrle.ts) and LZ4 compression and decompression (compress.ts), with
 * Node's zlib (deflate-raw, level 1) beside them as the alternative it was chosen over, and the
 * plain page frame (copy and CRC) as the yardstick. The pages are memwriter's kind: a counter
 * and a few words in zeros, each resent with one word changed; 256 MiB of them (zlib on a
 * sixteenth, for time). Called by `npm run bench`; `node dist/vmm/bench/page-encoding.js` alone.
 */
import { fileURLToPath } from "node:url";
import { deflateRawSync } from "node:zlib";
import { PAGE_SIZE } from "../../isa/arch.js";
import { crc32 } from "../../isa/crc32.js";
import { compressPage, decompressPage } from "../migration/compress.js";
import { encodePageFrame } from "../migration/stream/codec.js";
import { applyDelta, encodeDelta } from "../migration/xbzrle.js";

const PAGES = 1 << 16;

export interface PageEncodingFigure {
  what: string;
  nsPerPage: number;
  /** Bytes out per page in, for the encoders; null for the decoders. */
  ratio: number | null;
}

function timed(pages: number, each: (p: number) => number): { nsPerPage: number; bytes: number } {
  let bytes = 0;
  const start = performance.now();
  for (let p = 0; p < pages; p++) bytes += each(p);
  return { nsPerPage: ((performance.now() - start) * 1e6) / pages, bytes };
}

export function benchPageEncoding(): PageEncodingFigure[] {
  const old = new Uint8Array(PAGES * PAGE_SIZE);
  const oldWords = new Int32Array(old.buffer);
  for (let p = 0; p < PAGES; p++) for (let w = 0; w < 8; w++) oldWords[p * 1024 + w * 97] = (p * 2654435761 + w) | 0;
  const page = new Uint8Array(PAGE_SIZE);
  const pageWords = new Int32Array(page.buffer);
  const out = new Uint8Array(PAGE_SIZE);
  const deltas: Uint8Array[] = new Array(PAGES);
  const packed: Uint8Array[] = new Array(PAGES);
  const current = (p: number) => {
    page.set(old.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
    pageWords[0] = pageWords[0]! + 1;
    return page;
  };
  const figures: PageEncodingFigure[] = [];
  const add = (what: string, pages: number, r: { nsPerPage: number; bytes: number }, decodes = false) =>
    figures.push({ what, nsPerPage: r.nsPerPage, ratio: decodes ? null : r.bytes / (pages * PAGE_SIZE) });
  add("page frame (copy, CRC)", PAGES, timed(PAGES, (p) => encodePageFrame(p, 1, current(p), crc32(page)).length));
  add("XBZRLE encode", PAGES, timed(PAGES, (p) => {
    const n = encodeDelta(old, oldWords, p * PAGE_SIZE, current(p), pageWords, out, PAGE_SIZE);
    deltas[p] = out.slice(0, n);
    return n;
  }));
  add("XBZRLE decode", PAGES, timed(PAGES, (p) => {
    page.set(old.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
    if (applyDelta(deltas[p]!, 0, deltas[p]!.length, page) !== null) throw new Error(`page ${p}: the delta does not apply`);
    return PAGE_SIZE;
  }), true);
  add("LZ4 compress", PAGES, timed(PAGES, (p) => (packed[p] = compressPage(current(p))).length));
  add("LZ4 decompress", PAGES, timed(PAGES, (p) => {
    if (decompressPage(packed[p]!, page) !== null) throw new Error(`page ${p}: does not decompress`);
    return PAGE_SIZE;
  }), true);
  const few = PAGES / 16;
  add("zlib deflate-raw level 1", few, timed(few, (p) => deflateRawSync(current(p), { level: 1 }).length));
  return figures;
}

export function formatPageEncodingReport(figures: PageEncodingFigure[]): string {
  const frame = figures[0]!.nsPerPage;
  const lines = [`pages that travel as fewer bytes (${PAGES} memwriter-like pages, ${(PAGES * PAGE_SIZE) >> 20} MiB; ratio to the page frame's time):`];
  for (const f of figures) lines.push(`  ${f.what.padEnd(25)} ${f.nsPerPage.toFixed(0).padStart(7)} ns/page  ${(f.nsPerPage / frame).toFixed(2).padStart(6)}×${f.ratio === null ? "" : `  out ${(f.ratio * 100).toFixed(2)}% of the page`}`);
  return lines.join("\n") + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.stdout.write(formatPageEncodingReport(benchPageEncoding()));
