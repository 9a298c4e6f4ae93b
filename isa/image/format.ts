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
import { encodedSize, readRecord, recordNeeds, writeRecord, type Field } from "./fields.js";
import {
  CHECKSUM_OFFSET,
  CHECKSUM_START,
  HEADER_FIELDS,
  HEADER_PARSER,
  HEADER_SIZE,
  IMAGE_FORMAT_VERSION,
  IMAGE_MAGIC,
  PROLOGUE_FIELDS,
  PROLOGUE_PARSER,
  PROLOGUE_SIZE,
  SECTION_FIELDS,
  SECTION_PARSER,
  SYMBOL_FIELDS,
  SYMBOL_PARSER,
  type SectionEntry,
} from "./layout.js";
import { SECTION_ZERO, type GuestImage, type ImageSection, type ImageSymbol } from "./model.js";
import { hex, validateImage } from "./validate.js";

export { IMAGE_FORMAT_VERSION, IMAGE_MAGIC } from "./layout.js";
export { validateImage } from "./validate.js";

/** The image as a file. Throws UserError (naming `file`) when the image breaks a rule. */
export function encodeImage(image: GuestImage, file = "image"): Uint8Array {
  validateImage(image, file);
  const sectionEntries: SectionEntry[] = [];
  const tableSize = image.sections.reduce(
    (sum, s) => sum + encodedSize(SECTION_FIELDS, { name: s.name }),
    PROLOGUE_SIZE + HEADER_SIZE,
  );
  let dataOffset = tableSize;
  for (const s of image.sections) {
    const fileLength = s.flags & SECTION_ZERO ? 0 : s.data.length;
    sectionEntries.push({ name: s.name, address: s.address, flags: s.flags, size: s.size, fileOffset: dataOffset, fileLength });
    dataOffset += fileLength;
  }
  const totalLength = image.symbols.reduce((sum, sym) => sum + encodedSize(SYMBOL_FIELDS, { name: sym.name }), dataOffset);
  if (totalLength > 0xffffffff) throw new UserError(`${file}: image would be ${totalLength} bytes, too large`);

  const bytes = new Uint8Array(totalLength);
  let at = writeRecord(PROLOGUE_FIELDS, { magic: IMAGE_MAGIC, version: IMAGE_FORMAT_VERSION, checksum: 0 }, bytes, 0);
  at = writeRecord(
    HEADER_FIELDS,
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
  for (const entry of sectionEntries) at = writeRecord(SECTION_FIELDS, entry, bytes, at);
  image.sections.forEach((s, i) => {
    if (sectionEntries[i]!.fileLength > 0) bytes.set(s.data, sectionEntries[i]!.fileOffset);
  });
  at = dataOffset;
  for (const sym of image.symbols) at = writeRecord(SYMBOL_FIELDS, { name: sym.name, address: sym.address }, bytes, at);
  new DataView(bytes.buffer).setUint32(CHECKSUM_OFFSET, crc32(bytes.subarray(CHECKSUM_START)), true);
  return bytes;
}

/** Parses an image file's bytes; `file` names it in error messages. */
export function decodeImage(bytes: Uint8Array, file: string): GuestImage {
  const fail = (problem: string): never => {
    throw new UserError(`${file}: ${problem}`);
  };
  const truncated = (what: string, offset: number, needs: number): never =>
    fail(`truncated at byte ${bytes.length} (${what} needs ${offset + needs - bytes.length} more bytes)`);

  const magicSeen = bytes.subarray(0, IMAGE_MAGIC.length);
  if (magicSeen.length === 0 || magicSeen.some((b, i) => b !== IMAGE_MAGIC[i])) fail("not a toyvmm image (bad magic)");
  if (bytes.length < PROLOGUE_SIZE + HEADER_SIZE) truncated("header", 0, PROLOGUE_SIZE + HEADER_SIZE);
  const prologue = parse(PROLOGUE_PARSER, PROLOGUE_FIELDS, bytes, 0, file);
  if (prologue.version > IMAGE_FORMAT_VERSION) {
    fail(`image format version ${prologue.version} is newer than this toyvmm supports (${IMAGE_FORMAT_VERSION})`);
  }
  if (prologue.version < 1) fail(`image format version ${prologue.version} is not a valid version`);

  const header = parse(HEADER_PARSER, HEADER_FIELDS, bytes, PROLOGUE_SIZE, file);
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
    const needs = recordNeeds(SECTION_FIELDS, bytes, at);
    if (at + needs > bytes.length) truncated(`section table entry ${i}`, at, needs);
    entries.push(parse(SECTION_PARSER, SECTION_FIELDS, bytes, at, file, `section ${i}`));
    at += needs;
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
    const needs = recordNeeds(SYMBOL_FIELDS, bytes, at);
    if (at + needs > bytes.length) truncated(`symbol table entry ${i}`, at, needs);
    const { name, address } = parse(SYMBOL_PARSER, SYMBOL_FIELDS, bytes, at, file, `symbol ${i}`);
    symbols.push({ name, address });
    at += needs;
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

function parse<F extends readonly Field[]>(
  parser: Parameters<typeof readRecord>[0],
  fields: F,
  bytes: Uint8Array,
  offset: number,
  file: string,
  what = "header",
) {
  const result = readRecord(parser, fields, bytes, offset);
  if ("badName" in result) throw new UserError(`${file}: ${what} has a ${result.badName} that is not valid UTF-8`);
  return result.record;
}

/** The stored checksum of an image file (meaningful once `decodeImage` accepted the bytes). */
export function storedChecksum(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(CHECKSUM_OFFSET, true);
}
