/**
 * `toyvmm vm ACTION …`: a client of a running host (`toyvmm host`), in virsh's spirit — start,
 * list, inspect, watch, pause, resume, stop, save and restore VMs over the control protocol
 * (vmm/host/client.ts), and move them between hosts (migrate, over TCP between two host
 * processes; jobinfo and jobabort from another terminal). Every action takes --host ADDR (migrate:
 * --from and --to): a socket path, a host's --name, or HOST:PORT with --token-file; by default
 * the socket of a host started without --control.
 */
import { isAbsolute, resolve } from "node:path";
import { UserError } from "../../isa/errors.js";
import { readFileBytes, readStreamBytes, STDIN_NAME } from "../../isa/user-files.js";
import { isGuestPath } from "../open-guest.js";
import { MAX_MULTIFD_CHANNELS } from "../migration/real/multifd.js";
import { STRATEGIES, type Strategy } from "../migration/stream/frames.js";
import { formatNs, formatSize, parseBandwidth, parseCacheSize, parseCount, parseDuration, parseMemorySize } from "../migration/units.js";
import { describeAddress, parseControlAddress, type ControlAddress } from "../host/address.js";
import { ControlClient } from "../host/client.js";
import { ClientMigration, type MigrateRequest } from "../host/migrate-client.js";
import { bytes, ProgressLine, type Terminal } from "../host/progress-line.js";
import type { DirtyRateInfo, MigrationInfo, MigrationParameters } from "../host/protocol-migrate.js";
import { DIRTY_RATE_MODES, type DirtyRateMode } from "../migration/dirty-rate.js";
import { formatDirtyRate, formatPrediction, formatPredictionBeside, predictMigration, type Prediction } from "../migration/predict.js";
import type { MigrationStats } from "../migration/stats.js";
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
  net: boolean;
  mac?: string;
  paused: boolean;
  name?: string;
  follow: boolean;
  keep: boolean;
  force: boolean;
  from?: string;
  to?: string;
  strategy?: string;
  bandwidth?: string;
  downtimeTarget?: string;
  maxRounds?: string;
  postcopyAfter?: string;
  multifdChannels?: string;
  autoConverge?: boolean;
  dirtyLimit?: string;
  predict?: boolean;
  calcTime?: string;
  dirtyRateMode?: DirtyRateMode;
  xbzrleCache?: string;
  compress?: boolean;
}

type Args = VmCliOptions & CliContext;

/** Each action: the words it takes after it, and what it does with the --host it connects to (migrate connects to two). */
const ACTIONS: Record<string, { words: string[]; run: ((client: ControlClient, args: Args, words: string[]) => Promise<void>) | null }> = {
  start: { words: ["GUEST"], run: start },
  list: { words: [], run: list },
  network: { words: [], run: network },
  info: { words: ["VM"], run: info },
  console: { words: ["VM"], run: consoleOf },
  pause: { words: ["VM"], run: (client, args, [vm]) => change(client, args, "vm-pause", vm!, "paused") },
  resume: { words: ["VM"], run: (client, args, [vm]) => change(client, args, "vm-resume", vm!, "running") },
  stop: { words: ["VM"], run: stop },
  save: { words: ["VM", "FILE"], run: save },
  restore: { words: ["FILE"], run: restore },
  migrate: { words: ["VM"], run: null },
  "dirty-rate": { words: ["VM"], run: dirtyRate },
  jobinfo: { words: ["VM"], run: jobinfo },
  jobabort: { words: ["VM"], run: jobabort },
};

