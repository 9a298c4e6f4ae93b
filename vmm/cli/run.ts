/**
 * `toyvmm run PROG`: run one toy program in the process VM (vmm/process). The program's
 * standard output is stdout, its standard error and the runtime's messages are stderr, and the
 * exit code is the program's exit status (low 8 bits, as on Unix).
 */
import { UserError } from "../../isa/errors.js";
import { readImageFile } from "../../isa/loader.js";
import { DEFAULT_MAX_TICKS, ProcessVm, type ProcessResult } from "../process/process-vm.js";
import { readInput, type Command } from "./shared.js";

interface RunOptions {
  prog: string;
  args?: string;
  input?: string;
  "max-ticks": number;
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
      .option("input", {
        type: "string",
        nargs: 1,
        describe: "File the program reads as standard input, or - for stdin",
      })
      .option("max-ticks", {
        type: "number",
        default: DEFAULT_MAX_TICKS,
        describe: "Stop the program after this many ticks (exit code 124)",
      })
      .option("stats", { type: "boolean", default: false, describe: "Print ticks and system-call counts on stderr" })
      .option("json", { type: "boolean", default: false, describe: "With --stats: one JSON object instead of text" })
      .example("$0 run programs/hello.s", "prints Hello, world!")
      .example('$0 run programs/fib.s --args "n=25"', "passes n=25 as the boot arguments")
      .example("echo some text | $0 run programs/strings.s --input -", "the program reads stdin")
      .example(
        '$0 run programs/memwriter.s --args "pages=64 iters=0" --max-ticks 1000000 --stats',
        "a bounded run of a program that never ends",
      )
      .epilogue(
        "Exit code: the program's exit status; 128 + cause when it faults (a one-line message on stderr " +
          "names the pc and the fault); 124 at the tick limit.",
      ),
  handler: async (args) => {
    const maxTicks = args["max-ticks"];
    if (!Number.isSafeInteger(maxTicks) || maxTicks < 1) {
      throw new UserError(`--max-ticks must be a positive whole number, not ${maxTicks}`);
    }
    const image = readImageFile(args.prog);
    const input = args.input === undefined ? undefined : await readInput(args.input, args.io);
    let vm: ProcessVm;
    try {
      vm = new ProcessVm(image, {
        name: args.prog,
        args: args.args ?? "",
        input,
        stdout: (bytes) => args.io.stdout.write(bytes),
        stderr: (bytes) => args.io.stderr.write(bytes),
        maxTicks,
      });
    } catch (error) {
      if (error instanceof UserError) throw new UserError(`${args.prog}: ${error.message}`, error.exitCode);
      throw error;
    }
    const result = vm.run()!;
    if (args.stats)
      args.io.stderr.write(args.json ? JSON.stringify(statsJson(args.prog, result)) + "\n" : formatStats(result));
    args.log.info(
      { prog: args.prog, reason: result.reason, exitStatus: result.exitStatus, ticks: result.ticks },
      "process ended",
    );
    args.setExitCode(result.exitStatus & 0xff);
  },
};

function statsJson(prog: string, result: ProcessResult): object {
  return {
    program: prog,
    reason: result.reason,
    exitStatus: result.exitStatus,
    ticks: result.ticks,
    syscalls: result.syscalls,
    ...(result.fault ? { fault: result.fault } : {}),
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

/** All of the terminal's stdin (empty when there is none). */
