/**
 * `toyvmm debug PROG|GUEST…`: the debugger's terminal front end. The session itself
 * (vmm/debug/session.ts) knows no terminal: this file reads command lines — from `-x FILE`,
 * from standard input when it is a pipe, or with line editing and history on a terminal — and
 * prints each answer, as text or (--json) as one JSON object per command.
 */
import { createInterface } from "node:readline";
import { UserError } from "../../isa/errors.js";
import { readFileBytes, readStreamBytes, STDIN_NAME, type ReadLimit } from "../../isa/user-files.js";
import type { MigrationPlan } from "../debug/migration.js";
import { openMachines, openProgram } from "../debug/open.js";
import type { Reply, Session } from "../debug/session.js";
import { DEFAULT_INTERVAL } from "../debug/timeline.js";
import { openGuest } from "../open-guest.js";
import { DEFAULT_QUANTUM } from "../monitor/scheduler.js";
import { UsageProblem } from "./arguments.js";
import { assignBootArgs, uniqueNames } from "./boot.js";
import { GUEST_OPTIONS, inputOf, maxTicksOf, memoryOf, type GuestCliOptions } from "./guest-options.js";
import {
  givenMigrationFlags,
  MIGRATION_OPTIONS,
  migrationParametersOf,
  type MigrationCliOptions,
} from "./migration-options.js";
import type { CliIo, Command } from "./shared.js";

interface DebugOptions extends GuestCliOptions, MigrationCliOptions {
  guests: string[];
  args?: string[];
  bare: boolean;
  command?: string[];
  json: boolean;
  snapshotInterval?: number;
  quantum: number;
  migrateAt?: number;
}

/** A debugger script: commands, one a line. */
const SCRIPT: ReadLimit = { limit: 1 << 20, what: "a debugger script", streams: false };
const SCRIPT_STDIN: ReadLimit = { ...SCRIPT, streams: true };

export const debugCommand: Command<DebugOptions> = {
  command: "debug <guests..>",
  describe:
    "Debug a program (process VM) or guest kernels (monitor or bare): breakpoints, watchpoints, stepping backwards",
  builder: (yargs) =>
    yargs
      .positional("guests", {
        type: "string",
        array: true,
        demandOption: true,
        describe:
          "A program (.s or .tvm with _start), or guest kernels: bundled names, images or sources, several side by side",
      })
      .option("args", {
        type: "string",
        array: true,
        describe: "Boot arguments, as for run (one) or boot (TEXT or NAME:TEXT, repeatable)",
      })
      .option("bare", {
        type: "boolean",
        default: false,
        describe: "Guest kernels on the bare CPU instead of the monitor",
      })
      .option("command", {
        alias: "x",
        type: "string",
        array: true,
        nargs: 1,
        describe: "Run the debugger commands in FILE (one a line), then end (repeatable)",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "Answer each command with one JSON object on a line of stdout",
      })
      .option("snapshot-interval", {
        type: "number",
        default: DEFAULT_INTERVAL,
        describe: "Guest ticks between the snapshots that reverse execution replays from",
      })
      .option("quantum", {
        type: "number",
        default: DEFAULT_QUANTUM,
        describe: "Guest ticks per turn when several VMs continue round robin",
      })
      .options(GUEST_OPTIONS)
      .option("migrate-at", {
        type: "number",
        requiresArg: true,
        describe:
          "Live-migrate the guest from host A to host B when it reaches this tick, in the simulated world of toyvmm migrate (with its options below)",
      })
      .options(MIGRATION_OPTIONS)
      .example(
        "printf 'break insertion_sort\\ncontinue\\nbacktrace\\ninfo registers\\n' | $0 debug programs/sort.s",
        "commands from a pipe",
      )
      .example(
        "printf 'watch numbers+24\\ncontinue\\nreverse-continue\\ninfo registers t0\\n' | $0 debug programs/buggy-sort.s",
        "run to the end, then back to the store that wrote past the array",
      )
      .example(
        "printf 'catch trap\\ncontinue\\ninfo registers\\nbacktrace\\n' | $0 debug solo --args prog=hello",
        "stop in a guest kernel's trap handler",
      )
      .example("printf 'info vms\\nvm 2\\nstepi 3\\n' | $0 debug solo multi --json", "two VMs, answers as JSON")
      .example(
        "printf 'goto 20100\\ninfo migration\\nreverse-stepi 100\\ninfo migration\\ncontinue\\n' | $0 debug multi --args run=count,hog --migrate-at 20000 --strategy post-copy",
        "migrate during the session, step back over the switchover to host A, run on to the end on host B",
      )
      .epilogue(
        "On a terminal the commands are read with line editing and history; `help` lists them (break, watch, catch, step, " +
          "next, finish, until, continue, reverse-stepi, reverse-continue, goto, info registers, x, disassemble, backtrace, " +
          "info pagetable, info vms, vm, info migration). A mistake in a script (-x FILE or a pipe) ends the session with FILE:LINE and exit " +
          "status 1. docs/DEBUGGING.md has worked sessions.",
      ),
  handler: async (args) => {
    const io = args.io;
    const interval = args.snapshotInterval ?? DEFAULT_INTERVAL;
    if (!Number.isSafeInteger(interval) || interval < 1)
      throw new UserError(`--snapshot-interval ${interval}: expected a whole number of ticks ≥ 1`);
    if (!Number.isSafeInteger(args.quantum) || args.quantum < 1)
      throw new UserError(`--quantum ${args.quantum}: expected a whole number of ticks ≥ 1`);
    await converse(await openSession(args), io, { scripts: args.command ?? [], json: args.json });
  },
};

