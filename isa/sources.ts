/**
 * Reads what users give the machine as source: assembly files (`.s`), with their includes, and
 * image arguments that may be either source or an image (a path, or standard input). Importing
 * this module loads the assembler; commands that may only boot an image use loader.ts's
 * `openImageFile` instead, which loads this module on demand.
 *
 * A source is read within the assembler's MAX_SOURCE_BYTES.
 */
import { assemble, type AssembleResult } from "./asm/assembler.js";
import { bundledIncludePath } from "./asm/bundled-path.js";
import type { FileReader } from "./asm/files.js";
import { MAX_SOURCE_BYTES } from "./asm/limits.js";
import { decodeSource, NotText, nulProblem } from "./asm/text.js";
import { UserError } from "./errors.js";
import { decodeImage, encodeImage, IMAGE_MAGIC } from "./image/format.js";
import type { GuestImage } from "./image/model.js";
import { IMAGE_FILE, isSourcePath, readImageBytes, type ImageFile, type SourceOptions } from "./loader.js";
import { readFileBytes, readStreamBytes, STDIN_NAME, type ReadLimit } from "./user-files.js";

export type { ImageFile, SourceOptions } from "./loader.js";

/** A source named on the command line; it may also be a pipe (`toyvmm asm /dev/stdin`). */
export const SOURCE_FILE: ReadLimit = { limit: MAX_SOURCE_BYTES, what: "a source file", streams: true, head: nulProblem };

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

/** Reads `path` as an image: `.s` files are assembled, anything else must be a `.tvm` image. */
export function readImage(path: string, options: SourceOptions = {}): ImageFile {
  if (!isSourcePath(path)) return readImageBytes(path);
  const { image, sources } = assembleFile(path, options);
  return { image, bytes: encodeImage(image, path), files: sources };
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
