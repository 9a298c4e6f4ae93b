/**
 * `toyvmm vm ACTION …`: a client of a running host (`toyvmm host`), in virsh's spirit — start,
 * list, inspect, watch, pause, resume, stop, save and restore VMs over the control protocol
 * (vmm/host/client.ts). Every action takes --host ADDR: a socket path, a host's --name, or
 * HOST:PORT with --token-file; by default the socket of a host started without --control.
 */
import { isAbsolute, resolve } from "node:path";
import { UserError } from "../../isa/errors.js";
import { readFileBytes, readStreamBytes, STDIN_NAME } from "../../isa/user-files.js";
import { isGuestPath } from "../guests.js";
import { formatSize, parseCount, parseMemorySize } from "../migration/units.js";
import { describeAddress, parseControlAddress, type ControlAddress } from "../host/address.js";
import { ControlClient } from "../host/client.js";
import { followConsole, readConsole, type ConsoleEnd, type ConsoleSink } from "../host/follow-console.js";
import { CREATE_INPUT_MAX, type AnswerOf, type VmSummary } from "../host/protocol-commands.js";
import { defaultControlPath, DEFAULT_HOST_NAME } from "../host/runtime-dir.js";
import { readTokenFile } from "../host/token.js";
import { UsageProblem } from "./arguments.js";
import { INCLUDE_DIR_OPTION } from "./guest-options.js";
import type { CliContext, CliIo, Command } from "./shared.js";

interface VmCliOptions {
  action: string;
  words?: string[];
  host?: string;
  tokenFile?: string;
  json: boolean;
  args?: string;
  memory?: string;
  maxTicks?: string;
  input?: string;
  includeDir?: string[];
  bare: boolean;
  paused: boolean;
  name?: string;
  follow: boolean;
  keep: boolean;
  force: boolean;
}

type Args = VmCliOptions & CliContext;

/** Each action: the words it takes after it, and what it does. */
const ACTIONS: Record<string, { words: string[]; run: (client: ControlClient, args: Args, words: string[]) => Promise<void> }> = {
  start: { words: ["GUEST"], run: start },
  list: { words: [], run: list },
  info: { words: ["VM"], run: info },
  console: { words: ["VM"], run: consoleOf },
  pause: { words: ["VM"], run: (client, args, [vm]) => change(client, args, "vm-pause", vm!, "paused") },
  resume: { words: ["VM"], run: (client, args, [vm]) => change(client, args, "vm-resume", vm!, "running") },
  stop: { words: ["VM"], run: stop },
  save: { words: ["VM", "FILE"], run: save },
  restore: { words: ["FILE"], run: restore },
};

/** Options that only some actions take, and which. */
const ACTION_OPTIONS: [keyof VmCliOptions, string, string[]][] = [
  ["args", "--args", ["start"]],
  ["memory", "--memory", ["start"]],
  ["maxTicks", "--max-ticks", ["start"]],
  ["input", "--input", ["start"]],
  ["includeDir", "--include-dir", ["start"]],
  ["bare", "--bare", ["start"]],
  ["paused", "--paused", ["start", "restore"]],
  ["name", "--name", ["start", "restore"]],
  ["keep", "--keep", ["save"]],
  ["force", "--force", ["save"]],
  ["json", "--json", ["start", "list", "info", "save", "restore"]],
];

function checkUsage(args: Args): string[] {
  const action = ACTIONS[args.action];
  if (!action) throw new UsageProblem(`unknown action ${JSON.stringify(args.action)} (actions: ${Object.keys(ACTIONS).join(", ")})`);
  const words = args.words ?? [];
  if (words.length !== action.words.length) {
    const wanted = action.words.length ? `needs ${action.words.join(" ")}` : "takes no arguments";
    throw new UsageProblem(`vm ${args.action} ${wanted}${words.length > action.words.length ? ` (got ${words.map((w) => JSON.stringify(w)).join(" ")})` : ""}`);
  }
  for (const [key, flag, actions] of ACTION_OPTIONS) {
    const value = args[key];
    if (value !== undefined && value !== false && !actions.includes(args.action)) {
      throw new UsageProblem(`${flag} goes with vm ${actions.join(" and vm ")}, not vm ${args.action}`);
    }
  }
  if (!args.follow && args.action !== "console") throw new UsageProblem(`--no-follow goes with vm console, not vm ${args.action}`);
  return words.map(String);
}

/** The host --host names, and what to tell a user when nothing answers there. */
function addressOf(args: Args): { address: ControlAddress; hint: string } {
  const text = args.host ?? DEFAULT_HOST_NAME;
  const address = parseControlAddress(text);
  const start =
    address.kind === "tcp" ? `toyvmm host --control-tcp ${address.port} --token-file FILE`
    : address.path === defaultControlPath() ? "toyvmm host"
    : address.path === defaultControlPath(text) ? `toyvmm host --name ${text}`
    : `toyvmm host --control ${address.path}`;
  return { address, hint: `start one with ${start}` };
}

