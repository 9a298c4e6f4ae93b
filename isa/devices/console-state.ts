/** What a restored console may be given (`ConsoleState`): unread input bytes, within the console's bound. */
import { MAX_INPUT } from "../arch.js";
import { flag, list, record, version, wholeNumber, z } from "../schema.js";
import type { ConsoleState } from "./console.js";

export const consoleStateSchema = record({
  version: version(1),
  input: list(wholeNumber(0, 255), MAX_INPUT, "bytes"),
  inputClosed: flag,
}) satisfies z.ZodType<ConsoleState>;
