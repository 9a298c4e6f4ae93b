#!/usr/bin/env node
/**
 * The `toyvmm` program: one yargs program, one module per command, and error handling in one
 * place (`report`):
 *
 *   UserError      exit with its exitCode (1 unless it says otherwise). A located diagnostic
 *                  (`file:line:col: error: …`, GNU style, maybe with a caret picture below) is
 *                  printed as it is; any other message is one line with the program name in
 *                  front: `toyvmm: prog.tvm: checksum mismatch (…)`.
 *   usage error    (unknown flag, missing argument) one line with a pointer to --help, exit 2.
 *   anything else  a bug: `toyvmm: internal error: <message>`, the stack at --log-level debug,
 *                  exit 70.
 *
 * `runCli` runs the program in-process with any argv and io, which is how the tests drive it.
 */
import { readlinkSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Argv } from "yargs";
import { UserError } from "../../isa/errors.js";
import { fileError } from "../../isa/loader.js";
import { createLogger, DEFAULT_LOG_LEVEL, LOG_LEVELS, type LogLevel } from "../log.js";
import { toyvmmVersion } from "../version.js";
import { describeUnknown, knownOptions, strictValues, UsageProblem } from "./arguments.js";
import type { CliIo, Command } from "./shared.js";

/**
 * yargs' CommonJS build: its ESM build lays out help with a stand-in for wrap-ansi that cuts
 * words in half (yargs#2112); the CommonJS one wraps whole words.
 */
const yargs = createRequire(import.meta.url)("yargs/yargs") as (argv?: string[]) => Argv;

/** A command by name, and how to load its module. */
export interface CommandEntry {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  load: () => Promise<Command<any>>;
}

/**
 * Every command of the program; adding one is adding its entry here. Modules load on demand:
 * a run that names its command loads only that one, which keeps a cold start short.
 */
export const COMMANDS: CommandEntry[] = [
  { name: "asm", load: async () => (await import("./asm.js")).asmCommand },
  { name: "disasm", load: async () => (await import("./disasm.js")).disasmCommand },
  { name: "inspect", load: async () => (await import("./inspect.js")).inspectCommand },
  { name: "run", load: async () => (await import("./run.js")).runCommand },
  { name: "boot", load: async () => (await import("./boot.js")).bootCommand },
  { name: "migrate", load: async () => (await import("./migrate.js")).migrateCommand },
  { name: "debug", load: async () => (await import("./debug.js")).debugCommand },
  { name: "experiment", load: async () => (await import("./experiment.js")).experimentCommand },
  { name: "host", load: async () => (await import("./host.js")).hostCommand },
  { name: "vm", load: async () => (await import("./vm.js")).vmCommand },
];

const VERSION_ALIASES = ["v", "V"];
const HELP_ALIASES = ["h"];
/** How an option and its one-letter aliases are written on the command line. */
const spellings = (option: string, aliases: string[]) => [`--${option}`, ...aliases.map((alias) => `-${alias}`)];
const VERSION_WORDS = spellings("version", VERSION_ALIASES);
const HELP_WORDS = spellings("help", HELP_ALIASES);

/**
 * The command modules `argv` needs: the one it names, none when it only asks for the version,
 * or all (for help, and to suggest a command for a word that is none).
 */
async function commandsFor(argv: string[]) {
  const named = COMMANDS.find((entry) => entry.name === argv.find((word) => !word.startsWith("-")));
  const versionOnly =
    argv.some((word) => VERSION_WORDS.includes(word)) && argv.every((word) => word.startsWith("-") && !HELP_WORDS.includes(word));
  if (versionOnly) return [];
  return Promise.all((named ? [named] : COMMANDS).map((entry) => entry.load()));
}

export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

class UsageError extends Error {}

const PROGRAM = "toyvmm";

/** Help is laid out for the terminal's width, and for 80 columns when it goes to a pipe or file. */
const HELP_COLUMNS = 80;

