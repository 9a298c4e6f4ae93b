/**
 * A control socket file that belongs to exactly one host. The server listens on a fresh name in
 * the same folder (mode 0600 from the start: the umask is set around the bind), and that socket
 * is then hard-linked to the wanted path, which fails when the path exists: of two hosts
 * starting at once only one gets it. A socket file left by a host that died (nobody answers on
 * it) is replaced; a live one, or a path that is not a socket, is refused. At the end the path is
 * removed only while it is still this host's socket.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, lstatSync, statSync, unlinkSync } from "node:fs";
import { connect, type Server } from "node:net";
import { dirname, join } from "node:path";
import { UserError } from "../../isa/errors.js";
import { fileError } from "../../isa/user-files.js";

/** Longest socket path Linux accepts (sun_path less its final NUL). */
export const SOCKET_PATH_MAX = 107;
const PROBE_MS = 1000;

export interface BoundSocket {
  path: string;
  /** The socket file's inode, to tell it from one another host put there later. */
  inode: number;
}

/** True when something accepts connections at `path`. */
export function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (alive: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(alive);
    };
    // A host too busy to accept within the probe still counts as there.
    const timer = setTimeout(() => done(true), PROBE_MS);
    socket.once("connect", () => done(true));
    socket.once("error", (error: NodeJS.ErrnoException) => done(error.code !== "ECONNREFUSED" && error.code !== "ENOENT" && error.code !== "ENOTSOCK"));
  });
}

export async function bindUnixSocket(server: Server, path: string): Promise<BoundSocket> {
  if (Buffer.byteLength(path) > SOCKET_PATH_MAX) {
    throw new UserError(`${path}: too long for a socket path (${Buffer.byteLength(path)} bytes, at most ${SOCKET_PATH_MAX})`);
  }
  const stale = await refuseTaken(path);
  const fresh = join(dirname(path), `.${randomBytes(6).toString("hex")}.sock`);
  await listen(server, fresh);
  try {
    chmodSync(fresh, 0o600);
    if (stale !== null) replaceStale(path, stale);
    linkSync(fresh, path);
  } catch (error) {
    server.close();
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new UserError(`${path}: a host is already running there`);
    throw error instanceof UserError ? error : fileError(path, error);
  } finally {
    unlinkQuietly(fresh);
  }
  return { path, inode: statSync(path).ino };
}

/** Removes the socket file if it is still this host's. */
export function removeUnixSocket(bound: BoundSocket): void {
  try {
    if (lstatSync(bound.path).ino === bound.inode) unlinkSync(bound.path);
  } catch {
    // already gone
  }
}

/** Refuses a path in use; returns the inode of a dead host's socket file there, or null when there is none. */
async function refuseTaken(path: string): Promise<number | null> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw fileError(path, error);
  }
  if (!stat.isSocket()) throw new UserError(`${path}: exists and is not a socket; refusing to replace it`);
  if (await answers(path)) throw new UserError(`${path}: a host is already running there`);
  return stat.ino;
}

/** The dead host's socket file goes, unless another host has put its own there since. */
function replaceStale(path: string, inode: number): void {
  try {
    if (lstatSync(path).ino === inode) unlinkSync(path);
  } catch {
    // not there: nothing to replace
  }
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(fileError(path, error));
    server.once("error", failed);
    // The socket file is created (synchronously, by the bind) with the umask's mode: private from its first moment.
    const umask = process.umask(0o177);
    try {
      server.listen(path, () => {
        server.off("error", failed);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  });
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
