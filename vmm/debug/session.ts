/**
 * A debugging session as a state machine without I/O: `execute(line)` takes one command in
 * gdb's words and answers with lines for people, the same as data for tools, and the console
 * output the guest wrote meanwhile. The terminal front end (vmm/cli/debug.ts) only reads lines
 * and prints answers, so tests drive the session directly and through the real CLI alike.
 *
 * Every guest of the session is advanced one tick at a time through `Target` (target.ts), and
 * every tick is checked against breakpoints, watchpoints and catchpoints. Each guest keeps a
 * `Timeline` of snapshots, so the session can also go backwards (reverse-stepi,
 * reverse-continue, goto TICK) by restoring and replaying. A guest may live-migrate during the
 * session (migration.ts): its past then spans host A and host B, and going back crosses the
 * switchover like any other tick.
 */
import { CAUSE_SYSCALL, CSR, REG_SP, SYS, causeName } from "../../isa/arch.js";
import type { GuestImage } from "../../isa/image/model.js";
import { Op } from "../../isa/opcodes.js";
import { describeOutcome } from "../outcome.js";
import { findCommand } from "./commands.js";
import { CommandError } from "./command-error.js";
import { ExprError, evaluate } from "./expr.js";
import type { CodeMap } from "./frames.js";
import type { DebugMigration, Host } from "./migration.js";
import { dataAccess, overlaps, type DataAccess, type Point } from "./points.js";
import { registerIndex, hex32 } from "./registers.js";
import { STEP_BLOCKED, STEP_END, STEP_IDLE, STEP_SYSCALL, STEP_TRAP, StepEvent, type Target } from "./target.js";
import type { Timeline } from "./timeline.js";
import type { TraceKind } from "./trace-kinds.js";
import { syscallName } from "./syscalls.js";
import { Tracer } from "./trace.js";
import { instructionLine, wordAt, type ExamineFormat, type View } from "./views.js";
import { readVirtual } from "./walk.js";

export interface DebugVm {
  target: Target;
  timeline: Timeline;
  code: CodeMap;
  image: GuestImage;
  /** A live migration of this guest during the session (migration.ts). */
  migration?: DebugMigration;
}

export interface Reply {
  lines: string[];
  data: Record<string, unknown>;
  /** The one-line problem, when the command failed. */
  error?: string;
  /** Console output of the guests while the command ran. */
  console: string;
  quit?: boolean;
}

/** What the guest's console wrote, for the session to hand out with each answer; bounded. */
export class ConsoleBuffer {
  static readonly LIMIT = 1 << 20;
  private chunks: string[] = [];
  private size = 0;
  dropped = 0;
  readonly write = (chunk: string | Uint8Array): void => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("latin1");
    if (this.size + text.length > ConsoleBuffer.LIMIT) {
      this.dropped += text.length;
      return;
    }
    this.chunks.push(text);
    this.size += text.length;
  };
  /** What was written since the last take; a note of what did not fit in the bound. */
  take(): string {
    const note =
      this.dropped > 0
        ? `[${this.dropped} characters of console output dropped: more than ${ConsoleBuffer.LIMIT} in one answer]\n`
        : "";
    this.dropped = 0;
    const text = this.chunks.join("") + note;
    this.chunks = [];
    this.size = 0;
    return text;
  }
}

/** Why a run of ticks stopped. */
export interface Hit {
  kind: "breakpoint" | "watchpoint" | "catchpoint" | "step" | "end" | "blocked" | "limit";
  /** The tick of the stop state, and whether it is the state before its tick's step (after `prepare`). */
  tick: number;
  before: boolean;
  vm: number;
  point?: Point;
  cause?: number;
  value?: number;
  handlerPc?: number;
  trapPc?: number;
  syscall?: number;
  access?: DataAccess;
  old?: Uint8Array;
}

/** What a command wants of a run besides the points: stop before a state, or after a tick. */
export interface Goal {
  before?(target: Target): boolean;
  after?(event: StepEvent, target: Target): boolean;
}

