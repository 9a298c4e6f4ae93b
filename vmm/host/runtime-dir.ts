/**
 * Where a host's control socket lives by default: `<runtime>/<name>.sock`, the runtime folder
 * being $XDG_RUNTIME_DIR/toyvmm (a per-user folder the system keeps private) or, without it,
 * toyvmm-<uid> in the temporary folder. Either is created with mode 0700 and refused when it is
 * not a private folder of this user's: in a shared /tmp another user could have made it first,
 * to read the socket or put one of theirs in its place.
 */
import { lstatSync, mkdirSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { isAbsolute, join } from "node:path";
import { UserError } from "../../isa/errors.js";
import { fileError } from "../../isa/user-files.js";

export const DEFAULT_HOST_NAME = "default";

/** A host's name: a word that is also a safe file name. */
export const HOST_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

const uid = (): number => process.getuid?.() ?? userInfo().uid;

export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_RUNTIME_DIR;
  return xdg && isAbsolute(xdg) ? join(xdg, "toyvmm") : join(tmpdir(), `toyvmm-${uid()}`);
}

/** The control socket of the host called `name` when it was started without --control. */
export function defaultControlPath(name = DEFAULT_HOST_NAME, env: NodeJS.ProcessEnv = process.env): string {
  return join(runtimeDir(env), `${name}.sock`);
}

/** Creates the runtime folder (mode 0700) when missing; refuses one that is not private to this user. */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw fileError(dir, error);
  }
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new UserError(`${dir}: not a folder (the host's runtime folder must be one)`);
  if (stat.uid !== uid()) throw new UserError(`${dir}: belongs to another user (uid ${stat.uid}); refusing to put a control socket there`);
  if ((stat.mode & 0o077) !== 0) {
    throw new UserError(`${dir}: other users may use it (mode ${(stat.mode & 0o777).toString(8)}); make it private with chmod 700`);
  }
}
