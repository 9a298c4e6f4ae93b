import { UserError } from "../../isa/errors.js";

/** The message of the UserError that `run` throws; any other outcome fails the test. */
export function userErrorMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
  throw new Error("expected a UserError, and nothing was thrown");
}
