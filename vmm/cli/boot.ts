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
import { openGuest, type ResolvedGuest } from "../open-guest.js";
import type { Machine } from "../monitor/machine.js";
import { LabelledLines } from "../monitor/output.js";
import { DEFAULT_QUANTUM, Scheduler } from "../monitor/scheduler.js";
import { createVm } from "../monitor/vm.js";
import { describeOutcome, exitStatusOf, exitStatusOfAll, outcomeOfMachine } from "../outcome.js";
import { UsageProblem } from "./arguments.js";
import { debugMachinesAtFault, DEBUG_ON_FAULT_OPTION, recordNetInput } from "./debug-on-fault.js";
import { GUEST_OPTIONS, inputOf, logMachineRegisters, maxTicksOf, memoryOf, trapLogger, type GuestCliOptions } from "./guest-options.js";
import { checkNetOptions, NET_OPTIONS, nicOf, type NetCliOptions } from "./net-options.js";
import type { NetRun } from "./net-run.js";
import { OBSERVE_OPTIONS, observationOf, type ObserveCliOptions } from "./observe-options.js";
import type { CliIo, Command } from "./shared.js";

interface BootCliOptions extends GuestCliOptions, NetCliOptions, ObserveCliOptions {
  debugOnFault?: boolean;
  guests?: string[];
  list: boolean;
  bare: boolean;
  args?: string[];
  quantum: number;
  json: boolean;
}

interface GuestSpec {
  name: string;
  image: GuestImage;
  bootArgs: string;
}

/** Unique VM names: repeats get -2, -3, … */
export function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const count = (seen.get(n) ?? 0) + 1;
    seen.set(n, count);
    return count === 1 ? n : `${n}-${count}`;
  });
}

/** `NAME:` in front of boot arguments: a word that is not itself an argument (no `=`, no space). */
const VM_PREFIX = /^([A-Za-z0-9_.-]+):/;

/**
 * Assigns every --args value to a VM: `NAME:TEXT` by name, plain `TEXT` to the next in order.
 * A NAME that is no VM's is an error (a typo must not become the next VM's arguments).
 */
