/**
 * Reading and writing `.tvm` image files. The layout and its field tables are in `layout.ts`;
 * what makes an image valid is in `validate.ts`.
 *
 * Decoding checks, in this order, so that each kind of damage gets its own message: magic,
 * format version, header present, total length against the file's length, checksum, then
 * every table entry is present before it is parsed, and finally the image's own rules.
 * Anything wrong ends in one UserError line; no other exception escapes for any input.
 */
import { crc32 } from "../crc32.js";
import { UserError } from "../errors.js";
import { readRecord, recordSize, writeRecord } from "../binary/record.js";
import {
  CHECKSUM_OFFSET,
  CHECKSUM_START,
  HEADER,
  HEADER_SIZE,
  IMAGE_FORMAT_VERSION,
  IMAGE_MAGIC,
  PROLOGUE,
  PROLOGUE_SIZE,
  SECTION_ENTRY,
  SYMBOL_ENTRY,
  type SectionEntry,
} from "./layout.js";
import { SECTION_ZERO, type GuestImage, type ImageSection, type ImageSymbol } from "./model.js";
import { hex, oneLine, validateImage } from "./validate.js";

export { IMAGE_FORMAT_VERSION, IMAGE_MAGIC } from "./layout.js";
export { validateImage } from "./validate.js";

/** The image as a file. Throws UserError (naming `file`) when the image breaks a rule. */
export function encodeImage(image: GuestImage, file = "image"): Uint8Array {
  validateImage(image, file);
  const sectionEntries = sectionTable(image);
  const last = sectionEntries[sectionEntries.length - 1];
  const dataOffset = last ? last.fileOffset + last.fileLength : PROLOGUE_SIZE + HEADER_SIZE;
  const symbolEntries = image.symbols.map(({ name, address }) => ({ name, address }));
  const totalLength = symbolEntries.reduce((sum, entry) => sum + recordSize(SYMBOL_ENTRY, entry), dataOffset);
  if (totalLength > 0xffffffff) throw new UserError(`${file}: image would be ${totalLength} bytes, too large`);

  const bytes = new Uint8Array(totalLength);
  let at = writeRecord(PROLOGUE, { magic: IMAGE_MAGIC, version: IMAGE_FORMAT_VERSION, checksum: 0 }, bytes, 0);
  at = writeRecord(
    HEADER,
    {
      totalLength,
      flags: image.flags,
      entry: image.entry,
      memorySize: image.memorySize,
      bootArgsAddress: image.bootArgs.address,
      bootArgsSize: image.bootArgs.size,
      sectionCount: image.sections.length,
      symbolCount: image.symbols.length,
    },
    bytes,
    at,
  );
  for (const entry of sectionEntries) at = writeRecord(SECTION_ENTRY, entry, bytes, at);
  image.sections.forEach((s, i) => {
    if (sectionEntries[i]!.fileLength > 0) bytes.set(s.data, sectionEntries[i]!.fileOffset);
  });
  at = dataOffset;
  for (const entry of symbolEntries) at = writeRecord(SYMBOL_ENTRY, entry, bytes, at);
  new DataView(bytes.buffer).setUint32(CHECKSUM_OFFSET, crc32(bytes.subarray(CHECKSUM_START)), true);
  return bytes;
}

/**
 * The section table as the file stores it: where each section's data sits in the file (the
 * layout is canonical, so this is the same for the file an image was read from).
 */
export function sectionTable(image: GuestImage): SectionEntry[] {
  // Entries first with placeholder offsets: their sizes decide where the section data starts.
  const entries: SectionEntry[] = image.sections.map((s) => ({
    name: s.name,
    address: s.address,
    flags: s.flags,
    size: s.size,
    fileOffset: 0,
    fileLength: s.flags & SECTION_ZERO ? 0 : s.data.length,
  }));
  let offset = entries.reduce((sum, entry) => sum + recordSize(SECTION_ENTRY, entry), PROLOGUE_SIZE + HEADER_SIZE);
  for (const entry of entries) {
    entry.fileOffset = offset;
    offset += entry.fileLength;
  }
  return entries;
}

