/**
 * Logs: pino, structured, on stderr, so that stdout stays the guest's console. Pretty-printed
 * (pino-pretty) when stderr is a terminal; JSON lines otherwise.
 *
 * pino is loaded on the first line actually logged: at the default level most runs log
 * nothing, and a cold `toyvmm boot` should not pay for loading it.
 */
import { createRequire } from "node:module";
import type { DestinationStream, Logger as PinoLogger } from "pino";

export const LOG_LEVELS = ["silent", "error", "warn", "info", "debug", "trace"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = "warn";

type LogMethod = (fields: object, message?: string) => void;

/** What commands log through: pino's methods for each level. */
export type Logger = Record<Exclude<LogLevel, "silent">, LogMethod>;

const load = createRequire(import.meta.url);

/**
 * A logger at `level` writing to `destination`, or to file descriptor 2 when none is given.
 * Writes are synchronous so that a log line is never lost when the process exits.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const rank = LOG_LEVELS.indexOf(level);
  let pino: PinoLogger | undefined;
  const method =
    (name: Exclude<LogLevel, "silent">): LogMethod =>
    (fields, message) => {
      if (LOG_LEVELS.indexOf(name) > rank || level === "silent") return;
      pino ??= openPino(level, destination);
      pino[name](fields, message);
    };
  return { error: method("error"), warn: method("warn"), info: method("info"), debug: method("debug"), trace: method("trace") };
}

function openPino(level: LogLevel, destination?: DestinationStream): PinoLogger {
  const { pino } = load("pino") as typeof import("pino");
  const options = { level, base: null, name: "toyvmm" };
  if (destination) return pino(options, destination);
  if (process.stderr.isTTY) {
    const pretty = load("pino-pretty") as (options: object) => DestinationStream;
    return pino(options, pretty({ destination: 2, sync: true, ignore: "pid,hostname,name" }));
  }
  return pino(options, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything, for library callers that pass none. */
export const silentLogger: Logger = createLogger("silent");
