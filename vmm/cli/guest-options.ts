/**
 * The knobs every command that runs a guest shares (`run`, `boot`, `migrate`), declared once so
 * that the same knob has the same flag, help text and checks on each: --args, --input,
 * --memory, --max-ticks, --json.
 */
import type { Options } from "yargs";
import { causeName, MAX_INPUT } from "../../isa/arch.js";
import { UserError } from "../../isa/errors.js";
import { readFileBytes, readStreamBytes, STDIN_NAME, type ReadLimit } from "../../isa/user-files.js";
import { formatSize, parseMemorySize } from "../migration/units.js";
import { EXIT_LIMIT } from "../outcome.js";
import type { Logger } from "../log.js";
import type { Cpu } from "../../isa/cpu/cpu.js";
import { controlRegisters, generalRegisters } from "../debug/registers.js";
import type { Machine, TrapListener } from "../monitor/machine.js";
import { hex32, type CliIo } from "./shared.js";

/** -I DIR: where `.include` and `.incbin` look, for every command that assembles a source. */
export const INCLUDE_DIR_OPTION = {
  alias: "I",
  type: "string",
  array: true,
  nargs: 1,
  describe:
    "Also look for .include and .incbin files in DIR (repeatable; after the including file's folder, before the bundled programs/ and guest-os/)",
} as const satisfies Options;

export const GUEST_OPTIONS = {
  "include-dir": INCLUDE_DIR_OPTION,
  input: {
    type: "string",
    describe: `File the guest reads as console input (or standard input), or - for stdin; at most ${formatSize(MAX_INPUT)}`,
  },
  memory: {
    type: "string",
    describe: "Guest memory, e.g. 4MiB (default: what the image asks for)",
  },
  "max-ticks": {
    type: "number",
    describe: `Stop the guest after this many ticks, exit status ${EXIT_LIMIT} (default: no limit)`,
  },
} as const satisfies Record<string, Options>;

export interface GuestCliOptions {
  includeDir?: string[];
  input?: string;
  memory?: string;
  maxTicks?: number;
}

/** --max-ticks as a whole number of ticks, or undefined for no limit. */
export function maxTicksOf(args: GuestCliOptions): number | undefined {
  const value = args.maxTicks;
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 1) throw new UserError(`--max-ticks ${value}: expected a whole number of ticks ≥ 1`);
  return value;
}

/** --memory in bytes, or undefined for the image's own size. */
export function memoryOf(args: GuestCliOptions): number | undefined {
  return args.memory === undefined ? undefined : parseMemorySize(args.memory, "--memory");
}

const CONSOLE_INPUT: ReadLimit = { limit: MAX_INPUT, what: "console input", streams: true };

/** The bytes of --input: a file (or a pipe or device), or standard input for `-`; at most MAX_INPUT. */
export async function inputOf(args: GuestCliOptions, io: CliIo): Promise<Uint8Array | undefined> {
  const spec = args.input;
  if (spec === undefined) return undefined;
  if (spec !== "-") return readFileBytes(spec, CONSOLE_INPUT);
  if (!io.stdin) return new Uint8Array(0);
  return readStreamBytes(io.stdin as AsyncIterable<Uint8Array>, STDIN_NAME, CONSOLE_INPUT);
}

/** Logs every trap that exits to the monitor (`--log-level trace`). */
export function trapLogger(log: Logger, vm: string): TrapListener {
  return (cause, pc, value) => log.trace({ vm, cause: causeName(cause), pc: hex32(pc), value: hex32(value) }, "trap");
}

/** `--log-level debug`: the registers where a guest faulted (its control registers as the guest sees them). */
export function logMachineRegisters(log: Logger, machine: Machine): void {
  const csr = controlRegisters((i) => machine.readCsr(i));
  log.debug({ vm: machine.name, registers: generalRegisters(machine.cpu.regs, machine.cpu.pc), csr }, "registers at the fault");
}

/** `--log-level debug`: the registers where a program faulted. */
export function logProcessRegisters(log: Logger, name: string, cpu: Cpu): void {
  log.debug({ program: name, registers: generalRegisters(cpu.regs, cpu.pc) }, "registers at the fault");
}