export function assignBootArgs(names: string[], values: string[]): string[] {
  const args: (string | undefined)[] = names.map(() => undefined);
  const byName: [number, string][] = [];
  const plain: string[] = [];
  for (const value of values) {
    const prefix = VM_PREFIX.exec(value);
    if (!prefix) {
      plain.push(value);
      continue;
    }
    const target = names.indexOf(prefix[1]!);
    if (target < 0) throw new UserError(`--args ${JSON.stringify(value)}: no VM is called ${prefix[1]} (VMs: ${names.join(", ")})`);
    byName.push([target, value.slice(prefix[0].length)]);
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

/** A user program is no kernel: booted bare it would trap at its first system call. */
function refusePrograms(specs: string[], guests: ResolvedGuest[]): void {
  const index = guests.findIndex((g) => g.kind === "program");
  if (index < 0) return;
  const spec = specs[index]!;
  throw new UserError(
    `${spec}: this is a user program (it has the symbol _start), not a guest kernel: run it with \`toyvmm run ${spec}\`, ` +
      `or migrate it with \`toyvmm migrate ${spec}\``,
  );
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
      .options(GUEST_OPTIONS)
      .options(NET_OPTIONS)
      .options(OBSERVE_OPTIONS)
      .options(DEBUG_ON_FAULT_OPTION)
      .option("json", {
        type: "boolean",
        default: false,
        describe: "Print each VM's outcome and statistics as JSON on stdout at the end; the consoles then go to stderr",
      })
      .example("$0 boot --list", "the bundled guests")
      .example("$0 boot solo --args prog=hello", "boot one guest with boot arguments")
      .example("$0 boot solo multi --args multi:procs=3", "two VMs side by side, console lines labelled")
      .example("$0 boot multi --bare --json", "on the bare CPU, statistics as JSON")
      .example("echo hello | $0 boot solo --args prog=echo --input -", "console input from stdin")
      .example("$0 boot guest-os/net-demo/reflector.s guest-os/net-demo/pinger.s --net --until pinger --capture caps", "two VMs on a simulated switch, a pcap per port")
      .example(
        "$0 boot multi-net multi-net --net --args multi-net:run=tcpecho --args multi-net-2:run=tcpclient --until multi-net-2 --capture caps",
        "a TCP echo server and its client on the guest network stack",
      )
      .example(
        "$0 boot multi-net threads-net threads-net --net --cluster threads-net,threads-net-2 --args multi-net:run=webget,webget --args 'threads-net:demo=dispatcher vip=1' --args 'threads-net-2:demo=dispatcher vip=1' --until multi-net",
        "a server cluster (fig. 3-13): the front end in the switch hands each connection to the next server",
      )
      .example("$0 boot multi --trace trap,syscall --trace-file multi.trace", "every trap and system call of a kernel")
      .example("$0 boot multi --profile --profile-folded multi.folded", "where the kernel spends its time, and stacks for a flame graph")
      .example(
        "$0 boot multi-net multi-net --net --args multi-net:run=tcpecho --args multi-net-2:run=tcpclient --until multi-net-2 --trace syscall --profile",
        "the socket calls of an echo server and its client, and where each VM spends its time",
      )
      .epilogue(
        "GUEST is a bundled guest OS or a kernel image (.tvm) or source (.s); a user program (one with _start, " +
          "as in programs/) runs with `toyvmm run`. --max-ticks counts the ticks of all VMs together. Exit status: " +
          "the first VM that did not end cleanly decides (its halt status, 124 at the tick limit, 125 when it waits " +
          "for ever, 128 + cause after a fault). With --net the VMs run in lock step on the network's virtual time, " +
          "--max-ticks counts that time, and VMs stopped because the --until ones ended do not count towards the status; " +
          "--trace and --profile observe every VM, and --debug-on-fault replays each VM with the frames the network gave it.",
      ),
  handler: async (args) => {
    const io = args.io;
    if (args.list) {
      listGuests(io, args.json);
      return;
    }
    if (!args.guests?.length) throw new UsageProblem("name at least one guest to boot (or --list)");
    if (!Number.isSafeInteger(args.quantum) || args.quantum < 1) {
      throw new UserError(`--quantum ${args.quantum}: expected a whole number of ticks ≥ 1`);
    }
    checkNetOptions(args);
    const maxTicks = maxTicksOf(args);
    const memorySize = memoryOf(args);
    const loaded = await Promise.all(args.guests.map((spec) => openGuest(spec, undefined, args.includeDir)));
    refusePrograms(args.guests, loaded);
    const names = uniqueNames(loaded.map((g) => g.name));
    const bootArgs = assignBootArgs(names, args.args ?? []);
    const specs: GuestSpec[] = loaded.map((g, i) => ({ name: names[i]!, image: g.image, bootArgs: bootArgs[i]! }));

    const labelled = specs.length > 1;
    // With --json stdout carries the JSON document, so the consoles go to stderr.
    const consoleOut = args.json ? io.stderr : io.stdout;
    const lines = specs.map((s) => new LabelledLines(labelled ? s.name : null, (chunk) => consoleOut.write(chunk)));
    const make = args.bare ? createBareMachine : createVm;
    const input = await inputOf(args, io);
    const traceTraps = args.logLevel === "trace";
    const watch = await observationOf(args, io, specs);
    const machines: Machine[] = specs.map((s, i) => {
      const options = {
        name: s.name,
        image: s.image,
        bootArgs: s.bootArgs,
        ...(traceTraps ? { onTrap: trapLogger(args.log, s.name) } : {}),
        ...(memorySize !== undefined ? { memorySize } : {}),
        ...(input !== undefined ? { input } : {}),
        ...(args.net ? { nic: nicOf(i, args) } : {}),
      };
      if (!watch) return make({ ...options, sink: lines[i]!.sink });
      // Traced or profiled: the scheduler steps the machine tick by tick (vmm/debug/observe.ts).
      return watch.machine(i, (sink) => make({ ...options, sink }), lines[i]!.sink);
    });
    for (const m of machines) args.log.info({ vm: m.name, mode: args.bare ? "bare" : "monitor", memory: m.memory.size }, "vm started");
    let network: NetRun | undefined;
    let result;
    const recorder = args.net && args.debugOnFault ? await recordNetInput(machines) : undefined;
    if (args.net) {
      network = (await import("./net-run.js")).runOnNetwork(machines, args, maxTicks);
      const state = network.stop === "tick-limit" ? "tick-limit" : "done";
      result = { state, ticks: network.ticks, outcomes: machines.map((m) => ({ name: m.name, outcome: m.ended ?? { kind: "tick-limit" as const } })) };
    } else {
      const scheduler = new Scheduler({ quantum: args.quantum, ...(maxTicks !== undefined ? { maxTicks } : {}) });
      for (const m of machines) scheduler.add(m);
      result = scheduler.run();
    }
    for (const l of lines) l.flush();
    watch?.finish();

    const stopped = new Set(network?.stopped ?? []);
    const counted = (name: string) => !stopped.has(name);
    const outcomes = result.outcomes.map(({ outcome }, i) => outcomeOfMachine(outcome, machines[i]));
    result.outcomes.forEach(({ name }, i) => {
      const outcome = outcomes[i]!;
      args.log.info({ vm: name, outcome, ticks: machines[i]!.cpu.ticks }, "vm ended");
      if (outcome.kind === "fault") logMachineRegisters(args.log, machines[i]!);
      if (!counted(name)) {
        if (!args.json) io.stderr.write(`toyvmm: ${name}: stopped, still running when ${args.until!.join(", ")} ended\n`);
      } else if (exitStatusOf(outcome) !== 0 && !args.json) {
        io.stderr.write(`toyvmm: ${name}: ${describeOutcome(outcome, specs[i]!.image.symbols)}\n`);
      }
    });
    if (args.json) {
      const report = result.outcomes.map(({ name }, i) => ({
        name,
        mode: args.bare ? "bare" : "monitor",
        outcome: counted(name) ? outcomes[i] : { kind: "stopped" },
        exitStatus: counted(name) ? exitStatusOf(outcomes[i]!) : 0,
        ticks: machines[i]!.cpu.ticks,
        stats: machines[i]!.stats.snapshot(),
        ...(network && { port: network.ports[i], nic: machines[i]!.nic!.counters }),
      }));
      const exitStatus = exitStatusOfAll(outcomes.filter((_, i) => counted(machines[i]!.name)));
      const frontEnd = network?.frontEnd && { frontEnd: network.frontEnd };
      io.stdout.write(JSON.stringify({ state: result.state, ticks: result.ticks, exitStatus, vms: report, ...frontEnd }, null, 2) + "\n");
    }
    const faulted = outcomes.findIndex((o) => o.kind === "fault");
    if (faulted >= 0 && args.debugOnFault) {
      const options = { bare: args.bare, quantum: args.quantum, ...(input ? { input } : {}), ...(memorySize !== undefined ? { memorySize } : {}) };
      const net = recorder && { recorder, macs: specs.map((_, i) => nicOf(i, args).mac) };
      await debugMachinesAtFault(specs, options, machines.map((m) => m.cpu.ticks), faulted, io, net);
    }
    args.setExitCode(exitStatusOfAll(outcomes.filter((_, i) => counted(machines[i]!.name))));
  },
};