export interface SessionOptions {
  /** Ticks per turn when several VMs continue together. */
  quantum?: number;
  /** Ticks of all VMs together after which a run stops. */
  maxTicks?: number;
  /** What the stop at `maxTicks` says; default: it is the --max-ticks limit. */
  limitNote?: string;
}

export class Session {
  current = 0;
  readonly points: Point[] = [];
  private nextId = 1;
  private readonly event = new StepEvent();
  private lastExamine: { address: number; format: ExamineFormat } = {
    address: 0,
    format: { count: 1, format: "x", unit: 4 },
  };
  private values = 0;
  readonly quantum: number;
  readonly maxTicks: number;
  private readonly limitNote: string;
  /** `trace KINDS`: a tracer over every VM's ticks, its lines handed out with the next answer. */
  private tracer: Tracer | null = null;
  private readonly traced: string[] = [];
  /** Lines about what happened to the guests (a migration), handed out with the next answer. */
  private readonly notes: string[] = [];
  /** While reverse execution replays the past, nothing is traced again. */
  private replaying = false;

  constructor(
    readonly vms: DebugVm[],
    private readonly consoleOut: ConsoleBuffer,
    options: SessionOptions = {},
  ) {
    this.quantum = options.quantum ?? 10_000;
    this.maxTicks = options.maxTicks ?? Infinity;
    this.limitNote = options.limitNote ?? `the tick limit, ${this.maxTicks} ticks (raise it with --max-ticks)`;
  }

  get vm(): DebugVm {
    return this.vms[this.current]!;
  }
  get target(): Target {
    return this.vm.target;
  }

  /** One command line; an empty line or a comment does nothing. */
  execute(line: string): Reply {
    const text = line.trim();
    if (text === "" || text.startsWith("#")) return { lines: [], data: {}, console: "" };
    const [word, rest] = splitWord(text);
    try {
      const command = findCommand(word);
      if (!command) throw new CommandError(`Undefined command: "${word}". Try "help".`);
      const host = this.host();
      const view = command.run(this, rest, word);
      this.noteCrossing(host);
      return {
        lines: [...this.traced.splice(0), ...this.notes.splice(0), ...view.lines],
        data: { command: command.name, ...view.data },
        console: this.consoleOut.take(),
        ...(command.name === "quit" ? { quit: true } : {}),
      };
    } catch (error) {
      if (!(error instanceof CommandError || error instanceof ExprError)) throw error;
      return {
        lines: [...this.notes.splice(0)],
        data: { command: word },
        error: error.message,
        console: this.consoleOut.take(),
      };
    }
  }

  // ---- migration

  /** The host the current VM's guest is on now, when it migrates during the session. */
  host(index = this.current): Host | undefined {
    const v = this.vms[index]!;
    return v.migration?.hostAt(v.target.ticks);
  }

  /** A command that took the guest over the switchover says so (the migration itself is told when it runs). */
  private noteCrossing(before: Host | undefined): void {
    const after = this.host();
    const s = this.vm.migration?.record?.switchTick;
    if (before === after || this.notes.length > 0 || s === undefined || s === null) return;
    this.notes.push(
      after === "A"
        ? `[back on host A: before the switchover at tick ${s}]`
        : `[on host B: past the switchover at tick ${s}]`,
    );
  }

  /**
   * The migration runs once, live, when the guest first reaches its tick: the driver runs the
   * guest through it on both hosts, unseen by points. The state where it ended becomes a
   * snapshot of the pages that differ from the last one (the migration used the dirty bits the
   * snapshots otherwise rely on). One replay through the migration's ticks takes the
   * snapshots it lacks, so going back over the switchover costs what going back costs anywhere.
   * The guest then goes back to where the migration began, so the ticks through it are walked
   * again by replay, stopping at points like any others.
   */
  private migrate(v: DebugVm): void {
    const migration = v.migration!;
    v.timeline.snapshotNow();
    migration.run(v.target, () => {
      v.timeline.snapshotNow(true);
      v.timeline.fillGap(migration.atTick);
    });
    this.notes.push(migration.moveLine());
    v.timeline.goto(migration.atTick);
  }

