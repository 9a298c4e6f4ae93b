/**
 * Errors a user can cause: bad source, a corrupted image, a malformed stream, a wrong flag.
 * The message is one complete line naming the file, the place and the problem; the CLI prints
 * it as it is and exits non-zero. Any other exception reaching the CLI is a bug in toyvmm.
 */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = "UserError";
  }
}
