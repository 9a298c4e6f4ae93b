/**
 * Writing result files with one-line errors that name the file: `out/results.csv: no space
 * left on device`, never a raw `ENOSPC: …, write`.
 */
import { closeSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { UserError } from "../../isa/errors.js";

const REASONS: Record<string, string> = {
  ENOENT: "no such file or folder",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "is a folder",
  ENOTDIR: "a part of the path is not a folder",
  EEXIST: "exists and is not a folder",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EIO: "input/output error",
  EFBIG: "file too large",
  ENAMETOOLONG: "name too long",
  ELOOP: "too many symbolic links",
};

/** `out/results.csv: no space left on device`; `doing` says what failed: `cannot create the folder`. */
export function ioError(path: string, error: unknown, doing?: string): UserError {
  const reason = REASONS[(error as NodeJS.ErrnoException | undefined)?.code ?? ""] ?? (error instanceof Error ? error.message : String(error));
  return new UserError(`${path}: ${doing ? `${doing}: ` : ""}${reason}`);
}

/**
 * `mkdir -p`, one level at a time: Node's own `recursive` spins for ever where a parent
 * refuses a new entry with ENOENT (under /proc, say).
 */
export function makeFolder(path: string): void {
  const make = (p: string): void => {
    try {
      mkdirSync(p);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST" && statSync(p).isDirectory()) return;
      if (code !== "ENOENT" || dirname(p) === p) throw error;
      make(dirname(p));
      mkdirSync(p);
    }
  };
  try {
    make(path);
  } catch (error) {
    throw ioError(path, error, "cannot create the folder");
  }
}

export function writeFile(path: string, data: string): void {
  try {
    writeFileSync(path, data);
  } catch (error) {
    throw ioError(path, error);
  }
}

/** A file that grows a line at a time, each written through to the file before the next point. */
export class LineAppender {
  private readonly fd: number;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, "a");
    } catch (error) {
      throw ioError(path, error);
    }
  }

  append(line: string): void {
    const bytes = Buffer.from(line);
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done);
    } catch (error) {
      throw ioError(this.path, error);
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
