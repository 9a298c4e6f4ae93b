/**
 * --trace and --profile at work (observe-options.ts declares them, and loads this only when one
 * is given): the observers each guest gets, the guest stepped tick by tick under them
 * (vmm/debug/observe.ts), and the trace and profiles written out at the end.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { GuestImage } from "../../isa/image/model.js";
import { SymbolTable } from "../../isa/image/symbols.js";
import { fileError } from "../../isa/loader.js";
import { CodeMap } from "../debug/frames.js";
import { MachineTarget } from "../debug/machine-target.js";
import { observedMachine, runObservedProcess, type Observer } from "../debug/observe.js";
import { ProcessTarget, type ProcessTargetOptions } from "../debug/process-target.js";
import { formatProfile, Profiler } from "../debug/profile.js";
import { parseTraceKinds } from "../debug/trace-kinds.js";
import { AddressFilter, Tracer } from "../debug/trace.js";
import type { Machine } from "../monitor/machine.js";
import type { ProcessVm } from "../process/process-vm.js";
import type { ObserveCliOptions } from "./observe-options.js";
import type { CliIo } from "./shared.js";

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

/** The guests under their observers, and what to do when the run is over. */
export interface Observation {
  /** The `index`-th guest's machine, made by `make` around its console sink, for the scheduler to run tick by tick. */
  machine(index: number, make: (sink: (byte: number) => void) => Machine, sink: (byte: number) => void): Machine;
  /** The program (the only guest) in the process VM; `run` takes it to its end, every tick observed. */
  process(options: ProcessTargetOptions): { vm: ProcessVm; run(): void };
  /** Writes the trace's last lines and the profiles. */
  finish(): void;
}

export function observation(args: ObserveCliOptions, io: CliIo, images: { name: string; image: GuestImage }[]): Observation {
  const guests = images.map(({ name, image }) => ({ name, image, symbols: new SymbolTable(image.symbols), code: new CodeMap(image) }));
  const kinds = args.trace === undefined ? undefined : parseTraceKinds(args.trace);
  const filters = args.traceFilter?.length
    ? guests.map((g) => new AddressFilter(args.traceFilter!, g.symbols, g.code))
    : undefined;
  const trace = kinds ? new LineWriter(args.traceFile, io) : undefined;
  const names = guests.map((g) => g.name);
  const profilers =
    args.profile || args.profileFolded !== undefined ? guests.map((g) => new Profiler(g.symbols)) : undefined;
  const observersFor = (index: number): Observer[] => {
    const observers: Observer[] = [];
    if (kinds && trace)
      observers.push(new Tracer({ kinds, write: trace.write, ...(filters ? { filter: filters[index]! } : {}) }, names));
    if (profilers) observers.push(profilers[index]!);
    return observers;
  };
  return {
    machine(index, make, sink) {
      const symbols = guests[index]!.image.symbols;
      return observedMachine(new MachineTarget(make, symbols, sink), observersFor(index), symbols);
    },
    process(options) {
      const { image } = guests[0]!;
      const target = new ProcessTarget(image, options);
      return { vm: target.vm, run: () => runObservedProcess(target, observersFor(0), image.symbols) };
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
