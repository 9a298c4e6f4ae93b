/**
 * The `.tvm` image file layout, version 1. Every record is defined here once, as a field table
 * (see `isa/binary/record.ts`); `format.ts` reads and writes the file with these tables.
 *
 *   offset 0  +----------------------------+
 *             | prologue (14 bytes)        |  magic "TOYVMM\0\0", format version, CRC-32 of
 *             |                            |  every byte after the prologue (same in every version)
 *         14  +----------------------------+
 *             | header (32 bytes)          |  total length, flags, entry, memory size,
 *             |                            |  boot-args area, section count, symbol count
 *         46  +----------------------------+
 *             | section table              |  one entry per section, in order
 *             +----------------------------+
 *             | section data               |  each section's bytes, in table order, no gaps;
 *             |                            |  zero-filled (bss) sections store nothing
 *             +----------------------------+
 *             | symbol table (optional)    |  one entry per symbol
 *   total     +----------------------------+  the file ends here: no trailing bytes
 *
 * The layout is canonical: an image has exactly one encoding, so re-encoding a decoded file
 * reproduces it byte for byte.
 */
import { recordFormat, type Field, type RecordOf } from "../binary/record.js";

export const IMAGE_MAGIC = new Uint8Array([0x54, 0x4f, 0x59, 0x56, 0x4d, 0x4d, 0, 0]); // "TOYVMM\0\0"
export const IMAGE_FORMAT_VERSION = 1;
/** Image flags defined so far: none. */
export const KNOWN_IMAGE_FLAGS = 0;

/** Names (of sections and symbols) are a u16 byte count and that many bytes of UTF-8. */
export const NAME_LENGTH = "u16";

/** Identifies the file and protects the rest; its layout never changes between versions. */
export const PROLOGUE_FIELDS = [
  { key: "magic", type: "bytes", length: IMAGE_MAGIC.length },
  { key: "version", type: "u16" },
  { key: "checksum", type: "u32" },
] as const satisfies readonly Field[];

export const HEADER_FIELDS = [
  { key: "totalLength", type: "u32" },
  { key: "flags", type: "u32" },
  { key: "entry", type: "u32" },
  { key: "memorySize", type: "u32" },
  { key: "bootArgsAddress", type: "u32" },
  { key: "bootArgsSize", type: "u32" },
  { key: "sectionCount", type: "u32" },
  { key: "symbolCount", type: "u32" },
] as const satisfies readonly Field[];

export const SECTION_FIELDS = [
  { key: "name", type: "text", length: NAME_LENGTH },
  { key: "address", type: "u32" },
  { key: "flags", type: "u32" },
  { key: "size", type: "u32" },
  { key: "fileOffset", type: "u32" },
  { key: "fileLength", type: "u32" },
] as const satisfies readonly Field[];

export const SYMBOL_FIELDS = [
  { key: "name", type: "text", length: NAME_LENGTH },
  { key: "address", type: "u32" },
] as const satisfies readonly Field[];

export type Prologue = RecordOf<typeof PROLOGUE_FIELDS>;
export type Header = RecordOf<typeof HEADER_FIELDS>;
export type SectionEntry = RecordOf<typeof SECTION_FIELDS>;
export type SymbolEntry = RecordOf<typeof SYMBOL_FIELDS>;

export const PROLOGUE = recordFormat(PROLOGUE_FIELDS);
export const HEADER = recordFormat(HEADER_FIELDS);
export const SECTION_ENTRY = recordFormat(SECTION_FIELDS);
export const SYMBOL_ENTRY = recordFormat(SYMBOL_FIELDS);

export const PROLOGUE_SIZE = PROLOGUE.minimumSize;
export const HEADER_SIZE = HEADER.minimumSize;
/** Where the checksummed bytes start: right after the checksum field. */
export const CHECKSUM_START = PROLOGUE_SIZE;
/** Where the checksum field sits, for writing it once the rest is known. */
export const CHECKSUM_OFFSET = PROLOGUE_SIZE - 4;