  // ---- expressions and locations

  evaluate(text: string): number {
    const target = this.target;
    return evaluate(text, {
      register: (name) => {
        if (name === "pc") return target.cpu.pc;
        if (name === "tick") return target.ticks;
        const i = registerIndex(name);
        if (i >= 0) return target.cpu.regs[i];
        const csr = CSR[name as keyof typeof CSR];
        return csr !== undefined && target.kind !== "process" ? target.readCsr(csr) : undefined;
      },
      symbol: (name) => target.symbols.address(name),
      word: (address) => wordAt(target, address),
    });
  }

  /** `*ADDR`, a symbol or an expression, as an address. */
  location(text: string): number {
    if (text.trim() === "") throw new CommandError("a location is missing");
    return this.evaluate(text.trim().replace(/^\*/, "")) >>> 0;
  }

  addPoint<P extends Point>(point: Omit<P, "id" | "hits" | "vm">): P {
    const full = { ...point, id: this.nextId++, hits: 0, vm: this.current } as unknown as P;
    this.points.push(full);
    return full;
  }

  /** Traces `kinds` from now on (as `--trace` does), or stops tracing. */
  setTrace(kinds: ReadonlySet<TraceKind> | null): void {
    this.tracer = kinds
      ? new Tracer(
          { kinds, write: (line) => this.traced.push(line) },
          this.vms.map((v) => v.target.name),
        )
      : null;
  }

  newValueNumber(): number {
    return ++this.values;
  }

  get examine() {
    return this.lastExamine;
  }
  set examine(value) {
    this.lastExamine = value;
  }

  // ---- running

  /**
   * One tick of `vm` with every check. `first`: the first tick of a command, which never stops
   * at the breakpoint it starts on. Returns why it stops, or null.
   */
  private tick(index: number, first: boolean, goal: Goal | null): Hit | null {
    const v = this.vms[index]!;
    const t = v.target;
    if (v.migration?.due(t.ticks)) this.migrate(v);
    const ev = this.event;
    t.prepare(ev);
    const tracer = this.replaying ? null : this.tracer;
    tracer?.beforeStep(t, ev);
    if (ev.interrupt !== 0) {
      const point = this.caught(index, "trap", ev.interrupt);
      if (point)
        return {
          kind: "catchpoint",
          tick: t.ticks,
          before: true,
          vm: index,
          point,
          cause: ev.interrupt,
          trapPc: ev.interruptPc,
          handlerPc: t.cpu.pc,
        };
    }
    if (!first) {
      const point = this.breakpointAt(index, t.cpu.pc);
      if (point) return { kind: "breakpoint", tick: t.ticks, before: true, vm: index, point };
      if (goal?.before?.(t)) return { kind: "step", tick: t.ticks, before: true, vm: index };
    }
    const watching = this.points.some((p) => p.type === "watchpoint" && p.vm === index);
    let access: DataAccess | undefined;
    let old: Uint8Array | undefined;
    if (watching) {
      const word = wordAt(t, t.cpu.pc) ?? 0;
      access = dataAccess(word, t.cpu.regs);
      // The process VM's read() fills a buffer: a write to what it covers.
      if ((word & 0xff) === Op.SYS && t.kind === "process" && t.cpu.regs[1] === SYS.read) {
        access = { write: true, address: t.cpu.regs[3]! >>> 0, size: Math.max(0, t.cpu.regs[4]!) };
      }
      if (access) old = readVirtual(t.memory, t.translation(), access.address, access.size);
    }
    t.step(ev);
    tracer?.afterStep(t, ev, v.image.symbols);
    v.timeline.maybeSnapshot();
    const after = { tick: t.ticks, before: false, vm: index };
    if (ev.kind === STEP_END) return { kind: "end", ...after };
    if (ev.kind === STEP_BLOCKED) return { kind: "blocked", ...after };
    if (ev.kind === STEP_TRAP) {
      const trap = this.caught(index, "trap", ev.cause);
      if (trap)
        return {
          kind: "catchpoint",
          ...after,
          point: trap,
          cause: ev.cause,
          value: ev.value,
          trapPc: ev.pc,
          handlerPc: ev.handlerPc,
        };
    }
    if (ev.kind === STEP_SYSCALL || (ev.kind === STEP_TRAP && ev.cause === CAUSE_SYSCALL)) {
      const call = this.caught(index, "syscall", ev.a0);
      if (call) return { kind: "catchpoint", ...after, point: call, syscall: ev.a0, trapPc: ev.pc };
    }
    if (access && ev.kind !== STEP_TRAP) {
      for (const p of this.points) {
        if (p.type !== "watchpoint" || p.vm !== index || (p.access === "write") !== access.write) continue;
        if (!overlaps(p.address, p.length, access.address, access.size) || !this.holds(p.condition)) continue;
        return { kind: "watchpoint", ...after, point: p, access, ...(old ? { old } : {}) };
      }
    }
    if (goal?.after?.(ev, t)) return { kind: "step", ...after };
    return null;
  }

