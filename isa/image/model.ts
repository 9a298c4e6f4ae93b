/**
 * A guest image in memory: what the assembler produces, the image file stores and the loader
 * puts into guest-physical memory. The file format is in `format.ts`.
 */

/** Section flags. */
export const SECTION_EXEC = 1 << 0;
export const SECTION_WRITE = 1 << 1;
/** No bytes in the file: `size` zero bytes at `address` (bss). */
export const SECTION_ZERO = 1 << 2;

export interface ImageSection {
  name: string;
  /** Guest-physical load address. */
  address: number;
  flags: number;
  /** Contents; for a SECTION_ZERO section an empty array and `size` says how much. */
  data: Uint8Array;
  /** Size in memory: data.length, or the zero-filled size of a bss section. */
  size: number;
}

export interface ImageSymbol {
  name: string;
  address: number;
}

export interface GuestImage {
  /** Where execution starts. */
  entry: number;
  /** Guest-physical memory the image asks for, in bytes (a multiple of 4096). */
  memorySize: number;
  /** Image flags (reserved, 0). */
  flags: number;
  /** Where the loader writes the boot arguments (NUL-terminated), and how many bytes fit. */
  bootArgs: { address: number; size: number };
  sections: ImageSection[];
  /** Optional: symbols for inspect and disassembly; empty when stripped. */
  symbols: ImageSymbol[];
}

export const DEFAULT_MEMORY_SIZE = 1 << 20;
export const DEFAULT_TEXT_ADDRESS = 0x1000;
