/**
 * The shared secret of a host's TCP control endpoint: a file the host and its clients read
 * (`--token-file`), as ssh reads a key — refused when other users may read it, or when it holds
 * too short a token to be a secret.
 */
import { statSync } from "node:fs";
import { UserError } from "../../isa/errors.js";
import { fileError, readFileBytes } from "../../isa/user-files.js";

export const TOKEN_MIN = 16;
const TOKEN_FILE = { limit: 4096, what: "a token file" };

export function readTokenFile(path: string): string {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    throw fileError(path, error);
  }
  if ((mode & 0o077) !== 0) throw new UserError(`${path}: other users may read this token file (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
  const token = new TextDecoder().decode(readFileBytes(path, TOKEN_FILE)).trim();
  if (token.length < TOKEN_MIN || /\s/.test(token)) {
    throw new UserError(`${path}: expected a token of at least ${TOKEN_MIN} characters and no spaces (e.g. \`openssl rand -hex 16 > ${path}\`)`);
  }
  return token;
}
