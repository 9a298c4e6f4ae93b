/**
 * Reading what users give the host — images, sources, console input, from files, devices,
 * pipes or standard input — within a limit, and refusing outputs that would overwrite inputs.
 * Every reader of a user file goes through `readFileBytes` (isa/loader.ts re-exports it), so
 * no file can make the host hold more than the machine could use, and none that was not asked
 * for can make it wait.
 */
import { closeSync, constants, openSync, readSync, statSync, type Stats } from "node:fs";
import { resolve } from "node:path";
import { MAX_IMAGE_CONTENTS } from "./arch.js";
import { sizeText } from "./asm/limits.js";
import { UserError } from "./errors.js";
import { printable } from "./image/printable.js";

/** How much of what kind of file a reader accepts. */
export interface ReadLimit {
  /**
   * Most bytes accepted. A regular file larger than this is refused before a byte is read; a
   * pipe or device is read until it passes the limit, then refused.
   */
  limit: number;
  /** The kind of file, for messages, with its article: "an image file", "console input". */
  what: string;
  /**
   * Also accept what is not a regular file — a pipe or FIFO (`/dev/stdin`, `<(…)`), a
   * character device (`/dev/null`) — read up to the limit. Without it such a file is refused
   * before it is opened (a FIFO that nobody writes would wait for ever).
   */
  streams?: boolean;
  /**
   * A look at the first bytes read (at least HEAD_BYTES, or the whole file when shorter) as
   * soon as they are in; a problem it returns refuses the file there, so that a device or pipe
   * of the wrong kind of bytes (`/dev/zero` as an image) is not read on to the limit.
   */
  head?: (first: Uint8Array) => string | undefined;
}

/** How many bytes `head` sees at least: more than any magic number. */
const HEAD_BYTES = 64;

/** Any other input (the default): no more than the largest image's contents. */
export const INPUT_FILE: ReadLimit = { limit: MAX_IMAGE_CONTENTS, what: "an input file", streams: true };

/** A file that cannot be read (or written): one line, `path: reason`; `code` as node:fs gives it. */
export class FileError extends UserError {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly code?: string,
  ) {
    super(`${printable(path)}: ${reason}`);
  }
}

/**
 * The bytes of the file at `path`, at most `limit.limit` of them, or a FileError saying why not
 * (no such file, a directory, not a regular file, too large for what it is, …). Without a
 * limit: INPUT_FILE, 64 MiB of anything, pipes and devices included.
 */
export function readFileBytes(path: string, limit: ReadLimit = INPUT_FILE): Uint8Array {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch (error) {
    throw fileError(path, error);
  }
  if (stat.isDirectory()) throw new FileError(path, "is a directory", "EISDIR");
  const regular = stat.isFile();
  if (!regular && !limit.streams) throw new FileError(path, `not a regular file (${kindOf(stat)})`);
  if (regular && stat.size > limit.limit) throw tooLarge(path, limit);
  let fd: number | undefined;
  try {
    // O_NONBLOCK: should the file have turned into a FIFO since the stat, opening it cannot hang.
    fd = openSync(path, regular ? constants.O_RDONLY | constants.O_NONBLOCK : constants.O_RDONLY);
    const head = (first: Uint8Array): void => {
      const problem = limit.head?.(first);
      if (problem !== undefined) throw new FileError(path, problem);
    };
    const bytes = readUpTo(fd, limit.limit, regular ? stat.size : STREAM_CHUNK, head);
    if (!bytes) throw tooLarge(path, limit);
    return bytes;
  } catch (error) {
    throw error instanceof FileError ? error : fileError(path, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** How standard input is named in messages and diagnostics (GNU as says `{standard input}`). */
export const STDIN_NAME = "<stdin>";

/** Everything a stream (standard input) holds, named `name`, within `limit`. */
export async function readStreamBytes(stream: AsyncIterable<string | Uint8Array>, name: string, limit: ReadLimit): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
    length += bytes.length;
    // Leaving the loop destroys the stream: nothing more is read.
    if (length > limit.limit) throw tooLarge(name, limit);
    chunks.push(bytes);
  }
  const all = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

/** What a failed file operation's code means, in words. */
const ERRNO_REASONS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "a part of the path is not a directory",
  EEXIST: "already exists",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EIO: "input/output error",
  EFBIG: "file too large",
  ENAMETOOLONG: "name too long",
  ELOOP: "too many symbolic links",
};

/** A failed file operation's reason in words (node's own message for codes not listed). */
export function errnoReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return ERRNO_REASONS[code ?? ""] ?? (error instanceof Error ? error.message : String(error));
}

/** The FileError for a failed read or write of `path`. */
export function fileError(path: string, error: unknown): FileError {
  return new FileError(path, errnoReason(error), (error as NodeJS.ErrnoException | undefined)?.code);
}

const STREAM_CHUNK = 1 << 16;

/**
 * Reads to the end, growing the buffer as needed; undefined once more than `limit` bytes came.
 * `head` sees the first bytes as soon as there are enough of them for it (or the file ended).
 */
function readUpTo(fd: number, limit: number, expected: number, head: (first: Uint8Array) => void): Uint8Array | undefined {
  let buffer = new Uint8Array(Math.min(limit, expected) + 1); // one more byte sees a file that grew
  let length = 0;
  let unchecked: typeof head | undefined = head;
  for (;;) {
    if (length === buffer.length) {
      if (length > limit) return undefined;
      const grown = new Uint8Array(Math.min(limit + 1, buffer.length * 2));
      grown.set(buffer);
      buffer = grown;
    }
    const n = readSync(fd, buffer, length, buffer.length - length, null);
    length += n;
    if (unchecked && (n === 0 || length >= HEAD_BYTES)) {
      unchecked(buffer.subarray(0, length));
      unchecked = undefined;
    }
    if (n === 0) return buffer.subarray(0, length);
  }
}

function tooLarge(path: string, limit: ReadLimit): FileError {
  return new FileError(path, `too large for ${limit.what} (more than ${sizeText(limit.limit)})`, "EFBIG");
}

function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return "a pipe or FIFO";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "not a file";
}

/** Whether two paths name one file: the same device and inode (through links), or one path. */
export function sameFile(a: string, b: string): boolean {
  const x = statOrUndefined(a);
  const y = statOrUndefined(b);
  if (x && y) return x.dev === y.dev && x.ino === y.ino;
  return resolve(a) === resolve(b);
}

/**
 * Refuses, before anything is written, outputs that would overwrite an input or each other.
 * `outputs` pairs an option as the user wrote it (`-o`, `--listing`) with its path; "-" is
 * standard output and never a file.
 */
export function refuseOverwrite(outputs: readonly (readonly [string, string])[], inputs: readonly string[]): void {
  const files = outputs.filter(([, path]) => path !== "-");
  files.forEach(([option, path], i) => {
    const input = inputs.find((file) => sameFile(file, path));
    if (input !== undefined) {
      const same = input === path ? "" : ` (the same file as ${printable(input)})`;
      throw new UserError(`${option} ${printable(path)} would overwrite an input of this command${same}`);
    }
    const twice = files.slice(0, i).find(([, other]) => sameFile(other, path));
    if (twice) throw new UserError(`${twice[0]} and ${option} both write ${printable(path)}`);
  });
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