/** What decoding says of bytes that do not start with IMAGE_MAGIC. */
export const BAD_MAGIC = "not a toyvmm image (bad magic)";

/** Parses an image file's bytes; `file` names it in error messages. */
export function decodeImage(bytes: Uint8Array, file: string): GuestImage {
  const fail = (problem: string): never => {
    throw new UserError(oneLine(`${file}: ${problem}`));
  };
  const truncated = (what: string, offset: number, needs: number): never =>
    fail(`truncated at byte ${bytes.length} (${what} needs ${offset + needs - bytes.length} more bytes)`);

  const magicSeen = bytes.subarray(0, IMAGE_MAGIC.length);
  if (magicSeen.length === 0 || magicSeen.some((b, i) => b !== IMAGE_MAGIC[i])) fail(BAD_MAGIC);
  if (bytes.length < PROLOGUE_SIZE + HEADER_SIZE) truncated("header", 0, PROLOGUE_SIZE + HEADER_SIZE);
  const prologue = readRecord(PROLOGUE, bytes, 0, { source: file, record: "prologue" }).record;
  if (prologue.version > IMAGE_FORMAT_VERSION) {
    fail(`image format version ${prologue.version} is newer than this toyvmm supports (${IMAGE_FORMAT_VERSION})`);
  }
  if (prologue.version < 1) fail(`image format version ${prologue.version} is not a valid version`);

  const header = readRecord(HEADER, bytes, PROLOGUE_SIZE, { source: file, record: "header" }).record;
  if (bytes.length < header.totalLength) {
    fail(`truncated at byte ${bytes.length} (the header says the image is ${header.totalLength} bytes)`);
  }
  if (bytes.length > header.totalLength) {
    fail(`${bytes.length - header.totalLength} unexpected bytes after the image's end at byte ${header.totalLength}`);
  }
  const computed = crc32(bytes.subarray(CHECKSUM_START));
  if (computed !== prologue.checksum) fail(`checksum mismatch (stored ${hex(prologue.checksum)}, computed ${hex(computed)})`);

  // From here on the bytes are what some encoder wrote, but maybe not ours: check everything.
  let at = PROLOGUE_SIZE + HEADER_SIZE;
  const entries: SectionEntry[] = [];
  for (let i = 0; i < header.sectionCount; i++) {
    const { record, end } = readRecord(SECTION_ENTRY, bytes, at, { source: file, record: `section ${i}` });
    entries.push(record);
    at = end;
  }
  const sections: ImageSection[] = entries.map((entry, i) => {
    const zero = (entry.flags & SECTION_ZERO) !== 0;
    const expectedLength = zero ? 0 : entry.size;
    if (entry.fileLength !== expectedLength) {
      fail(`section ${entry.name} stores ${entry.fileLength} bytes in the file, expected ${expectedLength}`);
    }
    if (entry.fileOffset !== at) fail(`section ${entry.name} data is at byte ${entry.fileOffset}, expected ${at}`);
    if (at + entry.fileLength > bytes.length) truncated(`section ${i} (${entry.name}) data`, at, entry.fileLength);
    const data = new Uint8Array(bytes.subarray(at, at + entry.fileLength)); // a copy, never a Buffer view
    at += entry.fileLength;
    return { name: entry.name, address: entry.address, flags: entry.flags, data, size: entry.size };
  });
  const symbols: ImageSymbol[] = [];
  for (let i = 0; i < header.symbolCount; i++) {
    const { record, end } = readRecord(SYMBOL_ENTRY, bytes, at, { source: file, record: `symbol ${i}` });
    symbols.push({ name: record.name, address: record.address });
    at = end;
  }
  if (at !== bytes.length) fail(`${bytes.length - at} unused bytes after the symbol table at byte ${at}`);

  const image: GuestImage = {
    entry: header.entry,
    memorySize: header.memorySize,
    flags: header.flags,
    bootArgs: { address: header.bootArgsAddress, size: header.bootArgsSize },
    sections,
    symbols,
  };
  validateImage(image, file);
  return image;
}

/** The stored checksum of an image file (meaningful once `decodeImage` accepted the bytes). */
export function storedChecksum(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(CHECKSUM_OFFSET, true);
}