  private breakpointAt(index: number, pc: number): Point | undefined {
    for (const p of this.points) {
      if (p.type === "breakpoint" && p.vm === index && p.address === pc >>> 0 && this.holds(p.condition)) return p;
    }
    return undefined;
  }

  private caught(index: number, what: "trap" | "syscall", number: number): Point | undefined {
    return this.points.find(
      (p) =>
        p.type === "catchpoint" && p.vm === index && p.what === what && (p.number === undefined || p.number === number),
    );
  }

  /** A condition holds when absent or not 0; one that cannot be evaluated stops (as gdb does). */
  private holds(condition: string | undefined): boolean {
    if (condition === undefined) return true;
    try {
      return this.evaluate(condition) !== 0;
    } catch {
      return true;
    }
  }

  private totalTicks(): number {
    return this.vms.reduce((n, v) => n + v.target.ticks, 0);
  }

  /** Runs the current VM until something stops it (or `limit` ticks pass: then null). */
  runCurrent(goal: Goal | null, limit = Infinity): Hit | null {
    const index = this.current;
    for (let n = 0; n < limit; n++) {
      if (this.totalTicks() >= this.maxTicks)
        return { kind: "limit", tick: this.target.ticks, before: true, vm: index };
      const hit = this.tick(index, n === 0, goal);
      if (hit) return hit;
    }
    return null;
  }

  /** `continue`: every VM that has not ended, round robin in quanta, until one stops. */
  continueAll(): Hit {
    const firsts = new Set(this.vms.map((_, i) => i));
    for (;;) {
      let ran = false;
      for (let k = 0; k < this.vms.length; k++) {
        const index = (this.current + k) % this.vms.length;
        if (this.vms[index]!.target.outcome()) continue;
        ran = true;
        for (let n = 0; n < this.quantum; n++) {
          if (this.totalTicks() >= this.maxTicks)
            return { kind: "limit", tick: this.vms[index]!.target.ticks, before: true, vm: index };
          const hit = this.tick(index, firsts.delete(index), null);
          if (hit && !(hit.kind === "end" && this.vms.some((v) => !v.target.outcome()))) return this.focus(hit);
          if (hit) break;
        }
      }
      if (!ran) return this.focus({ kind: "end", tick: this.target.ticks, before: false, vm: this.current });
    }
  }

  private focus(hit: Hit): Hit {
    this.current = hit.vm;
    return hit;
  }