/** --migrate-at and the migration's options, checked before anything runs. */
function migrationPlanOf(args: DebugOptions): MigrationPlan | undefined {
  if (args.migrateAt === undefined) {
    const given = givenMigrationFlags(args);
    if (given.length > 0) throw new UsageProblem(`${given[0]} goes with --migrate-at TICK (when the guest migrates)`);
    return undefined;
  }
  if (!Number.isSafeInteger(args.migrateAt) || args.migrateAt < 0)
    throw new UserError(`--migrate-at ${args.migrateAt}: expected a whole number of ticks ≥ 0`);
  return { atTick: args.migrateAt, parameters: migrationParametersOf(args) };
}

/**
 * Talks with a session: the scripts given, else standard input — a terminal with line editing,
 * or a pipe read as a script. Also what `run` and `boot` start at a fault (--debug-on-fault).
 */
export async function converse(
  session: Session,
  io: CliIo,
  options: { scripts?: string[]; json: boolean },
): Promise<void> {
  const scripts = options.scripts ?? [];
  const stdin = io.stdin as (NodeJS.ReadableStream & { isTTY?: boolean }) | undefined;
  const show = (reply: Reply, withError: boolean) => print(io, reply, options.json, withError);
  if (!options.json) io.stdout.write(`${session.where()}\n`);
  for (const file of scripts) runScript(session, file, new TextDecoder().decode(readFileBytes(file, SCRIPT)), show);
  if (scripts.length > 0 || !stdin) return;
  if (stdin.isTTY) await interactive(session, stdin, show);
  else {
    const text = new TextDecoder().decode(
      await readStreamBytes(stdin as AsyncIterable<Uint8Array>, STDIN_NAME, SCRIPT_STDIN),
    );
    runScript(session, STDIN_NAME, text, show);
  }
}

async function openSession(args: DebugOptions & { io: CliIo }): Promise<Session> {
  const migration = migrationPlanOf(args);
  const loaded = await Promise.all(args.guests.map((spec) => openGuest(spec, undefined, args.includeDir)));
  const input = await inputOf(args, args.io);
  const maxTicks = maxTicksOf(args);
  const memorySize = memoryOf(args);
  const common = {
    interval: args.snapshotInterval ?? DEFAULT_INTERVAL,
    ...(migration ? { migration } : {}),
    ...(input ? { input } : {}),
    ...(maxTicks !== undefined ? { maxTicks } : {}),
    ...(memorySize !== undefined ? { memorySize } : {}),
  };
  const programs = loaded.filter((g) => g.kind === "program");
  if (programs.length > 0) {
    if (loaded.length > 1)
      throw new UsageProblem("a program is debugged alone: give one program, or guest kernels only");
    if (args.bare) throw new UsageProblem("--bare is for guest kernels; a program runs in the process VM");
    if ((args.args?.length ?? 0) > 1) throw new UsageProblem("a program takes one --args");
    return openProgram(loaded[0]!.image, { ...common, name: args.guests[0]!, args: args.args?.[0] ?? "" }).session;
  }
  const names = uniqueNames(loaded.map((g) => g.name));
  const bootArgs = assignBootArgs(names, args.args ?? []);
  const specs = loaded.map((g, i) => ({ name: names[i]!, image: g.image, bootArgs: bootArgs[i]! }));
  return openMachines(specs, { ...common, bare: args.bare, quantum: args.quantum }).session;
}

/** Every line of a script; the first that fails ends the session with its place. */
function runScript(
  session: Session,
  name: string,
  text: string,
  show: (reply: Reply, withError: boolean) => void,
): void {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const reply = session.execute(line);
    if (reply.error !== undefined) {
      show({ ...reply, lines: [] }, false);
      throw new UserError(`${name}:${i + 1}: ${reply.error}`);
    }
    show(reply, true);
    if (reply.quit) return;
  }
}

/** On a terminal: a prompt, line editing and history; an empty line repeats the last command. */
async function interactive(
  session: Session,
  stdin: NodeJS.ReadableStream,
  show: (reply: Reply, withError: boolean) => void,
): Promise<void> {
  const rl = createInterface({ input: stdin, output: process.stdout, prompt: "(toyvmm) ", historySize: 1000 });
  let last = "";
  rl.prompt();
  for await (const line of rl) {
    const command = line.trim() === "" ? last : line;
    last = command;
    const reply = session.execute(command);
    show(reply, true);
    if (reply.quit) break;
    rl.prompt();
  }
  rl.close();
}

/** An answer on stdout; its error on stderr (unless a script's error line will tell it). */
function print(io: CliIo, reply: Reply, json: boolean, withError: boolean): void {
  if (json) {
    const { lines, data, error, console } = reply;
    io.stdout.write(
      JSON.stringify({
        ...data,
        ok: error === undefined,
        ...(error !== undefined ? { error } : {}),
        lines,
        ...(console ? { console } : {}),
      }) + "\n",
    );
    return;
  }
  if (reply.console) io.stdout.write(reply.console.endsWith("\n") ? reply.console : `${reply.console}\n`);
  for (const line of reply.lines) io.stdout.write(`${line}\n`);
  if (reply.error !== undefined && withError) io.stderr.write(`${reply.error}\n`);
}