async function connectTo(args: Args): Promise<ControlClient> {
  const { address, hint } = addressOf(args);
  if (address.kind === "tcp" && args.tokenFile === undefined) throw new UserError(`--host ${describeAddress(address)}: a TCP host needs --token-file FILE`);
  if (address.kind === "unix" && args.tokenFile !== undefined) throw new UsageProblem("--token-file goes with a TCP --host (HOST:PORT)");
  const token = args.tokenFile !== undefined ? readTokenFile(args.tokenFile) : undefined;
  return ControlClient.connect(address, { hint, ...(token !== undefined ? { token } : {}) });
}

function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

/** A path the host can open: absolute, since the host's working directory is not this one. */
const onHost = (path: string): string => (isAbsolute(path) ? path : resolve(path));

const INPUT_LIMIT = { limit: CREATE_INPUT_MAX, what: "console input for a VM on a host", streams: true };

async function inputText(args: Args): Promise<string | undefined> {
  if (args.input === undefined) return undefined;
  const bytes =
    args.input !== "-" ? readFileBytes(args.input, INPUT_LIMIT)
    : args.io.stdin ? await readStreamBytes(args.io.stdin as AsyncIterable<Uint8Array>, STDIN_NAME, INPUT_LIMIT)
    : new Uint8Array(0);
  return new TextDecoder().decode(bytes);
}

async function start(client: ControlClient, args: Args, [guest]: string[]): Promise<void> {
  const input = await inputText(args);
  const vm = await client.call("vm-create", {
    guest: isGuestPath(guest!) ? onHost(guest!) : guest!,
    args: args.args ?? "",
    bare: args.bare,
    paused: args.paused,
    ...(args.name !== undefined ? { name: args.name } : {}),
    ...(args.memory !== undefined ? { memory: parseMemorySize(args.memory, "--memory") } : {}),
    ...(args.maxTicks !== undefined ? { maxTicks: parseCount(args.maxTicks, "--max-ticks") } : {}),
    ...(input !== undefined ? { input } : {}),
    ...(args.includeDir?.length ? { includeDirs: args.includeDir.map(onHost) } : {}),
  });
  if (args.json) return printJson(args.io, vm);
  args.io.stdout.write(`${vm.name} started on host ${client.greeting.host}${vm.state === "paused" ? " (paused)" : ""}\n`);
}

/** "running", "running, waiting for input", "paused", "ended". */
function stateText(vm: VmSummary): string {
  return vm.waiting ? `${vm.state}, waiting for ${vm.waiting}` : vm.state;
}