  /**
   * Goes back: the last stop state before the current tick where a point (or `goal.after`)
   * would have stopped a forward run, scanning the snapshot intervals from the latest back.
   * Returns null when none is left: then the guest is at the start of its recorded past.
   */
  reverse(goal: Goal | null, usePoints: boolean): Hit | null {
    const v = this.vm;
    const t = v.target;
    const now = t.ticks;
    let end = now;
    const saved = usePoints ? null : this.points.splice(0);
    this.replaying = true;
    try {
      while (end > v.timeline.start) {
        const from = v.timeline.snapshotTick(end - 1);
        v.timeline.goto(from);
        let last: Hit | null = null;
        // After a stop before a tick, the next call steps past that state without stopping there again.
        let past = false;
        while (t.ticks < end) {
          const hit = this.tick(this.current, past, goal);
          past = hit?.before ?? false;
          if (!hit) continue;
          if (hit.kind === "end" || hit.kind === "blocked") break;
          if (hit.tick < now && (hit.before ? hit.tick < end : hit.tick <= end)) last = hit;
        }
        if (last) {
          this.place(last);
          return last;
        }
        end = from;
      }
    } finally {
      this.replaying = false;
      if (saved) this.points.push(...saved);
    }
    v.timeline.goto(v.timeline.start);
    return null;
  }

  /**
   * Back one instruction: to the tick before, unless that tick was an idle one (then back to
   * before the wait began). The usual case replays only up to the tick before, twice.
   */
  reverseStepi(): void {
    const v = this.vm;
    const now = v.target.ticks;
    v.timeline.goto(now - 1);
    this.replaying = true;
    try {
      v.target.prepare(this.event);
      v.target.step(this.event);
    } finally {
      this.replaying = false;
    }
    if (this.event.kind !== STEP_IDLE) v.timeline.goto(now - 1);
    else this.reverse({ after: (ev) => ev.kind !== STEP_IDLE }, false);
  }

  /** Puts the current VM at a stop state found by a scan. */
  private place(hit: Hit): void {
    this.vm.timeline.goto(hit.tick);
    if (hit.before) this.target.prepare(this.event);
  }

  /** `goto TICK`: back by the timeline, forward by running (taking snapshots on the way). */
  goto(tick: number): void {
    const v = this.vm;
    if (tick < v.timeline.start)
      throw new CommandError(`tick ${tick} is before the recorded past, which starts at tick ${v.timeline.start}`);
    if (tick < v.target.ticks) {
      v.timeline.goto(tick);
      return;
    }
    while (v.target.ticks < tick && !v.target.outcome()) {
      if (v.migration?.due(v.target.ticks)) this.migrate(v);
      const before = v.target.ticks;
      const untilMigration = v.migration?.ticksBefore(before) ?? Infinity;
      v.target.runFast(Math.min(tick - before, v.timeline.interval, untilMigration));
      v.timeline.maybeSnapshot();
      if (v.target.ticks === before) break;
    }
  }

  // ---- telling

  /** The lines that say where the guest stopped and why. */
  describeHit(hit: Hit): View {
    const t = this.vms[hit.vm]!.target;
    const lines: string[] = [];
    const p = hit.point;
    if (this.vms.length > 1) lines.push(`[vm ${hit.vm + 1} ${t.name}]`);
    switch (hit.kind) {
      case "breakpoint":
        p!.hits++;
        lines.push(
          `${p!.type === "breakpoint" && p!.temporary ? "Temporary breakpoint" : "Breakpoint"} ${p!.id}, ${t.symbols.describe(t.cpu.pc)}`,
        );
        if (p!.type === "breakpoint" && p!.temporary) this.points.splice(this.points.indexOf(p!), 1);
        break;
      case "watchpoint": {
        p!.hits++;
        const w = p as Extract<Point, { type: "watchpoint" }>;
        lines.push(`${w.access === "write" ? "Watchpoint" : "Read watchpoint"} ${w.id}: ${w.location}`);
        lines.push(...this.watchValues(hit, readVirtual(t.memory, t.translation(), w.address, w.length)));
        break;
      }
      case "catchpoint":
        p!.hits++;
        if (hit.syscall !== undefined)
          lines.push(
            `Catchpoint ${p!.id} (syscall ${syscallName(t, hit.syscall)}) at ${t.symbols.describe(hit.trapPc!)}, returned a0 = ${t.cpu.regs[1]}`,
          );
        else {
          const value = hit.value !== undefined ? `, value ${hex32(hit.value)}` : "";
          lines.push(
            `Catchpoint ${p!.id} (trap ${causeName(hit.cause!)} at ${t.symbols.describe(hit.trapPc!)}${value}), handler ${t.symbols.describe(hit.handlerPc!)}`,
          );
        }
        break;
      case "end": {
        const outcome = t.outcome();
        lines.push(
          `[${t.kind === "process" ? "program" : `vm ${t.name}`} ${outcome ? describeOutcome(outcome, this.vms[hit.vm]!.image.symbols) : "ended"} at tick ${t.ticks}]`,
        );
        return { lines, data: { stop: this.stopData(hit) } };
      }
      case "blocked":
        lines.push(`[vm ${t.name} waits for console input that has not come (give it with --input)]`);
        break;
      case "limit":
        lines.push(`[stopped at ${this.limitNote}]`);
        break;
    }
    lines.push(this.where(hit.vm));
    return { lines, data: { stop: this.stopData(hit) } };
  }

