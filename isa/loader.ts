/**
 * Puts a guest image into guest-physical memory and computes the reset registers, and reads
 * what users give the machine: an image file (`.tvm`), or assembly source that is assembled on
 * the way (a `.s` path, or source on standard input).
 *
 * Every file is read through `readFileBytes` (user-files.ts, re-exported here) within a limit:
 * an image file within MAX_IMAGE_FILE, a source within the assembler's MAX_SOURCE_BYTES.
 */
import { MAX_IMAGE_CONTENTS } from "./arch.js";
import { assemble, type AssembleResult } from "./asm/assembler.js";
import { bundledIncludePath } from "./asm/bundled-path.js";
import type { FileReader } from "./asm/files.js";
import { MAX_SOURCE_BYTES } from "./asm/limits.js";
import { decodeSource, NotText, nulProblem } from "./asm/text.js";
import { UserError } from "./errors.js";
import { BAD_MAGIC, decodeImage, encodeImage, IMAGE_MAGIC, validateImage } from "./image/format.js";
import { SECTION_ZERO, type GuestImage } from "./image/model.js";
import type { Memory } from "./memory.js";
import { readFileBytes, readStreamBytes, STDIN_NAME, type ReadLimit } from "./user-files.js";

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
/** A source named on the command line; it may also be a pipe (`toyvmm asm /dev/stdin`). */
export const SOURCE_FILE: ReadLimit = { limit: MAX_SOURCE_BYTES, what: "a source file", streams: true, head: nulProblem };

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

/** An assembled source and every file it read (itself first when it is a file). */
export type AssembledFile = AssembleResult & { sources: string[] };

/**
 * Assembles the file at `path`. `.include`/`.incbin` look beside each including file, then in
 * `includePath`, then in the bundled programs/ and guest-os/.
 */
export function assembleFile(path: string, options: SourceOptions = {}): AssembledFile {
  const text = sourceText(readFileBytes(path, SOURCE_FILE), path);
  const result = assembleText(text, path, options);
  result.sources.unshift(path);
  return result;
}

/** Assembles `text`, named `file` in diagnostics (`<stdin>` for standard input). */
export function assembleText(text: string, file: string, options: SourceOptions = {}): AssembledFile {
  const sources: string[] = [];
  const readFile: FileReader = (included, limit) => {
    const bytes = readFileBytes(included, { limit, what: "an included file" });
    sources.push(included);
    return bytes;
  };
  const includePath = [...(options.includePath ?? []), ...bundledIncludePath()];
  const result = assemble(text, { file, readFile, includePath, ...(options.defines ? { defines: options.defines } : {}) });
  return Object.assign(result, { sources });
}

/** What an image argument holds. */
export interface ImageFile {
  image: GuestImage;
  /** The image file's bytes; for a source, the image it assembles to. */
  bytes: Uint8Array;
  /** Every file read: the image file, or the source and each file it included. */
  files: string[];
}

/** Reads `path` as an image: `.s` files are assembled, anything else must be a `.tvm` image. */
export function readImage(path: string, options: SourceOptions = {}): ImageFile {
  if (path.endsWith(".s")) {
    const { image, sources } = assembleFile(path, options);
    return { image, bytes: encodeImage(image, path), files: sources };
  }
  const bytes = readFileBytes(path, IMAGE_FILE);
  return { image: decodeImage(bytes, path), bytes, files: [path] };
}

export function readImageFile(path: string, options: SourceOptions = {}): GuestImage {
  return readImage(path, options).image;
}

/**
 * Bytes with no file name to go by (standard input, named `name`): an image when they start
 * with the image magic, else assembly source, assembled with includes relative to the current
 * folder.
 */
export function imageFromBytes(bytes: Uint8Array, name: string, options: SourceOptions = {}): ImageFile {
  if (bytes.length === 0) throw new UserError(`${name}: empty (expected a toyvmm image or assembly source)`);
  if (IMAGE_MAGIC.every((b, i) => bytes[i] === b)) return { image: decodeImage(bytes, name), bytes, files: [] };
  let text: string;
  try {
    text = decodeSource(bytes);
  } catch (error) {
    if (!(error instanceof NotText)) throw error;
    throw new UserError(`${name}: neither a toyvmm image nor assembly source (${error.detail})`);
  }
  const { image, sources } = assembleText(text, name, options);
  return { image, bytes: encodeImage(image, name), files: sources };
}

/** An image argument as commands take it: a path (see readImage), or "-" for `stdin`. */
export async function readImageArgument(
  spec: string,
  stdin: AsyncIterable<string | Uint8Array> | undefined,
  options: SourceOptions = {},
): Promise<ImageFile> {
  if (spec !== "-") return readImage(spec, options);
  const bytes = stdin ? await readStreamBytes(stdin, STDIN_NAME, IMAGE_FILE) : new Uint8Array(0);
  return imageFromBytes(bytes, STDIN_NAME, options);
}

/** Source text of a file's bytes, or a one-line UserError naming the file. */
export function sourceText(bytes: Uint8Array, file: string): string {
  try {
    return decodeSource(bytes);
  } catch (error) {
    if (error instanceof NotText) throw new UserError(`${file}: ${error.message}`);
    throw error;
  }
}
