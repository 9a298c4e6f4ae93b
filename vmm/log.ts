/**
 * The pino logger: structured logs on stderr, so that stdout stays the guest's console.
 * Pretty-printed (pino-pretty, loaded only then) when stderr is a terminal; JSON lines otherwise.
 */
import { createRequire } from "node:module";
import { pino, type DestinationStream, type Logger } from "pino";

export const LOG_LEVELS = ["silent", "error", "warn", "info", "debug", "trace"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = "warn";
export type { Logger } from "pino";

/**
 * A logger at `level` writing to `destination`, or to file descriptor 2 when none is given.
 * Writes are synchronous so that a log line is never lost when the process exits.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, base: null, name: "toyvmm" };
  if (destination) return pino(options, destination);
  if (level !== "silent" && process.stderr.isTTY) {
    const pretty = createRequire(import.meta.url)("pino-pretty") as (options: object) => DestinationStream;
    return pino(options, pretty({ destination: 2, sync: true, ignore: "pid,hostname,name" }));
  }
  return pino(options, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything, for library callers that pass none. */
export const silentLogger: Logger = pino({ level: "silent" });