  private watchValues(hit: Hit, now: Uint8Array | undefined): string[] {
    const show = (bytes: Uint8Array | undefined) => (bytes ? valueOf(bytes) : "(not mapped)");
    if (hit.point?.type === "watchpoint" && hit.point.access === "read") return [`Value = ${show(now)}`];
    return [`Old value = ${show(hit.old && this.slice(hit, hit.old))}`, `New value = ${show(now)}`];
  }

  /** The watched bytes out of the bytes the access covered before it. */
  private slice(hit: Hit, old: Uint8Array): Uint8Array | undefined {
    const w = hit.point as Extract<Point, { type: "watchpoint" }>;
    const t = this.vms[hit.vm]!.target;
    const now = readVirtual(t.memory, t.translation(), w.address, w.length);
    if (!now) return undefined;
    const out = now.slice();
    const a = hit.access!;
    for (let i = 0; i < w.length; i++) {
      const at = w.address + i - a.address;
      if (at >= 0 && at < old.length) out[i] = old[at]!;
    }
    return out;
  }

  private stopData(hit: Hit): Record<string, unknown> {
    const t = this.vms[hit.vm]!.target;
    return {
      reason: hit.kind,
      vm: t.name,
      tick: t.ticks,
      pc: t.cpu.pc >>> 0,
      at: t.symbols.describe(t.cpu.pc),
      ...(hit.point ? { point: hit.point.id } : {}),
      ...(hit.cause !== undefined ? { cause: causeName(hit.cause) } : {}),
      ...(hit.syscall !== undefined ? { syscall: syscallName(t, hit.syscall) } : {}),
      ...(t.outcome() ? { outcome: t.outcome() } : {}),
      ...(this.host(hit.vm) ? { host: this.host(hit.vm) } : {}),
    };
  }

  /** `=> pc <sym>:  insn    [tick N]` for a VM. */
  where(index = this.current): string {
    const v = this.vms[index]!;
    const host = this.host(index);
    return `${instructionLine(v.target, v.target.cpu.pc, true, v.image.symbols)}    [tick ${v.target.ticks}${host ? `, host ${host}` : ""}]`;
  }

  /** The stack pointer of the current VM. */
  get sp(): number {
    return this.target.cpu.regs[REG_SP]! >>> 0;
  }
}

/** Bytes as a little-endian number (up to 4) or a list. */
export function valueOf(bytes: Uint8Array): string {
  if (bytes.length === 4) {
    const v = new DataView(bytes.buffer, bytes.byteOffset).getInt32(0, true);
    return `${v} (${hex32(v)})`;
  }
  if (bytes.length <= 2) {
    let v = 0;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8) | bytes[i]!;
    return `${v} (0x${v.toString(16)})`;
  }
  return `[${Array.from(bytes, (b) => `0x${b.toString(16).padStart(2, "0")}`).join(" ")}]`;
}

function splitWord(text: string): [string, string] {
  const slash = /^([a-z-]+)(\/\S*)?\s*(.*)$/i.exec(text);
  if (slash && slash[2]) return [slash[1]!, `${slash[2]} ${slash[3]}`.trim()];
  const space = text.search(/\s/);
  return space < 0 ? [text, ""] : [text.slice(0, space), text.slice(space + 1).trim()];
}
