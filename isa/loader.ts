/**
 * Puts a guest image into guest-physical memory and computes the reset registers, and reads
 * an image from disk (a `.tvm` file, or a `.s` source that is assembled on the way).
 */
import { readFileSync } from "node:fs";
import { assembleFile } from "./asm/index.js";
import { UserError } from "./errors.js";
import { decodeImage, validateImage } from "./image/format.js";
import { SECTION_ZERO, type GuestImage } from "./image/model.js";
import type { Memory } from "./memory.js";

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

/** Reads `path` as an image: `.s` files are assembled, anything else must be a `.tvm` image. */
export function readImageFile(path: string): GuestImage {
  if (path.endsWith(".s")) return assembleFile(path).image;
  return decodeImage(readFileBytes(path), path);
}

/** A file's bytes, or a one-line UserError saying why it cannot be read. */
export function readFileBytes(path: string): Uint8Array {
  try {
    const buffer = readFileSync(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  } catch (error) {
    throw fileError(path, error);
  }
}

/** The UserError for a failed read or write of `path`. */
export function fileError(path: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === "ENOENT" ? "no such file"
    : code === "EACCES" || code === "EPERM" ? "permission denied"
    : code === "EISDIR" ? "is a directory"
    : code === "ENOTDIR" ? "a part of the path is not a directory"
    : error instanceof Error ? error.message
    : String(error);
  return new UserError(`${path}: ${reason}`);
}
