/**
 * Writing result files with one-line errors that name the file: `out/results.csv: no space
 * left on device`, never a raw `ENOSPC: …, write`.
 */
import { closeSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { UserError } from "../../isa/errors.js";
import { errnoReason } from "../../isa/user-files.js";


/** `out/results.csv: no space left on device`; `doing` says what failed: `cannot create the folder`. */
export function ioError(path: string, error: unknown, doing?: string): UserError {
  return new UserError(`${path}: ${doing ? `${doing}: ` : ""}${errnoReason(error)}`);
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
      if (code === "EEXIST") {
        if (statSync(p).isDirectory()) return;
        throw new UserError(`${p}: cannot create the folder: exists and is not a folder`);
      }
      if (code !== "ENOENT" || dirname(p) === p) throw error;
      make(dirname(p));
      mkdirSync(p);
    }
  };
  try {
    make(path);
  } catch (error) {
    if (error instanceof UserError) throw error;
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
