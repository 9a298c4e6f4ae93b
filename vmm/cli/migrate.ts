/**
 * `toyvmm migrate GUEST --strategy S --at N`: starts the guest on host A, runs N guest
 * instructions, migrates it to host B over the simulated link, runs it to the end there.
 * The guest console (both hosts, in order) is stdout; the statistics table goes to stderr so
 * that stdout is exactly what an unmigrated run prints. `--json` prints one JSON object
 * (console, exit, statistics) on stdout instead.
 *
 * What runs: a bundled guest name boots that guest OS under the monitor; a file (.s or .tvm)
 * runs as a program in the process VM when its image has the symbol `_start` (the start-up
 * code every program in programs/ includes) and boots as a kernel otherwise. `--process` and
 * `--no-process` decide explicitly (e.g. for a stripped program image).
 */
import { UserError } from "../../isa/errors.js";
import { openGuest } from "../open-guest.js";
import { migrate, type MigrationResult } from "../migration/engine.js";
import { bootVm, MACHINE_HOST, MachineVm, runToEnd } from "../migration/machine-vm.js";
import { resolveOptions } from "../migration/options.js";
import { MigratableProcess, PROCESS_HOST, startProcess } from "../migration/process-vm.js";
import type { MigratableVm, VmExit, VmHost } from "../migration/vm-port.js";
import type { ImageSymbol } from "../../isa/image/model.js";
import type { CompressionStats, MigrationStats, XbzrleStats } from "../migration/stats.js";
import { formatNs, formatSize } from "../migration/units.js";
import { LabelledLines } from "../monitor/output.js";
import { END_OF_TIME } from "../outcome.js";
import {
  describeOutcome,
  EXIT_MIGRATION_INCOMPLETE,
  exitStatusOf,
  outcomeOfMachine,
  outcomeOfProcess,
  type Outcome,
} from "../outcome.js";
import { NO_TICK_LIMIT } from "../process/process-vm.js";
import type { Logger } from "../log.js";
import { measureAndPredict, PREDICT_OPTIONS, predictWindow, type PredictArgs, type Predicted } from "./predict-options.js";
import { formatPrediction, formatPredictionBeside } from "../migration/predict.js";
import { GUEST_OPTIONS, inputOf, logMachineRegisters, logProcessRegisters, maxTicksOf, memoryOf, trapLogger, type GuestCliOptions } from "./guest-options.js";
import { MIGRATION_OPTIONS, migrationParametersOf, type MigrationCliOptions } from "./migration-options.js";
import type { CliContext, CliIo, Command } from "./shared.js";
import { isLoopback, parseTcpAddress, type TcpAddress } from "../host/address.js";
import { MigrationRecorder, type Recording } from "../host/http/recording.js";
import { pointReplayer } from "../host/http/point-replay.js";
import { paceOf, serveRecording, type ReplayOptions } from "../host/http/replay-server.js";
import { UsageProblem } from "./arguments.js";
import { builtWebRoot } from "../host/http/web-root.js";
import { toyvmmVersion } from "../version.js";
import { checkNetOptions, NET_OPTIONS, type NetCliOptions } from "./net-options.js";
import { assignBootArgs, uniqueNames } from "./boot.js";

interface MigrateOptions extends GuestCliOptions, MigrationCliOptions, PredictArgs, NetCliOptions {
  guest: string;
  peers?: string[];
  at: number;
  args?: string[];
  process?: boolean;
  json: boolean;
  view?: string;
  pace: string;
  results?: string;
}