/** Runs the program with `argv` (without node and script); resolves to the exit status. */
export async function runCli(words: string[], io?: CliIo): Promise<number> {
  const argv = splitAttachedIncludes(words);
  const terminal: CliIo = io ?? processIo();
  let built: Argv | undefined;
  const commands = (await commandsFor(argv)).map((command) => ({
    ...command,
    builder: (y: Argv) => {
      examplesOnTheirOwnLines(y);
      helpLaidOutOnlyWhenShown(y);
      return (built = strictValues(
        typeof command.builder === "function" ? (command.builder(y as never) as Argv) : y,
        argv,
      ));
    },
  }));
  let exitCode = 0;
  let logLevel: LogLevel = DEFAULT_LOG_LEVEL;
  const program = yargs()
    .scriptName(PROGRAM)
    .usage("$0 <command> [options]\n\nA virtual machine monitor for a toy instruction set.")
    .option("log-level", {
      choices: LOG_LEVELS,
      default: DEFAULT_LOG_LEVEL,
      describe: "How much to log on stderr",
      global: true,
    })
    .middleware((args) => {
      logLevel = args.logLevel as LogLevel;
      Object.assign(args, {
        io: terminal,
        log: createLogger(logLevel, io ? { write: (line: string) => terminal.stderr.write(line) } : undefined),
        setExitCode: (code: number) => (exitCode = code),
      });
    })
    .command(commands as never)
    .demandCommand(1, "no command given")
    .recommendCommands()
    .strict()
    .help()
    .alias("help", HELP_ALIASES)
    .version(toyvmmVersion())
    .alias("version", VERSION_ALIASES)
    .wrap(io ? HELP_COLUMNS : (process.stdout.columns ?? HELP_COLUMNS))
    .showHelpOnFail(false)
    .exitProcess(false)
    // yargs accepts singular/plural pairs here although its types say string.
    .updateStrings({
      "Not enough non-option arguments: got %s, need at least %s": {
        one: "missing argument (got %s, need %s)",
        other: "missing argument (got %s, need %s)",
      },
      "Unknown argument: %s": { one: "unknown argument: %s", other: "unknown arguments: %s" },
      "Invalid values:": "invalid value:",
      "Not enough arguments following: %s": "--%s needs a value",
      "Argument: %s, Given: %s, Choices: %s": "--%s %s is not one of %s",
      "Missing required argument: %s": {
        one: "missing required argument: %s",
        other: "missing required arguments: %s",
      },
    } as unknown as Record<string, string>)
    // Validation failures come as a message, parser failures as a YError: both are usage errors.
    // Anything else was thrown by a command handler and goes to `report` unchanged.
    .fail((message, error) => {
      if (error && error.name !== "YError") throw error;
      const text = message || error?.message || "invalid arguments";
      const unknown = /^unknown arguments?: (.*)$/.exec(text);
      throw new UsageError(unknown ? describeUnknown(unknown[1]!, argv, knownOptions(built ?? program)) : text);
    });
  try {
    await program.parseAsync(argv, {}, (_error, _args, output) => {
      if (output) terminal.stdout.write(output + "\n");
    });
    return exitCode;
  } catch (error) {
    return report(error, argv, terminal, logLevel);
  }
}

function report(error: unknown, argv: string[], io: CliIo, logLevel: LogLevel): number {
  if (error instanceof UserError) {
    // Located diagnostics may carry a source line and caret under the first line: keep them whole.
    io.stderr.write(isLocated(error.message) ? `${error.message.trimEnd()}\n` : `toyvmm: ${oneLine(error.message)}\n`);
    return error.exitCode;
  }
  if (error instanceof UsageError || error instanceof UsageProblem) {
    const command = COMMANDS.map((entry) => entry.name).find((name) => argv.includes(name));
    io.stderr.write(`toyvmm: ${oneLine(error.message)} (see toyvmm ${command ? command + " " : ""}--help)\n`);
    return EXIT_USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`toyvmm: internal error: ${oneLine(message)}\n`);
  if ((logLevel === "debug" || logLevel === "trace") && error instanceof Error && error.stack) {
    io.stderr.write(error.stack + "\n");
  }
  return EXIT_INTERNAL;
}

