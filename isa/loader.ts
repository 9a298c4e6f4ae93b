/**
 * Puts a guest image into guest-physical memory and computes the reset registers, and reads
 * image files (`.tvm`). Assembly sources are read by sources.ts, which this module loads only
 * when a `.s` file is opened (`openImageFile`): booting a prebuilt image never loads the
 * assembler.
 *
 * Every file is read through `readFileBytes` (user-files.ts, re-exported here) within a limit:
 * an image file within MAX_IMAGE_FILE.
 */
import { MAX_IMAGE_CONTENTS } from "./arch.js";
import { UserError } from "./errors.js";
import { BAD_MAGIC, decodeImage, IMAGE_MAGIC, validateImage } from "./image/format.js";
import { SECTION_ZERO, type GuestImage } from "./image/model.js";
import type { Memory } from "./memory.js";
import { readFileBytes, type ReadLimit } from "./user-files.js";

export {
  fileError,
  FileError,
  INPUT_FILE,
  readFileBytes,
  readStreamBytes,
  refuseOverwrite,
  sameFile,
  STDIN_NAME,
  type ReadLimit,
} from "./user-files.js";

/**
 * An image file: its sections hold at most MAX_IMAGE_CONTENTS bytes, and the same again leaves
 * room for any section and symbol tables.
 */
export const MAX_IMAGE_FILE = 2 * MAX_IMAGE_CONTENTS;
export const IMAGE_FILE: ReadLimit = {
  limit: MAX_IMAGE_FILE,
  what: "an image file",
  streams: true,
  head: (first) => (IMAGE_MAGIC.every((b, i) => first[i] === b) ? undefined : BAD_MAGIC),
};

/** Register values at reset besides pc = entry (see arch.ts). */
export interface ResetState {
  entry: number;
  /** Address of the boot arguments, 0 when the image has no boot-args area. */
  a0: number;
  /** Memory size in bytes. */
  a1: number;
}

const utf8 = new TextEncoder();

/**
 * Writes every section (zero-filling bss) and the boot arguments (UTF-8, NUL-terminated).
 * `memory` must be at least as large as the image asks for.
 */
export function loadImage(image: GuestImage, memory: Memory, bootArgs = ""): ResetState {
  validateImage(image, "image");
  if (memory.size < image.memorySize) {
    throw new UserError(`the image needs ${image.memorySize} bytes of memory but the machine has ${memory.size}`);
  }
  const args = utf8.encode(bootArgs);
  const { address, size } = image.bootArgs;
  if (bootArgs !== "" && size === 0) throw new UserError("this image takes no boot arguments (it has no boot-args area)");
  if (args.length + 1 > size && size > 0) {
    throw new UserError(
      `boot arguments are ${args.length + 1} bytes with the final NUL, but the image's boot-args area holds ${size}`,
    );
  }
  for (const section of image.sections) {
    if (section.flags & SECTION_ZERO) {
      memory.bytes.fill(0, section.address, section.address + section.size);
      memory.markDirty(section.address, section.size);
    } else {
      memory.write(section.address, section.data);
    }
  }
  if (size > 0) {
    memory.bytes.fill(0, address, address + size);
    memory.write(address, args);
    memory.markDirty(address, size);
  }
  return { entry: image.entry, a0: size > 0 ? address : 0, a1: memory.size };
}

export interface SourceOptions {
  /** Symbols defined before the first line, as if by `.equ`. */
  defines?: Record<string, number>;
  /** Folders `.include` searches after the including file's (`-I`); the bundled ones follow. */
  includePath?: readonly string[];
}

/** What an image argument holds. */
export interface ImageFile {
  image: GuestImage;
  /** The image file's bytes; for a source, the image it assembles to. */
  bytes: Uint8Array;
  /** Every file read: the image file, or the source and each file it included. */
  files: string[];
}

/** True when `path` names assembly source rather than an image file. */
export const isSourcePath = (path: string): boolean => path.endsWith(".s");

/** Reads the image file (`.tvm`) at `path`. */
export function readImageBytes(path: string): ImageFile {
  const bytes = readFileBytes(path, IMAGE_FILE);
  return { image: decodeImage(bytes, path), bytes, files: [path] };
}

/** The image at `path`, as `readImage` (sources.ts) reads it, loading the assembler only for a `.s` source. */
export async function openImageFile(path: string, options: SourceOptions = {}): Promise<GuestImage> {
  if (!isSourcePath(path)) return readImageBytes(path).image;
  return (await import("./sources.js")).readImageFile(path, options);
}