/** Options that only some actions take, and which. */
const ACTION_OPTIONS: [keyof VmCliOptions, string, string[]][] = [
  ["args", "--args", ["start"]],
  ["memory", "--memory", ["start"]],
  ["maxTicks", "--max-ticks", ["start"]],
  ["input", "--input", ["start"]],
  ["includeDir", "--include-dir", ["start"]],
  ["bare", "--bare", ["start"]],
  ["net", "--net", ["start"]],
  ["mac", "--mac", ["start"]],
  ["paused", "--paused", ["start", "restore"]],
  ["name", "--name", ["start", "restore"]],
  ["keep", "--keep", ["save"]],
  ["force", "--force", ["save"]],
  ["from", "--from", ["migrate"]],
  ["to", "--to", ["migrate"]],
  ["strategy", "--strategy", ["migrate"]],
  ["bandwidth", "--bandwidth", ["migrate"]],
  ["downtimeTarget", "--downtime-target", ["migrate"]],
  ["maxRounds", "--max-rounds", ["migrate"]],
  ["postcopyAfter", "--postcopy-after", ["migrate"]],
  ["multifdChannels", "--multifd-channels", ["migrate"]],
  ["autoConverge", "--auto-converge", ["migrate"]],
  ["dirtyLimit", "--dirty-limit", ["migrate"]],
  ["predict", "--predict", ["migrate"]],
  ["calcTime", "--calc-time", ["migrate", "dirty-rate"]],
  ["dirtyRateMode", "--dirty-rate-mode", ["dirty-rate"]],
  ["xbzrleCache", "--xbzrle-cache", ["migrate"]],
  ["compress", "--compress", ["migrate"]],
  ["json", "--json", ["start", "list", "network", "info", "save", "restore", "migrate", "jobinfo", "dirty-rate"]],
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
  if (args.mac !== undefined && !args.net) throw new UsageProblem("--mac goes with --net");
  if (args.action === "migrate") {
    if (args.host !== undefined) throw new UsageProblem("vm migrate takes --from HOST and --to HOST, not --host");
    if (args.from === undefined || args.to === undefined) throw new UsageProblem("vm migrate needs --from HOST (the VM's host) and --to HOST (where it goes)");
  }
  return words.map(String);
}

/** The host --host (or --from, --to) names, and what to tell a user when nothing answers there. */
function addressOf(text: string): { address: ControlAddress; hint: string } {
  const address = parseControlAddress(text);
  const start =
    address.kind === "tcp" ? `toyvmm host --control-tcp ${address.port} --token-file FILE`
    : address.path === defaultControlPath() ? "toyvmm host"
    : address.path === defaultControlPath(text) ? `toyvmm host --name ${text}`
    : `toyvmm host --control ${address.path}`;
  return { address, hint: `start one with ${start}` };
}

