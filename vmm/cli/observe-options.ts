/**
 * --trace and --profile for `run` and `boot`, declared once: which events to trace, where to,
 * which pcs; the flat profile on stderr and the folded stacks to a file.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { Options } from "yargs";
import type { SymbolTable } from "../../isa/image/symbols.js";
import { fileError } from "../../isa/loader.js";
import type { CodeMap } from "../debug/frames.js";
import type { Observer } from "../debug/observe.js";
import { formatProfile, Profiler } from "../debug/profile.js";
import { AddressFilter, parseTraceKinds, TRACE_KINDS, Tracer } from "../debug/trace.js";
import type { CliIo } from "./shared.js";

export const OBSERVE_OPTIONS = {
  trace: {
    type: "string",
    describe: `Trace every event of these kinds, comma-separated: ${TRACE_KINDS.join(", ")} (insn: each instruction with the registers it changed)`,
  },
  "trace-file": { type: "string", describe: "Write the trace to FILE instead of stderr" },
  "trace-filter": {
    type: "string",
    array: true,
    nargs: 1,
    describe: "Trace only pcs in the function SYMBOL (up to the next function) or in START-END (repeatable)",
  },
  profile: {
    type: "boolean",
    default: false,
    describe: "Print a flat profile by symbol on stderr at the end: ticks, instructions, share, traps",
  },
  "profile-folded": {
    type: "string",
    describe: "Write the profile's folded stacks to FILE (for flamegraph.pl, inferno, speedscope)",
  },
} as const satisfies Record<string, Options>;

export interface ObserveCliOptions {
  trace?: string;
  traceFile?: string;
  traceFilter?: string[];
  profile?: boolean;
  profileFolded?: string;
}

/** Whether any observer is asked for: otherwise the guest runs its own loop. */
export const observing = (args: ObserveCliOptions): boolean =>
  args.trace !== undefined || args.profile === true || args.profileFolded !== undefined;

/** Lines to a file (buffered) or to stderr. */
class LineWriter {
  private fd: number | undefined;
  private buffer: string[] = [];
  private size = 0;

  constructor(
    private readonly path: string | undefined,
    private readonly io: CliIo,
  ) {
    if (path === undefined) return;
    try {
      this.fd = openSync(path, "w");
    } catch (error) {
      throw fileError(path, error);
    }
  }

  readonly write = (line: string): void => {
    this.buffer.push(line);
    this.size += line.length + 1;
    if (this.size >= 1 << 16) this.flush();
  };

  flush(): void {
    if (this.buffer.length === 0) return;
    const text = this.buffer.join("\n") + "\n";
    this.buffer = [];
    this.size = 0;
    try {
      if (this.fd === undefined) this.io.stderr.write(text);
      else writeSync(this.fd, text);
    } catch (error) {
      throw fileError(this.path!, error);
    }
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
  }
}

/** The observers each guest gets, and what to do when the run is over. */
export interface Observation {
  observersFor(index: number): Observer[];
  finish(): void;
}

export function observation(
  args: ObserveCliOptions,
  io: CliIo,
  guests: { name: string; symbols: SymbolTable; code: CodeMap }[],
): Observation {
  const kinds = args.trace === undefined ? undefined : parseTraceKinds(args.trace);
  const filters = args.traceFilter?.length
    ? guests.map((g) => new AddressFilter(args.traceFilter!, g.symbols, g.code))
    : undefined;
  const trace = kinds ? new LineWriter(args.traceFile, io) : undefined;
  const names = guests.map((g) => g.name);
  const profilers =
    args.profile || args.profileFolded !== undefined ? guests.map((g) => new Profiler(g.symbols)) : undefined;
  return {
    observersFor(index) {
      const observers: Observer[] = [];
      if (kinds && trace)
        observers.push(
          new Tracer({ kinds, write: trace.write, ...(filters ? { filter: filters[index]! } : {}) }, names),
        );
      if (profilers) observers.push(profilers[index]!);
      return observers;
    },
    finish() {
      trace?.close();
      if (!profilers) return;
      if (args.profile)
        for (const [i, p] of profilers.entries()) io.stderr.write(formatProfile(names[i]!, p).join("\n") + "\n");
      if (args.profileFolded !== undefined) {
        const lines = profilers.flatMap((p, i) => p.folded(guests.length > 1 ? names[i] : ""));
        const out = new LineWriter(args.profileFolded, io);
        for (const line of lines) out.write(line);
        out.close();
      }
    },
  };
}
