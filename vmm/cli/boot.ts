/**
 * `toyvmm boot GUEST…`: boots one or more guests side by side under the trap-and-emulate
 * monitor (or, with --bare, each on a bare CPU) and runs them round robin until they end.
 *
 * A GUEST is a bundled guest's name (`toyvmm boot --list`), an image file (.tvm) or an assembly
 * source (.s, assembled on the way). Boot arguments: `--args TEXT` goes to the next VM that has
 * none yet, in order; `--args NAME:TEXT` goes to the VM called NAME (VM names are the guest
 * names, with -2, -3 … added to repeats). Several VMs: every console line is labelled [NAME].
 */
import { UserError } from "../../isa/errors.js";
import type { GuestImage } from "../../isa/image/model.js";
import { createBareMachine } from "../monitor/bare.js";
import { listBundledGuests } from "../monitor/bundled.js";
import { resolveGuest } from "../guests.js";
import { describeExit, type Machine } from "../monitor/machine.js";
import { LabelledLines } from "../monitor/output.js";
import { DEFAULT_QUANTUM, Scheduler, type MachineOutcome } from "../monitor/scheduler.js";
import { createVm } from "../monitor/vm.js";
import { readInput, type CliIo, type Command } from "./shared.js";

interface BootCliOptions {
  guests?: string[];
  list: boolean;
  bare: boolean;
  args?: string[];
  quantum: number;
  maxTicks?: number;
  memory?: number;
  input?: string;
  json: boolean;
}

interface GuestSpec {
  name: string;
  image: GuestImage;
  bootArgs: string;
}

/** Unique VM names: repeats get -2, -3, … */
function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const count = (seen.get(n) ?? 0) + 1;
    seen.set(n, count);
    return count === 1 ? n : `${n}-${count}`;
  });
}

/** Assigns every --args value to a VM: `NAME:TEXT` by name, plain `TEXT` to the next in order. */
export function assignBootArgs(names: string[], values: string[]): string[] {
  const args: (string | undefined)[] = names.map(() => undefined);
  const byName: [number, string][] = [];
  const plain: string[] = [];
  for (const value of values) {
    const colon = value.indexOf(":");
    const target = colon > 0 ? names.indexOf(value.slice(0, colon)) : -1;
    if (target >= 0) byName.push([target, value.slice(colon + 1)]);
    else plain.push(value);
  }
  for (const [target, text] of byName) {
    if (args[target] !== undefined) throw new UserError(`--args: ${names[target]} is given boot arguments twice`);
    args[target] = text;
  }
  for (const text of plain) {
    const target = args.findIndex((a) => a === undefined);
    if (target < 0) {
      throw new UserError(
        `--args "${text}": every VM already has boot arguments (use NAME:ARGS; VMs: ${names.join(", ")})`,
      );
    }
    args[target] = text;
  }
  return args.map((a) => a ?? "");
}

function outcomeText(outcome: MachineOutcome): string {
  if (outcome.kind === "tick-limit") return "stopped at the tick limit";
  if (outcome.kind === "blocked") return "waiting for console input that never came";
  return describeExit(outcome);
}

/** Process exit status: the first non-zero halt status (low 8 bits), 1 for a guest fault. */
function exitStatus(outcomes: MachineOutcome[]): number {
  for (const o of outcomes) {
    if (o.kind === "halted" && (o.status & 0xff) !== 0) return o.status & 0xff;
    if (o.kind === "fault" || o.kind === "idle") return 1;
  }
  return 0;
}

function listGuests(io: CliIo, json: boolean): void {
  const guests = listBundledGuests();
  if (json) {
    io.stdout.write(
      JSON.stringify(
        guests.map(({ name, description }) => ({ name, description })),
        null,
        2,
      ) + "\n",
    );
    return;
  }
  const width = Math.max(4, ...guests.map((g) => g.name.length));
  for (const g of guests) io.stdout.write(`${g.name.padEnd(width)}  ${g.description}\n`);
}