/** Connects to the host; `other` is vm migrate's other host, for which --token-file may be meant. */
async function connectTo(args: Args, host = args.host ?? DEFAULT_HOST_NAME, other?: string): Promise<ControlClient> {
  const { address, hint } = addressOf(host);
  if (address.kind === "tcp" && args.tokenFile === undefined) throw new UserError(`--host ${describeAddress(address)}: a TCP host needs --token-file FILE`);
  const tokenForOther = other !== undefined && addressOf(other).address.kind === "tcp";
  if (address.kind === "unix" && args.tokenFile !== undefined && !tokenForOther) throw new UsageProblem("--token-file goes with a TCP --host (HOST:PORT)");
  const token = args.tokenFile !== undefined && address.kind === "tcp" ? readTokenFile(args.tokenFile) : undefined;
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
    ...(args.net ? { net: true } : {}),
    ...(args.mac !== undefined ? { mac: args.mac } : {}),
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

/** What went through a port of the host's switch, in a few words. */
function portCounts(port: AnswerOf<"query-network">["ports"][number]): string {
  const c = port.counters;
  return `${c.inFrames} frames in (${formatSize(c.inBytes)}), ${c.outFrames} out (${formatSize(c.outBytes)}), ${c.dropped} dropped`;
}

async function network(client: ControlClient, args: Args): Promise<void> {
  const net = await client.call("query-network", {});
  if (args.json) return printJson(args.io, net);
  if (net.ports.length === 0) args.io.stdout.write(`host ${client.greeting.host}'s switch has no ports (vm start --net, host --net-peer or --net-listen)\n`);
  for (const port of net.ports) args.io.stdout.write(`${port.kind === "trunk" ? `trunk ${port.name}` : `${port.name} ${port.mac}`}: ${portCounts(port)}\n`);
  if (net.queueDrops > 0) args.io.stdout.write(`${net.queueDrops} frames dropped: too many waited between two slices\n`);
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
    ["network", status.network ? `${status.network.mac} on the host's switch, ${portCounts(status.network)}` : "(no NIC)"],
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
  if (end.kind === "migrated") return void args.io.stderr.write(`toyvmm: ${vm} migrated to another host; its console goes on there (vm console ${vm} --host …)\n`);
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

/** The parameters the flags give; those not given are the source host's. */
function migrateRequest(args: Args, vm: string): MigrateRequest {
  const strategy = (args.strategy ?? "pre-copy") as Strategy;
  if (!STRATEGIES.includes(strategy)) throw new UsageProblem(`--strategy ${JSON.stringify(args.strategy)}: expected ${STRATEGIES.join(", ")}`);
  const request: MigrateRequest = { vm, strategy };
  if (args.bandwidth !== undefined) request.bandwidth = parseBandwidth(args.bandwidth);
  if (args.downtimeTarget !== undefined) request.downtimeTargetNs = parseDuration(args.downtimeTarget, "--downtime-target");
  if (args.maxRounds !== undefined) request.maxRounds = parseCount(args.maxRounds, "--max-rounds");
  if (args.xbzrleCache !== undefined) request.xbzrleCache = parseCacheSize(args.xbzrleCache, "--xbzrle-cache");
  if (args.compress !== undefined) request.compress = args.compress;
  if (args.postcopyAfter !== undefined) {
    if (strategy !== "pre-copy") throw new UsageProblem("--postcopy-after turns a pre-copy into post-copy: it goes with --strategy pre-copy");
    request.postcopyAfter = postcopyAfterOf(args.postcopyAfter);
  }
  if (args.multifdChannels !== undefined) {
    if (strategy === "post-copy") throw new UsageProblem("--multifd-channels carries the pages of stop-copy and pre-copy; post-copy sends its pages on the stream");
    request.multifdChannels = channelsOf(args.multifdChannels);
  }
  for (const [flag, given] of [["--auto-converge", args.autoConverge], ["--dirty-limit", args.dirtyLimit]] as const) {
    if (given !== undefined && given !== false && strategy !== "pre-copy") throw new UsageProblem(`${flag} controls pre-copy's rounds: it goes with --strategy pre-copy`);
  }
  if (args.autoConverge !== undefined) request.autoConverge = args.autoConverge;
  if (args.dirtyLimit !== undefined) request.dirtyLimit = parseCount(args.dirtyLimit, "--dirty-limit");
  return request;
}

function channelsOf(text: string): number {
  const channels = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || channels > MAX_MULTIFD_CHANNELS) {
    throw new UserError(`--multifd-channels ${JSON.stringify(text)}: expected a whole number from 0 to ${MAX_MULTIFD_CHANNELS}`);
  }
  return channels;
}

/** `2s`, `500ms` (a time), `3` (rounds) or `auto` (the model's decision). */
function postcopyAfterOf(text: string): NonNullable<MigrationParameters["postcopyAfter"]> {
  if (text.trim() === "auto") return "auto";
  if (/^\d+$/.test(text.trim())) return { rounds: parseCount(text, "--postcopy-after") };
  const ns = parseDuration(text, "--postcopy-after");
  if (ns <= 0) throw new UserError(`--postcopy-after ${JSON.stringify(text)}: must be more than 0`);
  return { seconds: ns / 1e9 };
}

/** Exit status of a migration given up with Ctrl-C, as for a shell's child killed by SIGINT. */
const INTERRUPTED = 130;

async function migrate(args: Args, vm: string): Promise<void> {
  const request = migrateRequest(args, vm);
  const from = await connectTo(args, args.from, args.to);
  const predicted = args.predict ? await predictOnHost(from, args, request).catch((error) => (from.close(), Promise.reject(error))) : null;
  let to: ControlClient | null = null;
  const line = ProgressLine.on(args.io.stderr as Terminal);
  let interrupted = 0;
  let migration: ClientMigration | null = null;
  const onSigint = () => {
    interrupted++;
    if (!migration) return;
    if (interrupted > 1) return line?.say("toyvmm: still waiting for the source's answer (the migration ends on the hosts either way)");
    line?.say(`toyvmm: cancelling the migration of ${vm}…`);
    migration.cancel().then(
      (cancelled) => cancelled || line?.say(`toyvmm: too late to cancel: ${args.to} already holds ${vm}; the migration goes on`),
      () => {},
    );
  };
  process.on("SIGINT", onSigint);
  try {
    to = await connectTo(args, args.to, args.from);
    migration = await ClientMigration.start(from, to, request, {
      progress: (progress) => line?.update(progress),
      status: (status, detail) => line?.say(`${vm}: ${status}${detail ? ` (${detail})` : ""}`),
    });
    if (interrupted > 0) void migration.cancel();
    const info = await migration.result;
    line?.clear();
    if (args.json) printJson(args.io, info);
    else args.io.stdout.write(migrationSummary(info, from.greeting.host, to.greeting.host) + "\n");
    if (predicted) args.io.stderr.write(formatPredictionBeside(predicted, info.stats as unknown as MigrationStats, request.postcopyAfter === "auto"));
    if (info.status === "cancelled") args.setExitCode(interrupted > 0 ? INTERRUPTED : 1);
    else if (info.status !== "completed") throw new UserError(`the migration of ${vm} failed: ${info.detail ?? "no reason given"}; it runs on at ${from.greeting.host}`);
  } finally {
    line?.clear();
    process.off("SIGINT", onSigint);
    to?.close();
    from.close();
  }
}

/** `vm dirty-rate VM`: measures the VM's dirty rate on its host (calc-dirty-rate) and waits for the result. */
async function dirtyRate(client: ControlClient, args: Args, [vm]: string[]): Promise<void> {
  const measured = await measureOnHost(client, vm!, args, args.dirtyRateMode ?? "dirty-bitmap");
  if (args.json) return printJson(args.io, measured);
  args.io.stdout.write(`${vm} on host ${client.greeting.host}: ${formatDirtyRate(measured)}\n`);
}

/** calc-dirty-rate over --calc-time (default 1 s), then query-dirty-rate until it is measured (bounded). */
async function measureOnHost(client: ControlClient, vm: string, args: Args, mode: DirtyRateMode): Promise<DirtyRateInfo> {
  const calcTimeMs = args.calcTime === undefined ? 1000 : Math.round(parseDuration(args.calcTime, "--calc-time") / 1e6);
  if (calcTimeMs < 1 || calcTimeMs > 60_000) throw new UserError(`--calc-time ${args.calcTime}: expected from 1ms to 60s`);
  await client.call("calc-dirty-rate", { vm, calcTimeMs, mode });
  const deadline = Date.now() + calcTimeMs + 10_000;
  for (;;) {
    await new Promise((resume) => setTimeout(resume, Math.min(calcTimeMs, 100)));
    const info = await client.call("query-dirty-rate", { vm });
    if (info.status === "measured") return info;
    if (Date.now() > deadline) throw new UserError(`${vm}: the dirty-rate measurement on host ${client.greeting.host} did not end`);
  }
}

/** `vm migrate --predict`: the source measures the VM, and the model predicts the migration with the parameters it will have. */
async function predictOnHost(from: ControlClient, args: Args, request: MigrateRequest): Promise<Prediction | null> {
  const parameters = { ...(await from.call("query-migrate-parameters", {})), ...request };
  if (parameters.bandwidth === null || parameters.bandwidth === undefined) {
    throw new UserError("--predict: the model needs the stream's bandwidth, and the source host's is unlimited: give --bandwidth");
  }
  const measured = await measureOnHost(from, request.vm, args, "dirty-bitmap");
  const p = { strategy: request.strategy as Strategy, bandwidth: parameters.bandwidth, latencyNs: 0, downtimeTargetNs: parameters.downtimeTargetNs, maxRounds: parameters.maxRounds, autoConverge: parameters.autoConverge, dirtyLimit: parameters.dirtyLimit };
  const prediction = predictMigration(measured.memoryBytes, measured.stateBytes, measured, p);
  // The host measures the dirty rate, not what its page encoder would make of the pages.
  if (prediction && (parameters.compress || parameters.xbzrleCache)) prediction.notes.push("unsampled");
  args.io.stderr.write(formatPrediction(measured, prediction, p.strategy, p.downtimeTargetNs));
  return prediction;
}

function migrationSummary(info: MigrationInfo, from: string, to: string): string {
  const rounds = info.strategy === "pre-copy" ? `${info.round} round${info.round === 1 ? "" : "s"}, ` : "";
  const figures = `${info.strategy}: ${rounds}${bytes(info.transferredBytes)} in ${formatNs(info.elapsedNs)}, downtime ${formatNs(info.downtimeNs)}`;
  if (info.status === "completed") return `${info.vm} migrated from ${from} to ${to} (${figures})`;
  return `${info.vm} ${info.status === "cancelled" ? "stays" : "runs on"} at ${from}: the migration ${info.status}${info.detail ? ` (${info.detail})` : ""}`;
}

async function jobinfo(client: ControlClient, args: Args, [vm]: string[]): Promise<void> {
  const info = await client.call("query-migrate", { vm: vm! });
  if (args.json) return printJson(args.io, info);
  const lines: [string, string][] = [
    ["vm", info.vm],
    ["direction", `${info.direction} (${info.direction === "outgoing" ? "to" : "at"} ${info.peer})`],
    ["status", info.detail ? `${info.status} (${info.detail})` : info.status],
    ["strategy", info.strategy ?? "(not known yet)"],
    ["phase", info.phase],
    ["completed", `${Math.floor(info.completed * 100)}%`],
    ["sent", bytes(info.transferredBytes)],
    ["left", `${bytes(info.remainingBytes)}, about ${formatNs(info.remainingNs)}`],
    ["dirty rate", `${info.dirtyPagesPerSecond} pages/s`],
    ["elapsed", formatNs(info.elapsedNs)],
    ["downtime", formatNs(info.downtimeNs)],
  ];
  for (const [key, value] of lines) args.io.stdout.write(`${`${key}:`.padEnd(12)}${value}\n`);
}

async function jobabort(client: ControlClient, args: Args, [vm]: string[]): Promise<void> {
  const info = await client.call("migrate-cancel", { vm: vm! });
  args.io.stdout.write(`${vm}: migration ${info.direction === "outgoing" ? `to ${info.peer}` : "here"} cancelled; ${info.direction === "outgoing" ? `it stays on host ${client.greeting.host}` : "the source keeps it"}\n`);
}

export const vmCommand: Command<VmCliOptions> = {
  command: "vm <action> [words..]",
  describe: "Start, watch and manage VMs on a running host (toyvmm host)",
  builder: (yargs) =>
    yargs
      .positional("action", { type: "string", demandOption: true, describe: "start GUEST, list, network, info VM, console VM, pause VM, resume VM, stop VM, save VM FILE, restore FILE, migrate VM, jobinfo VM, jobabort VM or dirty-rate VM" })
      .positional("words", { type: "string", array: true, describe: "The action's GUEST, VM or FILE" })
      .option("host", { type: "string", describe: "The host: a socket path, a host's --name, or HOST:PORT with --token-file (default: the socket of a host started without --control)" })
      .option("token-file", { type: "string", describe: "File holding a TCP host's token" })
      .option("args", { type: "string", describe: 'start: boot arguments, e.g. "prog=fib n=10"' })
      .option("memory", { type: "string", describe: "start: guest memory, e.g. 4MiB (default: what the image asks for)" })
      .option("max-ticks", { type: "string", describe: "start: stop the guest after this many ticks (k, M, G suffixes)" })
      .option("input", { type: "string", describe: `start: console input given up front, from a file or - for stdin (at most ${formatSize(CREATE_INPUT_MAX)})` })
      .option("include-dir", { ...INCLUDE_DIR_OPTION, describe: `start: ${INCLUDE_DIR_OPTION.describe}` })
      .option("bare", { type: "boolean", default: false, describe: "start: a guest OS on a bare CPU instead of under the monitor" })
      .option("net", { type: "boolean", default: false, describe: "start: give the guest OS a NIC on the host's switch (docs/NETWORK.md, On real hosts)" })
      .option("mac", { type: "string", describe: "start, with --net: the NIC's MAC, e.g. 52:54:00:00:00:07 (default: the lowest of 52:54:00:00:00:01, :02, … free on the host)" })
      .option("paused", { type: "boolean", default: false, describe: "start, restore: the VM waits for vm resume" })
      .option("name", { type: "string", describe: "start, restore: the VM's name (default: the guest's, made unique)" })
      .option("follow", { type: "boolean", default: true, describe: "console: keep following the output until the VM ends (--no-follow: print what is kept and return)" })
      .option("keep", { type: "boolean", default: false, describe: "save: leave the VM running on the host (by default it stops once saved)" })
      .option("force", { type: "boolean", default: false, describe: "save: replace FILE if it exists" })
      .option("from", { type: "string", describe: "migrate: the host the VM runs on (as --host)" })
      .option("to", { type: "string", describe: "migrate: the host it goes to, started with --migrate-listen (as --host)" })
      .option("strategy", { type: "string", describe: `migrate: ${STRATEGIES.join(", ")} (default pre-copy)` })
      .option("bandwidth", { type: "string", describe: "migrate: most bytes per second on the stream, e.g. 100MB/s or 1Gbit/s (default: the source host's, unlimited)" })
      .option("downtime-target", { type: "string", describe: "migrate: the pause a pre-copy aims at, e.g. 30ms" })
      .option("max-rounds", { type: "string", describe: "migrate: most pre-copy rounds before the guest is stopped anyway" })
      .option("postcopy-after", { type: "string", describe: "migrate: a pre-copy turns into post-copy after this time (2s, 500ms), this many rounds (3), or auto: when the model says pre-copy cannot reach the downtime target" })
      .option("multifd-channels", {
        type: "string",
        describe: `migrate: TCP connections for the pages beside the stream, 0 to ${MAX_MULTIFD_CHANNELS}, as QEMU's multifd (stop-copy and pre-copy; default: the source host's, 0)`,
      })
      .option("auto-converge", { type: "boolean", describe: "migrate: a pre-copy throttles a guest that dirties over half the link's rate, 20% of its instructions, then 10% more to 99% (default: the source host's)" })
      .option("dirty-limit", { type: "string", describe: "migrate: a pre-copy holds the guest so that it dirties at most this many pages a second, e.g. 2k (default: the source host's, none)" })
      .option("predict", { type: "boolean", describe: "migrate: first measure the VM's dirty rate on its host (calc-dirty-rate, --calc-time) and print the model's prediction; the result beside it after (needs --bandwidth or the host's)" })
      .option("calc-time", { type: "string", describe: "dirty-rate, migrate --predict: how long to measure the dirty rate, e.g. 500ms (default 1s)" })
      .option("dirty-rate-mode", { choices: DIRTY_RATE_MODES, describe: "dirty-rate: dirty-bitmap (every page, the default; not while the VM migrates) or page-sampling (QEMU's: a CRC of 512 pages at both ends)" })
      .option("xbzrle-cache", { type: "string", describe: "migrate: resent pages go as XBZRLE deltas against a cache of this size, e.g. 64MiB (default: the source host's, off)" })
      .option("compress", { type: "boolean", describe: "migrate: pages that go whole go LZ4-compressed (default: the source host's, off)" })
      .option("json", { type: "boolean", default: false, describe: "start, list, network, info, save, restore, migrate, jobinfo, dirty-rate: print the answer as JSON" })
      .example(
        "$0 host --detach --control a.sock && $0 vm start solo --args prog=hello --host a.sock && $0 vm console solo --host a.sock; $0 host stop --control a.sock",
        "boot a guest on a host and watch its console until it ends",
      )
      .example(
        "$0 host --detach --control n.sock --speed 1M && $0 vm start multi-net --net --args run=udpecho --host n.sock && " +
          "$0 vm start multi-net --net --args run=udpclient --name client --host n.sock && $0 vm console client --host n.sock && $0 vm network --host n.sock; $0 host stop --control n.sock",
        "two guests with NICs on one host's switch: a UDP echo server (10.0.0.1) and a client that ends after three replies",
      )
      .example(
        "$0 host --detach --control b.sock && $0 vm start multi --paused --host b.sock && $0 vm list --host b.sock && $0 vm resume multi --host b.sock && $0 vm info multi --host b.sock; $0 host stop --control b.sock",
        "start a VM paused, list the host's VMs, let it run, show it",
      )
      .example(
        '$0 host --detach --control c.sock && $0 vm start solo --args "prog=fib n=30" --host c.sock && $0 vm save solo solo.snap --force --host c.sock && $0 vm restore solo.snap --host c.sock && $0 vm console solo --host c.sock; $0 host stop --control c.sock',
        "save a running VM to a snapshot file and restore it (on any host)",
      )
      .example(
          "$0 host --detach --control src.sock --speed 2M && $0 host --detach --control dst.sock --speed 2M --migrate-listen 0 && " +
          '$0 vm start programs/memwriter.s --args "pages=64 rate=20000 iters=2000" --host src.sock && ' +
          "$0 vm migrate memwriter --from src.sock --to dst.sock --strategy pre-copy --multifd-channels 2 && $0 vm jobinfo memwriter --host src.sock && $0 vm console memwriter --host dst.sock; " +
          "$0 host stop --control src.sock; $0 host stop --control dst.sock",
        "move a running VM from one host process to another over TCP (its pages on two more connections, multifd), show the migration's figures, watch it end there",
      )
      .example(
        "$0 host --detach --control pc1.sock --speed 2M && $0 host --detach --control pc2.sock --speed 2M --migrate-listen 0 && " +
          '$0 vm start programs/memwriter.s --args "pages=64 rate=20000 iters=2000" --host pc1.sock && ' +
          "$0 vm migrate memwriter --from pc1.sock --to pc2.sock --bandwidth 2MB/s --postcopy-after 1 --json > job.json && $0 vm console memwriter --host pc2.sock; " +
          "$0 host stop --control pc1.sock; $0 host stop --control pc2.sock",
        "a pre-copy at 2 MB/s that turns into post-copy after its first round; the final statistics as JSON",
      )
      .example(
        "$0 host --detach --control pa1.sock --speed 2M && $0 host --detach --control pa2.sock --speed 2M --migrate-listen 0 && " +
          '$0 vm start programs/memwriter.s --args "pages=64 rate=20000 iters=2000" --host pa1.sock && ' +
          "$0 vm migrate memwriter --from pa1.sock --to pa2.sock --bandwidth 2MB/s --postcopy-after auto && $0 vm console memwriter --host pa2.sock; " +
          "$0 host stop --control pa1.sock; $0 host stop --control pa2.sock",
        "a pre-copy that turns into post-copy when the model says its rounds cannot reach the downtime target, and says why",
      )
      .example(
        "$0 host --detach --control p1.sock --speed 2M && $0 host --detach --control p2.sock --speed 2M --migrate-listen 0 && " +
          '$0 vm start programs/memwriter.s --args "pages=64 rate=2000 iters=400" --host p1.sock && ' +
          "$0 vm dirty-rate memwriter --calc-time 200ms --host p1.sock && " +
          "$0 vm migrate memwriter --from p1.sock --to p2.sock --bandwidth 2MB/s --auto-converge --predict --calc-time 200ms; " +
          "$0 host stop --control p1.sock; $0 host stop --control p2.sock",
        "measure a VM's dirty rate on its host, then migrate it with the model's prediction printed before and beside the result",
      )
      .epilogue(
        "A GUEST is a bundled guest's name, or an image (.tvm) or source (.s) file; FILE paths are on the host's machine " +
          "(relative ones are made absolute here). vm console writes the console to stdout and sends stdin to a guest OS's " +
          "console input; once the VM has ended its exit status is the guest's, as for toyvmm boot. " +
          "vm migrate moves a VM between two host processes over TCP (the destination needs --migrate-listen): a live progress line on a terminal, " +
          "Ctrl-C cancels while the source still holds the VM; vm jobinfo and vm jobabort follow or cancel it from another terminal. " +
          "toyvmm migrate, by contrast, simulates a migration inside one process on virtual time. The protocol is in docs/HOSTS.md.",
      ),
  handler: async (args) => {
    const words = checkUsage(args);
    if (args.action === "migrate") return migrate(args, words[0]!);
    const client = await connectTo(args);
    try {
      await ACTIONS[args.action]!.run!(client, args, words);
    } finally {
      client.close();
    }
  },
};