async function list(client: ControlClient, args: Args): Promise<void> {
  const vms = await client.call("query-vms", {});
  if (args.json) return printJson(args.io, vms);
  const rows = [["NAME", "KIND", "STATE", "TICKS", "MEMORY", "GUEST"], ...vms.map((vm) => [vm.name, vm.kind, stateText(vm), String(vm.ticks), formatSize(vm.memory), vm.guest])];
  const widths = rows[0]!.map((_h, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) args.io.stdout.write(row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join("  ") + "\n");
}

async function info(client: ControlClient, args: Args, [vm]: string[]): Promise<void> {
  const status = await client.call("query-status", { vm: vm! });
  if (args.json) return printJson(args.io, status);
  const lines: [string, string][] = [
    ["name", status.name],
    ["host", client.greeting.host],
    ["kind", status.kind],
    ["guest", status.guest],
    ["state", stateText(status)],
    ["ticks", String(status.ticks)],
    ["memory", formatSize(status.memory)],
    ["boot args", status.bootArgs || "(none)"],
    ["outcome", status.description !== null ? `${status.description} (exit status ${status.exitStatus})` : "(running)"],
    ["console", `${status.console.written} bytes written, ${status.console.kept} kept, ${status.console.dropped} dropped`],
    ["input", `${status.console.inputPending} bytes waiting`],
  ];
  for (const [key, value] of lines) args.io.stdout.write(`${`${key}:`.padEnd(11)}${value}\n`);
}

async function consoleOf(client: ControlClient, args: Args, [vm]: string[]): Promise<void> {
  let started = false;
  const sink: ConsoleSink = {
    write: (text) => {
      started = true;
      args.io.stdout.write(text);
    },
    missed: (bytes) => args.io.stderr.write(`toyvmm: ${vm}: ${bytes} bytes of output ${started ? "missed (this terminal fell behind)" : "before these are no longer kept"}\n`),
    inputRefused: (reason) => args.io.stderr.write(`toyvmm: console input not sent: ${reason}\n`),
  };
  const end = args.follow ? await followConsole(client, vm!, sink, args.io.stdin) : await readConsole(client, vm!, sink);
  reportEnd(args, vm!, end);
}

/** The exit status of a watched VM: the guest's own once it has ended, as `toyvmm boot` gives it. */
function reportEnd(args: Args, vm: string, end: ConsoleEnd): void {
  if (end.kind === "gone") throw new UserError(`${vm} left the host while its console was watched`);
  if (end.kind !== "ended") return;
  if (end.exitStatus !== 0) args.io.stderr.write(`toyvmm: ${vm}: ${end.description}\n`);
  args.setExitCode(end.exitStatus);
}

async function change(client: ControlClient, args: Args, command: "vm-pause" | "vm-resume", vm: string, state: string): Promise<void> {
  const summary: AnswerOf<"vm-pause"> = await client.call(command, { vm });
  args.io.stdout.write(`${summary.name} ${state} at tick ${summary.ticks}\n`);
}

async function stop(client: ControlClient, args: Args, [vm]: string[]): Promise<void> {
  await client.call("vm-destroy", { vm: vm! });
  args.io.stdout.write(`${vm} stopped and removed from host ${client.greeting.host}\n`);
}

async function save(client: ControlClient, args: Args, [vm, file]: string[]): Promise<void> {
  const saved = await client.call("vm-save", { vm: vm!, file: onHost(file!), stop: !args.keep, overwrite: args.force });
  if (args.json) return printJson(args.io, saved);
  args.io.stdout.write(`${vm} saved to ${saved.file} (${formatSize(saved.bytes)} at tick ${saved.ticks})${args.keep ? "" : `; it left host ${client.greeting.host}`}\n`);
}

async function restore(client: ControlClient, args: Args, [file]: string[]): Promise<void> {
  const vm = await client.call("vm-restore", { file: onHost(file!), paused: args.paused, ...(args.name !== undefined ? { name: args.name } : {}) });
  if (args.json) return printJson(args.io, vm);
  args.io.stdout.write(`${vm.name} restored on host ${client.greeting.host} at tick ${vm.ticks}${vm.state === "paused" ? " (paused)" : ""}\n`);
}

export const vmCommand: Command<VmCliOptions> = {
  command: "vm <action> [words..]",
  describe: "Start, watch and manage VMs on a running host (toyvmm host)",
  builder: (yargs) =>
    yargs
      .positional("action", { type: "string", demandOption: true, describe: "start GUEST, list, info VM, console VM, pause VM, resume VM, stop VM, save VM FILE or restore FILE" })
      .positional("words", { type: "string", array: true, describe: "The action's GUEST, VM or FILE" })
      .option("host", { type: "string", describe: "The host: a socket path, a host's --name, or HOST:PORT with --token-file (default: the socket of a host started without --control)" })
      .option("token-file", { type: "string", describe: "File holding a TCP host's token" })
      .option("args", { type: "string", describe: 'start: boot arguments, e.g. "prog=fib n=10"' })
      .option("memory", { type: "string", describe: "start: guest memory, e.g. 4MiB (default: what the image asks for)" })
      .option("max-ticks", { type: "string", describe: "start: stop the guest after this many ticks (k, M, G suffixes)" })
      .option("input", { type: "string", describe: `start: console input given up front, from a file or - for stdin (at most ${formatSize(CREATE_INPUT_MAX)})` })
      .option("include-dir", { ...INCLUDE_DIR_OPTION, describe: `start: ${INCLUDE_DIR_OPTION.describe}` })
      .option("bare", { type: "boolean", default: false, describe: "start: a guest OS on a bare CPU instead of under the monitor" })
      .option("paused", { type: "boolean", default: false, describe: "start, restore: the VM waits for vm resume" })
      .option("name", { type: "string", describe: "start, restore: the VM's name (default: the guest's, made unique)" })
      .option("follow", { type: "boolean", default: true, describe: "console: keep following the output until the VM ends (--no-follow: print what is kept and return)" })
      .option("keep", { type: "boolean", default: false, describe: "save: leave the VM running on the host (by default it stops once saved)" })
      .option("force", { type: "boolean", default: false, describe: "save: replace FILE if it exists" })
      .option("json", { type: "boolean", default: false, describe: "start, list, info, save, restore: print the answer as JSON" })
      .example(
        "$0 host --detach --control a.sock && $0 vm start solo --args prog=hello --host a.sock && $0 vm console solo --host a.sock; $0 host stop --control a.sock",
        "boot a guest on a host and watch its console until it ends",
      )
      .example(
        "$0 host --detach --control b.sock && $0 vm start multi --paused --host b.sock && $0 vm list --host b.sock && $0 vm resume multi --host b.sock && $0 vm info multi --host b.sock; $0 host stop --control b.sock",
        "start a VM paused, list the host's VMs, let it run, show it",
      )
      .example(
        '$0 host --detach --control c.sock && $0 vm start solo --args "prog=fib n=30" --host c.sock && $0 vm save solo solo.snap --force --host c.sock && $0 vm restore solo.snap --host c.sock && $0 vm console solo --host c.sock; $0 host stop --control c.sock',
        "save a running VM to a snapshot file and restore it (on any host)",
      )
      .epilogue(
        "A GUEST is a bundled guest's name, or an image (.tvm) or source (.s) file; FILE paths are on the host's machine " +
          "(relative ones are made absolute here). vm console writes the console to stdout and sends stdin to a guest OS's " +
          "console input; once the VM has ended its exit status is the guest's, as for toyvmm boot. The protocol is in docs/HOSTS.md.",
      ),
  handler: async (args) => {
    const words = checkUsage(args);
    const client = await connectTo(args);
    try {
      await ACTIONS[args.action]!.run(client, args, words);
    } finally {
      client.close();
    }
  },
};