export function formatStats(s: MigrationStats): string {
  const rows: [string, string][] = [
    ["status", s.status + (s.error ? ` (${s.error})` : "")],
    ["guest runs on", s.runsOn === "destination" ? "host B" : "host A"],
    ["strategy", s.strategy],
    ["total time", formatNs(s.totalNs)],
    ["setup time", formatNs(s.setupNs)],
    ["downtime", formatNs(s.downtimeNs)],
  ];
  if (s.strategy === "pre-copy") rows.push(["expected downtime", formatNs(s.expectedDowntimeNs)]);
  rows.push(
    ["pages sent", `${s.pagesSent} (${s.zeroPages} zero, ${s.pagesResent} resent)`],
    ["bytes sent", `${s.bytesSent} (return path ${s.returnBytes})`],
    ["guest ticks during migration", String(s.guestTicksDuringMigration)],
  );
  if (s.strategy === "post-copy") {
    rows.push(
      ["post-copy faults / requests", `${s.postcopyFaults} / ${s.postcopyRequests}`],
      ["post-copy stall time", formatNs(s.postcopyStallNs)],
    );
  }
  if (s.postcopySwitch) rows.push(["switched to post-copy", `at ${formatNs(s.postcopySwitch.atNs)}, ${s.postcopySwitch.reason}`]);
  if (s.dirtyLimitHeldNs !== undefined) rows.push(["dirty limit held the guest", formatNs(s.dirtyLimitHeldNs)]);
  if (s.xbzrle) rows.push(["xbzrle", xbzrleLine(s.xbzrle)]);
  if (s.compression) rows.push(["compression", compressionLine(s.compression, s.compressNs, s.decompressNs)]);
  if (s.linkCuts.length > 0) rows.push(["link cuts", s.linkCuts.map((c) => `at ${formatNs(c.at)}`).join(", ")]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  if (s.rounds.length > 0) {
    // The throttle column only when auto-converge ran.
    const throttled = s.rounds.some((r) => r.throttle !== undefined);
    lines.push(`round  pages   zero  resent      bytes  duration       dirty pages/s${throttled ? "  throttle" : ""}`);
    for (const r of s.rounds) {
      const dirty = throttled ? String(r.dirtyPagesPerSecond).padEnd(13) + `  ${r.throttle ?? 0}%` : String(r.dirtyPagesPerSecond);
      lines.push(
        `${String(r.round).padStart(5)}  ${String(r.pages).padStart(5)}  ${String(r.zeroPages).padStart(5)}  ${String(r.resent).padStart(6)}  ${String(r.bytes).padStart(9)}  ${formatNs(r.endNs - r.startNs).padEnd(13)}  ${dirty}`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** XBZRLE's figures in one line, as query-migrate's xbzrle-cache has them. */
export function xbzrleLine(x: XbzrleStats): string {
  return `${x.pages} pages as deltas in ${x.bytes} bytes (${x.bytesSaved} saved); cache ${formatSize(x.cacheBytes)}: ${x.hits} hits, ${x.misses} misses, ${x.overflows} overflows`;
}

/** Compression's figures in one line; `ns`: the virtual time it cost (simulated only). */
export function compressionLine(c: CompressionStats, ns: number | undefined, decompressNs?: number): string {
  const cost = (ns === undefined ? "" : `, ${formatNs(ns)} compressing`) + (decompressNs === undefined ? "" : `, ${formatNs(decompressNs)} decompressing`);
  return `${c.pages} pages compressed in ${c.bytes} bytes (${c.bytesSaved} saved), ${c.incompressible} incompressible${cost}`;
}
export const migrateCommand: Command<MigrateOptions> = {
  command: "migrate <guest> [peers..]",
  describe: "Live-migrate a guest between two simulated hosts and report the statistics",
  builder: (yargs) =>
    yargs
      .positional("guest", {
        type: "string",
        demandOption: true,
        describe: "Bundled guest name, image (.tvm) or assembly source (.s)",
      })
      .positional("peers", {
        type: "string",
        array: true,
        describe: "With --net: more guest kernels on host A's network, which stay there while the first guest migrates (e.g. its clients)",
      })
      .option("at", { type: "number", default: 0, describe: "Guest instructions to run on host A before migrating (with --net: ticks of network time)" })
      .options(MIGRATION_OPTIONS)
      .option("args", {
        type: "string",
        array: true,
        nargs: 1,
        describe: "Boot arguments for the guest, or the program's arguments; with --net: TEXT for the next VM in order, or NAME:TEXT for the VM called NAME (repeatable)",
      })
      .options(GUEST_OPTIONS)
      .options(NET_OPTIONS)
      .options(PREDICT_OPTIONS)
      .option("process", {
        type: "boolean",
        describe:
          "Run the file as a program in the process VM (default: when its image has the symbol _start); --no-process boots it as a kernel",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "Print console, outcome, the tick the guest moved at and the statistics as one JSON object",
      })
      .example(
        "$0 migrate multi --args run=count,hog --strategy pre-copy --at 20000",
        "pre-copy after 20000 instructions",
      )
      .example(
        "$0 migrate solo --strategy post-copy --at 5000 --bandwidth 10MB/s --latency 5ms",
        "post-copy on a slow link",
      )
      .option("view", {
        type: "string",
        requiresArg: true,
        describe: "Then serve the web view of this migration at [HOST:]PORT on loopback (port 0: a free one) and replay it there until Ctrl-C",
      })
      .option("pace", {
        type: "string",
        default: "auto",
        describe: "With --view: wall-clock time per virtual time (100: a 20 ms migration plays in 2 s), or auto (the whole migration in about 10 s)",
      })
      .option("results", {
        type: "string",
        requiresArg: true,
        describe: "With --view: also offer this results directory (toyvmm experiment --out) of the same guest in the page, each point replayable",
      })
      .example(
        '$0 migrate programs/memwriter.s --args "pages=64 rate=20000 iters=8" --strategy pre-copy',
        "a running program moves (process VM)",
      )
      .example(
        '$0 migrate programs/memwriter.s --args "pages=512 rate=400 iters=0" --memory 4MiB --at 1280610 --latency 100us --downtime-target 5ms --max-ticks 20000000 --auto-converge',
        "auto-converge throttles a fast writer until pre-copy fits the target",
      )
      .example(
        '$0 migrate programs/memwriter.s --args "pages=512 rate=400 iters=0" --memory 4MiB --at 1280610 --latency 100us --downtime-target 5ms --max-ticks 20000000 --postcopy-policy auto',
        "post-copy when the model says pre-copy will not converge",
      )
      .example(
        '$0 migrate programs/memwriter.s --args "pages=512 rate=190 iters=0" --memory 4MiB --at 5389912 --latency 100us --downtime-target 2ms --max-ticks 20000000 --auto-converge --predict',
        "measure the dirty rate before migrating, print the model's prediction, then the result beside it",
      )
      .example(
        '$0 migrate programs/memwriter.s --args "pages=128 rate=10000 iters=12" --speed 1500000 --at 38400 --downtime-target 1500us --xbzrle-cache 1MiB',
        "resent pages travel as deltas against what was sent before",
      )
      .example(
        '$0 migrate programs/memwriter.s --args "pages=128 rate=10000 iters=12" --strategy stop-copy --at 38400 --bandwidth 10MB/s --compress',
        "pages compressed on a slow link, at 1 ns a byte of the source's time",
      )
      .example(
        '$0 migrate programs/memwriter.s --args "pages=128 rate=10000 iters=12" --strategy post-copy --at 38400 --bandwidth 10MB/s --compress --decompress-cost 5ns',
        "the destination's decompression, 5 ns a byte, delays each page the guest waits for",
      )
      .example(
        '$0 migrate multi-net multi-net --net --args multi-net:run=tcpecho --args "multi-net-2:run=tcpstream requests=100 every=10000" --strategy pre-copy --at 500000',
        "a TCP echo server migrates while a client streams requests to it: the client's verdict, and its longest gap between answers beside the downtime",
      )
      .example(
        "$0 migrate multi --args run=count,hog --at 20000 --view 0 & sleep 4; kill $!",
        "then replay it in a browser, at the address printed on stderr, until stopped",
      )
      .epilogue(
        "GUEST is a bundled guest OS name, or a file: a .s or .tvm whose image has the symbol _start (every program " +
          "in programs/) runs in the process VM — a program with its system calls served by the runtime, migrated " +
          "with its whole execution state — and any other image boots as a kernel. --process / --no-process decide " +
          "explicitly. Both hosts live in this one process on virtual time. The guest's console is stdout as it " +
          "runs, a line on stderr marks the moment it moved, and the statistics follow on stderr. Exit status: " +
          "the guest's (as for run and boot: its own status, 124 at --max-ticks, 125 when it waits for ever, " +
          "128 + cause after a fault), else 75 when the migration did not complete. With --net the guest (10.0.0.1) and " +
          "its PEERS (10.0.0.2, …) are guest kernels on host A's simulated switch, joined to host B's by a trunk; the " +
          "guest migrates to host B while the peers run on, all on the network's virtual time; the run ends when the " +
          "--until VMs (default: the peers) have ended, and the ones stopped then do not count towards the status. " +
          "Each stream client (multi-net's run=tcpstream) says whether every byte came back once and in order, and " +
          "its longest gap between answers is shown beside the downtime.",
      ),
  handler: async (args) => {
    if (!Number.isSafeInteger(args.at) || args.at < 0)
      throw new UserError(`--at ${args.at}: expected a whole number of instructions ≥ 0`);
    checkNetOptions(args);
    if (args.net) return migrateNetworked(args);
    if (args.peers?.length) throw new UsageProblem(`${args.peers[0]}: more than one guest needs --net (the others are its peers on the network)`);
    if ((args.args?.length ?? 0) > 1) throw new UsageProblem("--args is given more than once (several VMs need --net)");
    const bootArgs = args.args?.[0];
    const migration = migrationParametersOf(args);
    const maxTicks = maxTicksOf(args);
    const memorySize = memoryOf(args);
    const { name, image, kind } = await openGuest(args.guest, undefined, args.includeDir);
    if (args.process && kind === "bundled")
      throw new UserError(`${args.guest}: --process needs a program file (.s or .tvm), not a bundled guest OS`);
    const asProcess = args.process ?? kind === "program";
    const parameters = resolveOptions({ ...migration, host: asProcess ? processHostNaming(image.symbols) : MACHINE_HOST });
    const strategy = parameters.strategy;
    if (args.results !== undefined && args.view === undefined) throw new UsageProblem("--results goes with --view (it offers the directory in the web view)");
    const view = args.view !== undefined ? viewOf(args.view, args.pace) : null;
    const results = args.results !== undefined ? { dir: args.results, record: pointReplayer(args.results, args.guest) } : undefined;
    const input = await inputOf(args, args.io);
    const common = { name: args.guest, image, ...(input !== undefined ? { input } : {}), ...(memorySize !== undefined ? { memorySize } : {}) };
    const vm: MigratableVm = asProcess
      ? startProcess({ ...common, args: bootArgs ?? "", maxTicks: maxTicks ?? NO_TICK_LIMIT })
      : bootVm({ ...common, name, bootArgs: bootArgs ?? "", ...(args.logLevel === "trace" ? { onTrap: trapLogger(args.log, name) } : {}) });
    const window = predictWindow(args, vm.memory.size, parameters.bandwidth, parameters.speed);
    // Text: the console goes to the terminal as the guest writes it. JSON: it is captured.
    const terminal = args.json ? null : new Terminal(args.io);
    terminal?.attach(vm);
    args.log.info({ vm: name, strategy, at: args.at }, "vm started on host A");

    const endedEarly = () => new UserError(`--at ${args.at}: ${args.guest} ends after ${vm.ticks} instructions, before the migration point`);
    let predicted: Predicted | null = null;
    if (window !== null) {
      predicted = measureAndPredict(vm, args.at, window, args.dirtyRateMode ?? "dirty-bitmap", parameters);
      if (!predicted) throw endedEarly();
      terminal?.flush();
      if (!args.json) args.io.stderr.write(formatPrediction(predicted.dirtyRate, predicted.prediction, strategy, parameters.downtimeTargetNs, predicted.encoded));
    } else if (vm.run(args.at).reason === "halted") {
      throw endedEarly();
    }
    const recorder = view ? new MigrationRecorder(vm, name) : null;
    const result = migrate(vm, { ...parameters, onProgress: (p) => args.log.debug({ ...p }, "migration progress"), ...(recorder ? { onTransmit: recorder.onTransmit } : {}) });
    const movedAtTick = result.migrated ? result.source.ticks : null;
    terminal?.flush();
    args.log.info({ vm: name, status: result.stats.status, movedAtTick, error: result.stats.error }, "migration ended");
    if (!args.json) args.io.stderr.write(`toyvmm: ${moveLine(result, movedAtTick)}\n`);
    terminal?.attach(result.vm);

    const exit = runToEnd(result.vm, machineLimit(asProcess, maxTicks));
    terminal?.flush();
    const outcome = outcomeOf(result.vm, exit);
    const exitStatus = exitStatusOf(outcome) || (result.stats.status === "completed" ? 0 : EXIT_MIGRATION_INCOMPLETE);
    args.log.info({ vm: name, outcome, ticks: result.vm.ticks }, "vm ended");
    if (outcome.kind === "fault") logRegisters(args.log, name, result.vm);
    if (args.json) {
      args.io.stdout.write(JSON.stringify({ ...jsonReport(vm, result, outcome, exitStatus, movedAtTick), ...(predicted ? { predicted } : {}) }) + "\n");
    } else {
      if (exitStatusOf(outcome) !== 0 && !asProcess) args.io.stderr.write(`toyvmm: ${name}: ${describeOutcome(outcome, image.symbols)}\n`);
      args.io.stderr.write(formatStats(result.stats));
      if (predicted?.prediction) args.io.stderr.write(formatPredictionBeside(predicted.prediction, result.stats, parameters.postcopyPolicy === "auto"));
    }
    args.setExitCode(exitStatus);
    if (view && recorder) {
      const { bandwidth, downtimeTargetNs, maxRounds, xbzrleCache, compress } = parameters;
      const recording = recorder.finish(result, asProcess ? "process" : "monitor", { bandwidth, downtimeTargetNs, maxRounds, postcopyAfter: null, xbzrleCache, compress });
      await replay(recording, view, args.io, args.log, results);
    }
  },
};

/** `migrate --net`: the guest and its peers on a simulated network (migrate-net.ts). */
async function migrateNetworked(args: CliContext & MigrateOptions): Promise<void> {
  const refused = (["view", "predict", "process", "cluster"] as const).find((k) => args[k] !== undefined && args[k] !== false);
  if (refused) throw new UsageProblem(`--${refused} is not offered with --net`);
  const parameters = resolveOptions({ ...migrationParametersOf(args), host: MACHINE_HOST });
  const specs = [args.guest, ...(args.peers ?? [])];
  const loaded = await Promise.all(specs.map((spec) => openGuest(spec, undefined, args.includeDir)));
  const program = loaded.findIndex((g) => g.kind === "program");
  if (program >= 0) throw new UserError(`${specs[program]}: a user program has no network device; with --net every VM is a guest kernel`);
  const names = uniqueNames(loaded.map((g) => g.name));
  const bootArgs = assignBootArgs(names, args.args ?? []);
  const input = await inputOf(args, args.io);
  const memorySize = memoryOf(args);
  const maxTicks = maxTicksOf(args);
  const { speed, ...migration } = parameters;
  const { runNetMigration, formatInterruptions } = await import("./migrate-net.js");
  const run = runNetMigration(args, {
    guests: loaded.map((g, i) => ({ name: names[i]!, image: g.image, bootArgs: bootArgs[i]! })),
    migration: { ...migration, onProgress: (p) => args.log.debug({ ...p }, "migration progress") },
    speed,
    ...(input !== undefined ? { input } : {}),
    ...(memorySize !== undefined ? { memorySize } : {}),
    ...(maxTicks !== undefined ? { maxTicks } : {}),
  });
  if (!args.json) {
    args.io.stderr.write(formatStats(run.stats));
    args.io.stderr.write(formatInterruptions(run.interruptions, run.stats.downtimeNs));
  }
  args.setExitCode(run.status);
}

interface ViewChoice {
  address: TcpAddress;
  root: string;
  pace: number | "auto";
}

/** --view and --pace, checked before the migration runs. */
function viewOf(address: string, pace: string): ViewChoice {
  const where = parseTcpAddress(address, "--view", { anyPort: true });
  if (!isLoopback(where.host)) throw new UserError(`--view ${address}: a simulated migration is served on this machine only; give a loopback address (e.g. 127.0.0.1:8080)`);
  const factor = pace === "auto" ? "auto" : Number(pace);
  if (factor !== "auto" && !(Number.isFinite(factor) && factor > 0)) throw new UserError(`--pace ${pace}: expected a number > 0 (wall time per virtual time) or auto`);
  return { address: where, root: builtWebRoot("--view"), pace: factor };
}

/** Serves the recording's replay until SIGINT or SIGTERM. */
async function replay(recording: Recording, view: ViewChoice, io: CliIo, log: Logger, results: ReplayOptions["results"]): Promise<void> {
  const pace = paceOf(view.pace)(recording);
  let server;
  try {
    server = await serveRecording(recording, { address: view.address, root: view.root, pace: view.pace, version: toyvmmVersion(), log, ...(results ? { results } : {}) });
  } catch (error) {
    throw new UserError((error as Error).message.replace(/^--http/, "--view"));
  }
  io.stderr.write(`toyvmm: view on ${server.url}: each page replays the migration ${Number(pace.toPrecision(3))}× slower than virtual time${results ? `, and offers ${results.dir}` : ""}; Ctrl-C stops\n`);
  await new Promise<void>((resolve) => {
    const stop = () => (process.off("SIGINT", stop).off("SIGTERM", stop), resolve());
    process.once("SIGINT", stop).once("SIGTERM", stop);
  });
  await server.close();
}

/** The process host, with the program's symbols for fault messages on host B too. */
function processHostNaming(symbols: readonly ImageSymbol[]): VmHost {
  return {
    ...PROCESS_HOST,
    restore(...args) {
      const vm = PROCESS_HOST.restore(...args) as MigratableProcess;
      vm.process.symbols = symbols;
      return vm;
    },
  };
}

/** The line that marks the moment the guest moved (or did not). */
function moveLine(result: MigrationResult, movedAtTick: number | null): string {
  const { stats } = result;
  if (movedAtTick === null) return `migration ${stats.status}: ${stats.error ?? "no reason given"}; the guest goes on at host A`;
  const downtime = stats.status === "completed" ? `, downtime ${formatNs(stats.downtimeNs)}` : "";
  const paused = stats.status === "paused" ? ` (paused: ${stats.error})` : "";
  return `migrated to host B at tick ${movedAtTick} by ${stats.strategy}${downtime}${paused}`;
}

/** --max-ticks for a kernel is the guest time to stop at; a process keeps its own limit. */
const machineLimit = (asProcess: boolean, maxTicks: number | undefined): number =>
  asProcess ? Infinity : (maxTicks ?? END_OF_TIME);

/** `--log-level debug`: the registers where the guest faulted, on whichever host it ended. */
function logRegisters(log: Logger, name: string, vm: MigratableVm): void {
  if (vm instanceof MigratableProcess) logProcessRegisters(log, name, vm.process.cpu);
  else if (vm instanceof MachineVm) logMachineRegisters(log, vm.machine);
}

function outcomeOf(vm: MigratableVm, exit: VmExit): Outcome {
  if (vm instanceof MigratableProcess) {
    const result = vm.process.result;
    if (result) return outcomeOfProcess(result);
  } else if (vm instanceof MachineVm && vm.machine.ended) {
    return outcomeOfMachine(vm.machine.ended, vm.machine);
  }
  if (exit.reason === "page-missing") return outcomeOfMachine({ kind: "page-missing", page: exit.page! });
  if (exit.reason === "blocked") return outcomeOfMachine({ kind: "blocked" });
  return { kind: "limit" };
}

function jsonReport(source: MigratableVm, result: MigrationResult, outcome: Outcome, exitStatus: number, movedAtTick: number | null) {
  const both = (read: (vm: MigratableVm) => string) => read(source) + (result.migrated ? read(result.vm) : "");
  const process = source instanceof MigratableProcess;
  return {
    console: both((vm) => vm.output),
    ...(process ? { stderr: both((vm) => (vm as MigratableProcess).errorOutput) } : {}),
    consoleDropped: dropped(source) + (result.migrated ? dropped(result.vm) : 0),
    outcome,
    exitStatus,
    ticks: result.vm.ticks,
    movedAtTick,
    stats: result.stats,
  };
}

const dropped = (vm: MigratableVm): number =>
  vm instanceof MigratableProcess ? vm.out.dropped + vm.err.dropped : (vm as MachineVm).console.dropped;

/** The terminal side of a migration: each host's console live on stdout (a process's stderr on stderr). */
class Terminal {
  private readonly out: LabelledLines;
  private readonly err: LabelledLines;

  constructor(io: CliIo) {
    this.out = new LabelledLines(null, (chunk) => io.stdout.write(chunk));
    this.err = new LabelledLines(null, (chunk) => io.stderr.write(chunk));
  }

  attach(vm: MigratableVm): void {
    if (vm instanceof MigratableProcess) {
      vm.out.attach(this.out.sink);
      vm.err.attach(this.err.sink);
    } else if (vm instanceof MachineVm) {
      vm.console.attach(this.out.sink);
    }
  }

  flush(): void {
    this.out.flush();
    this.err.flush();
  }
}
