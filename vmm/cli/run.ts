/**
 * `toyvmm run PROG`: run one toy program in the process VM (vmm/process). The program's
 * standard output is stdout, its standard error and the runtime's messages are stderr, and the
 * exit status follows the one rule of vmm/outcome.ts: the program's own status, 124 at the
 * tick limit, 128 + cause after a fault.
 */
import { UserError } from "../../isa/errors.js";
import { openImageFile } from "../../isa/loader.js";
import { debugProgramAtFault, DEBUG_ON_FAULT_OPTION } from "./debug-on-fault.js";
import { exitStatusOf, outcomeOfProcess, type Outcome } from "../outcome.js";
import { NO_TICK_LIMIT, ProcessVm, type ProcessResult } from "../process/process-vm.js";
import {
  GUEST_OPTIONS,
  inputOf,
  logProcessRegisters,
  maxTicksOf,
  memoryOf,
  type GuestCliOptions,
} from "./guest-options.js";
import { OBSERVE_OPTIONS, observationOf, type ObserveCliOptions } from "./observe-options.js";
import type { Observation } from "./observation.js";
import type { Command } from "./shared.js";

interface RunOptions extends GuestCliOptions, ObserveCliOptions {
  debugOnFault?: boolean;
  prog: string;
  args?: string;
  stats: boolean;
  json: boolean;
}

export const runCommand: Command<RunOptions> = {
  command: "run <prog>",
  describe: "Run one toy program in the process VM (system calls served by the runtime, no guest kernel)",
  builder: (yargs) =>
    yargs
      .positional("prog", {
        type: "string",
        demandOption: true,
        describe: "Program: a .tvm image or a .s source (assembled first)",
      })
      .option("args", { type: "string", describe: 'Boot arguments for the program, e.g. "n=20"' })
      .options(GUEST_OPTIONS)
      .options(OBSERVE_OPTIONS)
      .options(DEBUG_ON_FAULT_OPTION)
      .option("stats", { type: "boolean", default: false, describe: "Print ticks and system-call counts on stderr" })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "Print the outcome (and with --stats the counts) as one JSON object on stderr",
      })
      .example("$0 run programs/hello.s", "prints Hello, world!")
      .example('$0 run programs/fib.s --args "n=25"', "passes n=25 as the boot arguments")
      .example("echo some text | $0 run programs/strings.s --input -", "the program reads stdin")
      .example(
        '$0 run programs/memwriter.s --args "pages=64 iters=0" --max-ticks 1000000 --stats',
        "a bounded run of a program that never ends",
      )
      .example(
        "$0 run programs/sort.s --trace insn --trace-filter insertion_sort --trace-file sort.trace",
        "trace one function's instructions",
      )
      .example(
        "$0 run programs/fib.s --profile --profile-folded fib.folded",
        "a flat profile, and stacks for a flame graph",
      )
      .epilogue(
        "Exit status: the program's exit status; 128 + cause when it faults (a one-line message on stderr " +
          "names the pc, its symbol and the fault); 124 at the tick limit. --json keeps stdout the program's own.",
      ),
  handler: async (args) => {
    const maxTicks = maxTicksOf(args) ?? NO_TICK_LIMIT;
    const memorySize = memoryOf(args);
    const image = await openImageFile(args.prog, { includePath: args.includeDir ?? [] });
    const input = await inputOf(args, args.io);
    const options = {
      name: args.prog,
      args: args.args ?? "",
      input,
      stdout: (bytes: Uint8Array) => args.io.stdout.write(bytes),
      stderr: (bytes: Uint8Array) => args.io.stderr.write(bytes),
      maxTicks,
      ...(memorySize !== undefined ? { memorySize } : {}),
    };
    const watch = await observationOf(args, args.io, [{ name: args.prog, image }]);
    let vm: ProcessVm;
    let observed: ReturnType<Observation["process"]> | undefined;
    try {
      if (watch) vm = (observed = watch.process(options)).vm;
      else vm = new ProcessVm(image, { ...options, symbols: image.symbols });
    } catch (error) {
      if (error instanceof UserError) throw new UserError(`${args.prog}: ${error.message}`, error.exitCode);
      throw error;
    }
    if (observed && watch) {
      observed.run();
      watch.finish();
    }
    const result = vm.result ?? vm.run()!;
    const outcome = outcomeOfProcess(result);
    if (outcome.kind === "fault") logProcessRegisters(args.log, args.prog, vm.cpu);
    if (outcome.kind === "fault" && args.debugOnFault) {
      await debugProgramAtFault(image, { ...options, memorySize: vm.memory.size }, result.ticks, args.io);
    }
    if (args.json) args.io.stderr.write(JSON.stringify(report(args.prog, result, outcome, args.stats)) + "\n");
    else if (args.stats) args.io.stderr.write(formatStats(result));
    args.log.info({ prog: args.prog, outcome, ticks: result.ticks }, "process ended");
    args.setExitCode(exitStatusOf(outcome));
  },
};

function report(prog: string, result: ProcessResult, outcome: Outcome, stats: boolean): object {
  return {
    program: prog,
    outcome,
    exitStatus: exitStatusOf(outcome),
    ticks: result.ticks,
    ...(stats ? { syscalls: result.syscalls } : {}),
  };
}

function formatStats(result: ProcessResult): string {
  const calls = Object.entries(result.syscalls)
    .map(([name, count]) => `${name} ${count}`)
    .join(", ");
  return (
    `ended       ${result.reason}, status ${result.exitStatus}\n` +
    `ticks       ${result.ticks}\n` +
    `syscalls    ${calls === "" ? "none" : calls}\n`
  );
}