/** `prog.s:3:5: error: …`, the GNU form that editors jump to, is printed without a prefix. */
const isLocated = (message: string): boolean => /^[^\n]+?:\d+:\d+: (error|warning):/.test(message);

/**
 * yargs lays examples out in two columns, which at 80 columns breaks most commands over two
 * lines. Each example gets the whole width instead, with what it does as a shell comment after
 * it (or above it when the line would be too long), and a command too long for one line goes
 * on the next after a backslash, so that what is shown can be copied and run as it is.
 */
function examplesOnTheirOwnLines(y: Argv): void {
  type Usage = { example(command: string, description?: string): void };
  const usage = (y as unknown as { getInternalMethods(): { getUsageInstance(): Usage } })
    .getInternalMethods()
    .getUsageInstance();
  const add = usage.example.bind(usage);
  usage.example = (template, description) => {
    // Measured as shown: yargs puts the program's name for $0 only when it lays out the help.
    const command = template.replace(/\$0/g, PROGRAM);
    if (!description) return add(command, "");
    const inline = `${command}  # ${description}`;
    if (inline.length <= HELP_COLUMNS - 4) return add(inline, "");
    add(`# ${description}`, "");
    for (const line of shellLines(command, HELP_COLUMNS - 4)) add(line, "");
  };
}

/**
 * yargs lays out a command's whole help (cliui, string widths) as it starts the command's
 * handler, in case the handler asks for it later; no handler here does, and at 20–80 ms it was
 * the largest part of a cold `toyvmm boot`. `--help` and usage errors lay it out when shown.
 */
function helpLaidOutOnlyWhenShown(y: Argv): void {
  const usage = (y as unknown as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } } })
    .getInternalMethods()
    .getUsageInstance();
  usage.cacheHelpMessage = () => {};
}

/** A shell command as lines of at most `width`, broken between words outside quotes with ` \`. */
function shellLines(command: string, width: number): string[] {
  const words = command.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [command];
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line && line.length + 1 + word.length + 2 > width) {
      lines.push(`${line} \\`);
      line = `    ${word}`;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines;
}

/** `-Ilib` as GNU as and cc take it: yargs would read it as the flags -l -i -b. */
const splitAttachedIncludes = (argv: string[]): string[] =>
  argv.flatMap((word) => (/^-I./.test(word) ? ["-I", word.slice(2)] : [word]));
const oneLine = (message: string): string => message.replace(/\s*\n\s*/g, " ").trim();

function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    get stdin() {
      return process.stdin;
    },
  };
}

function invokedAsProgram(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

/**
 * A failed write to stdout or stderr ends the program with one line naming where the output
 * went (`toyvmm: /dev/full (standard output): no space left on device`), exit 1. A reader that
 * goes away (`toyvmm boot solo | head`) ends it quietly, as for `cat`.
 */
function exitOnOutputError(stream: NodeJS.WriteStream, fd: number, name: string): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    const where = outputPath(fd);
    const message = fileError(where ? `${where} (${name})` : name, error).message;
    if (fd !== 2) process.stderr.write(`toyvmm: ${message}\n`);
    process.exit(1);
  });
}

/** The file behind a descriptor, when it is one (not a pipe or terminal). */
function outputPath(fd: number): string | undefined {
  try {
    const target = readlinkSync(`/proc/self/fd/${fd}`);
    return target.startsWith("/") ? target : undefined;
  } catch {
    return undefined;
  }
}

/** Runs as the `toyvmm` program: the command line's words, the process's io and exit status. */
export async function runProgram(): Promise<void> {
  exitOnOutputError(process.stdout, 1, "standard output");
  exitOnOutputError(process.stderr, 2, "standard error");
  process.exitCode = await runCli(process.argv.slice(2));
}

if (invokedAsProgram()) void runProgram();
