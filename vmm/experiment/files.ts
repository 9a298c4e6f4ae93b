/**
 * Writing result files with one-line errors that name the file: `out/results.csv: no space
 * left on device`, never a raw `ENOSPC: …, write`.
 */
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { UserError } from "../../isa/errors.js";
import { fileError } from "../../isa/loader.js";

const REASONS: Record<string, string> = {
  EEXIST: "exists and is not a folder",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EIO: "input/output error",
  EFBIG: "file too large",
  ENAMETOOLONG: "name too long",
  ELOOP: "too many symbolic links",
};

export function ioError(path: string, error: unknown): UserError {
  const reason = REASONS[(error as NodeJS.ErrnoException | undefined)?.code ?? ""];
  return reason ? new UserError(`${path}: ${reason}`) : fileError(path, error);
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