export const bootCommand: Command<BootCliOptions> = {
  command: "boot [guests..]",
  describe: "Boot guest mini-OSes under the trap-and-emulate monitor",
  builder: (yargs) =>
    yargs
      .positional("guests", {
        type: "string",
        array: true,
        describe: "Bundled guest name (see --list), image (.tvm) or assembly source (.s); several run side by side",
      })
      .option("list", { type: "boolean", default: false, describe: "List the bundled guests and exit" })
      .option("bare", { type: "boolean", default: false, describe: "Run on the bare CPU instead of the monitor" })
      .option("args", {
        type: "string",
        array: true,
        describe: "Boot arguments: TEXT for the next VM in order, or NAME:TEXT for the VM called NAME (repeatable)",
      })
      .option("quantum", {
        type: "number",
        default: DEFAULT_QUANTUM,
        describe: "Guest ticks per turn of the round robin",
      })
      .option("max-ticks", { type: "number", describe: "Stop after this many guest ticks over all VMs" })
      .option("memory", { type: "number", describe: "Guest memory in bytes per VM (default: what the image asks for)" })
      .option("input", { type: "string", nargs: 1, describe: "File each VM reads as console input, or - for stdin" })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "Print each VM's outcome and statistics as JSON at the end",
      })
      .check((argv) => {
        if (!argv.list && !argv.guests?.length) throw new Error("name at least one guest to boot (or --list)");
        if (!(argv.quantum >= 1)) throw new Error("--quantum must be at least 1");
        if (argv.maxTicks !== undefined && !(Number(argv.maxTicks) >= 0))
          throw new Error("--max-ticks must be a number of ticks");
        return true;
      })
      .example("$0 boot --list", "the bundled guests")
      .example("$0 boot solo --args prog=hello", "boot one guest with boot arguments")
      .example("$0 boot solo multi --args multi:procs=3", "two VMs side by side, console lines labelled")
      .example("$0 boot prog.s --bare --json", "a source file on the bare CPU, statistics as JSON")
      .example("echo hello | $0 boot solo --args prog=echo --input -", "console input from stdin"),
  handler: async (args) => {
    const io = args.io;
    if (args.list) {
      listGuests(io, args.json);
      return;
    }
    const loaded = args.guests!.map((spec) => resolveGuest(spec));
    const names = uniqueNames(loaded.map((g) => g.name));
    const bootArgs = assignBootArgs(names, args.args ?? []);
    const specs: GuestSpec[] = loaded.map((g, i) => ({ name: names[i]!, image: g.image, bootArgs: bootArgs[i]! }));

    const labelled = specs.length > 1;
    // With --json stdout carries the JSON document, so the consoles go to stderr.
    const consoleOut = args.json ? io.stderr : io.stdout;
    const lines = specs.map((s) => new LabelledLines(labelled ? s.name : null, (chunk) => consoleOut.write(chunk)));
    const make = args.bare ? createBareMachine : createVm;
    const input = args.input === undefined ? undefined : await readInput(args.input, io);
    const machines: Machine[] = specs.map((s, i) =>
      make({
        name: s.name,
        image: s.image,
        bootArgs: s.bootArgs,
        sink: lines[i]!.sink,
        ...(args.memory !== undefined ? { memorySize: args.memory } : {}),
        ...(input !== undefined ? { input } : {}),
      }),
    );
    const scheduler = new Scheduler({
      quantum: args.quantum,
      ...(args.maxTicks !== undefined ? { maxTicks: args.maxTicks } : {}),
    });
    for (const m of machines) scheduler.add(m);
    const result = scheduler.run();
    for (const l of lines) l.flush();

    for (const { name, outcome } of result.outcomes) {
      args.log.info({ vm: name, outcome }, "vm ended");
      const clean = outcome.kind === "halted" && outcome.status === 0;
      if (!clean && !args.json) io.stderr.write(`toyvmm: ${name}: ${outcomeText(outcome)}\n`);
    }
    if (args.json) {
      const report = result.outcomes.map(({ name, outcome }, i) => ({
        name,
        mode: args.bare ? "bare" : "monitor",
        outcome,
        stats: machines[i]!.stats.snapshot(),
      }));
      io.stdout.write(JSON.stringify({ state: result.state, ticks: result.ticks, vms: report }, null, 2) + "\n");
    }
    args.setExitCode(exitStatus(result.outcomes.map((o) => o.outcome)));
  },
};
