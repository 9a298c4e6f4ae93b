/**
 * What every command module shares: the arguments the program adds to each command's argv
 * (where to print, the logger, how to set the exit code), and helpers for reading inputs and
 * writing outputs with one-line errors.
 */
import { writeFileSync } from "node:fs";
import type { CommandModule } from "yargs";
import { fileError } from "../../isa/loader.js";
import type { Logger, LogLevel } from "../log.js";

/** Something text or bytes can be written to: process.stdout, or a capture in tests. */
export interface Sink {
  write(chunk: string | Uint8Array): unknown;
}

/** The terminal the program talks to. The guest console is stdout; logs and errors go to stderr. */
export interface CliIo {
  stdout: Sink;
  stderr: Sink;
  /** Input for the guest console; absent when there is none. */
  stdin?: NodeJS.ReadableStream;
}

/** Added to every command's argv by the program (main.ts) after the options are parsed. */
export interface CliContext {
  logLevel: LogLevel;
  io: CliIo;
  log: Logger;
  /** The process exit status when the command returns normally (default 0). */
  setExitCode(code: number): void;
}

/** A command module: `builder` adds the command's options to the global ones. */
export type Command<Options = object> = CommandModule<CliContext, CliContext & Options>;

/** Writes `data` to the file at `path`, or to stdout when `path` is "-". */
export function writeOutput(io: CliIo, path: string, data: string | Uint8Array): void {
  if (path === "-") {
    io.stdout.write(data);
    return;
  }
  try {
    writeFileSync(path, data);
  } catch (error) {
    throw fileError(path, error);
  }
}

/** `prog.s` → `prog.tvm`; any other name gets `.tvm` added. */
export function replaceExtension(path: string, from: string, to: string): string {
  return path.endsWith(from) ? path.slice(0, -from.length) + to : path + to;
}

export const hex32 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
