/**
 * Snapshot files on the host's disk. A snapshot is written to a temporary file beside its
 * destination and then linked (or, to overwrite, renamed) into place, so that a reader never
 * sees half a snapshot and a failed write leaves what was there untouched. One is read within
 * the largest size a snapshot of the largest machine can have.
 */
import { randomBytes } from "node:crypto";
import { linkSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, basename } from "node:path";
import { MAX_MEMORY, PAGE_SIZE } from "../../isa/arch.js";
import { UserError } from "../../isa/errors.js";
import { fileError, readFileBytes } from "../../isa/user-files.js";
import type { MigratableVm } from "../migration/vm-port.js";
import { MAX_PAYLOAD } from "../migration/stream/frames.js";
import { PAGE_FRAME_BYTES } from "../migration/pages.js";
import { decodeSnapshot } from "./snapshot.js";

/** Every page as a full frame, the state at the largest payload, and the small frames around them. */
export const SNAPSHOT_FILE_MAX = (MAX_MEMORY / PAGE_SIZE) * PAGE_FRAME_BYTES + MAX_PAYLOAD + (1 << 20);

export function writeSnapshotFile(path: string, bytes: Uint8Array, overwrite: boolean): void {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.partial`);
  try {
    writeFileSync(temporary, bytes, { flag: "wx", mode: 0o600 });
  } catch (error) {
    throw fileError(path, error);
  }
  try {
    if (overwrite) renameSync(temporary, path);
    else linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new UserError(`${path}: already exists (a snapshot is not written over a file unless asked to)`);
    throw fileError(path, error);
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // renamed into place: nothing left to remove
    }
  }
}

export function readSnapshotFile(path: string): MigratableVm {
  const bytes = readFileBytes(path, { limit: SNAPSHOT_FILE_MAX, what: "a snapshot file" });
  try {
    return decodeSnapshot(bytes);
  } catch (error) {
    if (error instanceof UserError) throw new UserError(`${path}: ${error.message}`);
    throw error;
  }
}
