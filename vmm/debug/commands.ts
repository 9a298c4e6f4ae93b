/**
 * The debugger's commands, in gdb's words, one row each: name, aliases, usage, one line of help
 * and what it does to the session. `help` and docs/DEBUGGING.md's reference come from here.
 */
import { CAUSE_NAMES, REG_RA, REG_SP } from "../../isa/arch.js";
import { Op } from "../../isa/opcodes.js";
import { CommandError } from "./command-error.js";
import { backtrace } from "./frames.js";
import type { Breakpoint, Catchpoint, Point, Watchpoint } from "./points.js";
import { hex32 } from "./registers.js";
import type { Goal, Hit, Session } from "./session.js";
import { syscallTable } from "./syscalls.js";
import { STEP_IDLE } from "./target.js";
import { parseTraceKinds, TRACE_KINDS } from "./trace-kinds.js";
import {
  backtraceView,
  disassembleView,
  examineView,
  pageTableView,
  registersView,
  wordAt,
  type View,
} from "./views.js";

export interface Command {
  name: string;
  aliases: string[];
  usage: string;
  help: string;
  run(session: Session, args: string, word: string): View;
}

const none = (lines: string[] = [], data: Record<string, unknown> = {}): View => ({ lines, data });

/** A count argument (default 1). */
function count(session: Session, args: string): number {
  if (args.trim() === "") return 1;
  const n = session.evaluate(args);
  if (!Number.isSafeInteger(n) || n < 1) throw new CommandError(`expected a count ≥ 1, not ${args.trim()}`);
  return n;
}

/** `LOCATION [if EXPR]`. */
function withCondition(args: string): [string, string | undefined] {
  const m = /^(.*?)\s+if\s+(.+)$/.exec(args.trim());
  return m ? [m[1]!, m[2]!] : [args.trim(), undefined];
}

function describePoint(session: Session, p: Point): string {
  const where = session.vms.length > 1 ? ` (vm ${p.vm + 1})` : "";
  const t = session.vms[p.vm]!.target;
  const hits = p.hits ? `, hit ${p.hits} time${p.hits === 1 ? "" : "s"}` : "";
  switch (p.type) {
    case "breakpoint":
      return `${String(p.id).padEnd(4)}${p.temporary ? "tbreak " : "break  "}${t.symbols.describe(p.address)}${p.condition ? ` if ${p.condition}` : ""}${hits}${where}`;
    case "watchpoint":
      return `${String(p.id).padEnd(4)}${p.access === "write" ? "watch  " : "rwatch "}${t.symbols.describe(p.address)}, ${p.length} byte${p.length === 1 ? "" : "s"}${p.condition ? ` if ${p.condition}` : ""}${hits}${where}`;
    case "catchpoint":
      return `${String(p.id).padEnd(4)}catch  ${p.location}${hits}${where}`;
  }
}

/** Runs, then tells the stop (the location line included). */
function report(session: Session, hit: Hit | null, lead: string[] = []): View {
  if (!hit)
    return none([...lead, session.where()], {
      stop: { reason: "step", tick: session.target.ticks, pc: session.target.cpu.pc >>> 0 },
    });
  const view = session.describeHit(hit);
  return { lines: [...lead, ...view.lines], data: view.data };
}

/** Steps `n` instructions (idle ticks of a wait pass with the instruction that waits); `over` steps over calls. */
function stepInstructions(session: Session, n: number, over: boolean): View {
  let hit: Hit | null = null;
  for (let i = 0; i < n; i++) {
    if (session.target.outcome())
      return report(session, { kind: "end", tick: session.target.ticks, before: false, vm: session.current });
    const t = session.target;
    const word = wordAt(t, t.cpu.pc) ?? 0;
    const op = word & 0xff;
    const call = over && (op === Op.JAL || op === Op.JALR) && ((word >>> 8) & 15) === REG_RA;
    const goal: Goal = call ? returnTo((t.cpu.pc + 4) >>> 0, session.sp) : { after: (ev) => ev.kind !== STEP_IDLE };
    hit = session.runCurrent(goal);
    if (hit && hit.kind !== "step") break;
  }
  return report(session, hit && hit.kind !== "step" ? hit : null);
}

/** Stops where pc is `pc` with the stack no deeper than `sp` (a call returned there). */
function returnTo(pc: number, sp: number): Goal {
  return { before: (t) => t.cpu.pc >>> 0 === pc && t.cpu.regs[REG_SP]! >>> 0 >= sp };
}

function caller(session: Session): { pc: number; entrySp: number } {
  const v = session.vm;
  const frames = backtrace(
    { code: v.code, regs: v.target.cpu.regs, pc: v.target.cpu.pc, word: (a) => wordAt(v.target, a) },
    1,
  );
  if (frames.length < 2)
    throw new CommandError(
      '"finish" not meaningful in the outermost frame (no caller found by the calling convention)',
    );
  return { pc: frames[1]!.pc, entrySp: frames[0]!.entrySp };
}

function reverseInstructions(session: Session, n: number): View {
  for (let i = 0; i < n; i++) {
    if (session.target.ticks <= session.vm.timeline.start)
      return none(["No more reverse-execution history.", session.where()]);
    session.reverseStepi();
  }
  return report(session, null);
}

const CAUSES = Object.fromEntries(Object.entries(CAUSE_NAMES).map(([n, name]) => [name, Number(n)]));

export const COMMANDS: Command[] = [
  {
    name: "break",
    aliases: ["b", "br"],
    usage: "break LOCATION [if EXPR]",
    help: "Stop when the pc reaches LOCATION (a symbol, an address or *EXPR), if EXPR is not 0",
    run: (session, args, word) => {
      const [where, condition] = withCondition(args);
      const address = session.location(where);
      const p = session.addPoint<Breakpoint>({
        type: "breakpoint",
        address,
        temporary: word.startsWith("tb"),
        location: where,
        ...(condition ? { condition } : {}),
      });
      if (condition) session.evaluate(condition);
      return none(
        [
          `${p.temporary ? "Temporary breakpoint" : "Breakpoint"} ${p.id} at ${session.target.symbols.describe(address)}`,
        ],
        { point: p },
      );
    },
  },
  {
    name: "tbreak",
    aliases: ["tb"],
    usage: "tbreak LOCATION [if EXPR]",
    help: "A breakpoint deleted when it first stops the guest",
    run: (session, args) => COMMANDS[0]!.run(session, args, "tbreak"),
  },
  {
    name: "delete",
    aliases: ["d"],
    usage: "delete [N...]",
    help: "Delete the breakpoints, watchpoints or catchpoints numbered N (all without N)",
    run: (session, args) => {
      const ids = args.split(/\s+/).filter(Boolean).map(Number);
      if (ids.some((n) => !Number.isInteger(n))) throw new CommandError(`expected point numbers, not "${args}"`);
      if (ids.length === 0) {
        session.points.length = 0;
        return none(["Deleted every point."]);
      }
      for (const id of ids) {
        const i = session.points.findIndex((p) => p.id === id);
        if (i < 0) throw new CommandError(`No breakpoint number ${id}.`);
        session.points.splice(i, 1);
      }
      return none([], { deleted: ids });
    },
  },
  {
    name: "watch",
    aliases: [],
    usage: "watch LOCATION [LENGTH] [if EXPR]",
    help: "Stop after a store (or a system call) writes any of LENGTH bytes (default 4) at LOCATION",
    run: (session, args, word) => {
      const [where, condition] = withCondition(args);
      const parts = where.split(/\s+/);
      const length = parts.length > 1 ? session.evaluate(parts.pop()!) : 4;
      if (!Number.isSafeInteger(length) || length < 1 || length > 4096)
        throw new CommandError(`a watched length is 1 to 4096 bytes, not ${length}`);
      const address = session.location(parts.join(" "));
      const access = word === "rwatch" ? "read" : "write";
      const p = session.addPoint<Watchpoint>({
        type: "watchpoint",
        access,
        address,
        length,
        location: parts.join(" "),
        ...(condition ? { condition } : {}),
      });
      return none(
        [
          `${access === "write" ? "Watchpoint" : "Read watchpoint"} ${p.id}: ${session.target.symbols.describe(address)}, ${length} bytes`,
        ],
        { point: p },
      );
    },
  },
  {
    name: "rwatch",
    aliases: [],
    usage: "rwatch LOCATION [LENGTH] [if EXPR]",
    help: "Stop after a load reads any of LENGTH bytes (default 4) at LOCATION",
    run: (session, args) => COMMANDS.find((c) => c.name === "watch")!.run(session, args, "rwatch"),
  },
  {
    name: "catch",
    aliases: [],
    usage: "catch trap [CAUSE] | catch syscall [NAME]",
    help: "Stop when the guest takes a trap or interrupt (of CAUSE, e.g. page-fault-read, timer-interrupt) or makes a system call (NAME, e.g. write)",
    run: (session, args) => {
      const [what, name] = args.split(/\s+/);
      if (what !== "trap" && what !== "syscall")
        throw new CommandError('expected "catch trap [CAUSE]" or "catch syscall [NAME]"');
      let number: number | undefined;
      if (name) {
        const calls = what === "syscall" ? syscallTable(session.target) : undefined;
        number = calls ? [...calls].find(([, n]) => n === name)?.[0] : CAUSES[name];
        if (number === undefined) {
          const known = calls ? [...calls.values()] : Object.keys(CAUSES);
          throw new CommandError(
            `no ${what === "trap" ? "trap cause" : "system call"} is called ${name} (${known.join(", ")})`,
          );
        }
      }
      const p = session.addPoint<Catchpoint>({
        type: "catchpoint",
        what,
        location: args.trim(),
        ...(number !== undefined ? { number } : {}),
      });
      return none([`Catchpoint ${p.id} (${args.trim()})`], { point: p });
    },
  },
  {
    name: "continue",
    aliases: ["c", "cont"],
    usage: "continue",
    help: "Run until a point stops the guest or it ends (several VMs run round robin)",
    run: (session) => report(session, session.continueAll()),
  },
  {
    name: "stepi",
    aliases: ["si"],
    usage: "stepi [N]",
    help: "Execute N instructions, into calls and trap handlers",
    run: (session, args) => stepInstructions(session, count(session, args), false),
  },
  {
    name: "step",
    aliases: ["s"],
    usage: "step [N]",
    help: "The same as stepi: toy assembly has no source lines",
    run: (session, args) => stepInstructions(session, count(session, args), false),
  },
  {
    name: "nexti",
    aliases: ["ni"],
    usage: "nexti [N]",
    help: "Execute N instructions, a call as one",
    run: (session, args) => stepInstructions(session, count(session, args), true),
  },
  {
    name: "next",
    aliases: ["n"],
    usage: "next [N]",
    help: "The same as nexti",
    run: (session, args) => stepInstructions(session, count(session, args), true),
  },
  {
    name: "finish",
    aliases: ["fin"],
    usage: "finish",
    help: "Run until the current function returns; show a0",
    run: (session) => {
      const { pc, entrySp } = caller(session);
      const lead = [`Run till exit from ${session.target.symbols.describe(session.target.cpu.pc)}`];
      const hit = session.runCurrent(returnTo(pc, entrySp));
      const view = report(session, hit && hit.kind !== "step" ? hit : null, lead);
      if (hit?.kind === "step")
        view.lines.push(`Value returned: a0 = ${session.target.cpu.regs[1]} (${hex32(session.target.cpu.regs[1]!)})`);
      return view;
    },
  },
  {
    name: "until",
    aliases: ["u"],
    usage: "until [LOCATION]",
    help: "Run until a pc past this one (or LOCATION) in this frame, or until the function returns",
    run: (session, args) => {
      const t = session.target;
      const pc = t.cpu.pc >>> 0;
      const sp = session.sp;
      let back: { pc: number; entrySp: number } | undefined;
      try {
        back = caller(session);
      } catch {
        back = undefined;
      }
      const target = args.trim() ? session.location(args) : undefined;
      const here = (x: number, s: number) => s >= sp && (target === undefined ? x > pc : x === target);
      const returned = (x: number, s: number) => back !== undefined && x === back.pc && s >= back.entrySp;
      const hit = session.runCurrent({
        before: (tt) =>
          here(tt.cpu.pc >>> 0, tt.cpu.regs[REG_SP]! >>> 0) || returned(tt.cpu.pc >>> 0, tt.cpu.regs[REG_SP]! >>> 0),
      });
      return report(session, hit && hit.kind !== "step" ? hit : null);
    },
  },
  {
    name: "reverse-stepi",
    aliases: ["rsi"],
    usage: "reverse-stepi [N]",
    help: "Go back N instructions",
    run: (session, args) => reverseInstructions(session, count(session, args)),
  },
  {
    name: "reverse-step",
    aliases: ["rs"],
    usage: "reverse-step [N]",
    help: "The same as reverse-stepi",
    run: (session, args) => reverseInstructions(session, count(session, args)),
  },
  {
    name: "reverse-continue",
    aliases: ["rc"],
    usage: "reverse-continue",
    help: "Go back to the last state where a breakpoint, watchpoint or catchpoint would have stopped the guest",
    run: (session) => {
      const hit = session.reverse(null, true);
      if (!hit)
        return none(["No more reverse-execution history.", session.where()], {
          stop: { reason: "start", tick: session.target.ticks },
        });
      return report(session, hit);
    },
  },
  {
    name: "goto",
    aliases: [],
    usage: "goto TICK",
    help: "Put the guest at guest time TICK, back (by the snapshots) or forward",
    run: (session, args) => {
      const tick = session.evaluate(args);
      if (!Number.isSafeInteger(tick) || tick < 0) throw new CommandError(`expected a tick ≥ 0, not ${args.trim()}`);
      session.goto(tick);
      return report(session, null);
    },
  },
  {
    name: "info",
    aliases: ["i"],
    usage: "info registers [REG...] | breakpoints | pagetable VADDR | vms | snapshots | migration",
    help: "Registers (a guest's virtual vCPU and the real CPU), points, a page-table walk, the VMs, the snapshots, the migration (phase, switchover, host)",
    run: (session, args) => {
      const [what, ...rest] = args.split(/\s+/);
      const t = session.target;
      switch (what) {
        case "registers":
        case "r":
        case "reg":
          return registersView(t, rest.filter(Boolean));
        case "breakpoints":
        case "b":
        case "break":
        case "watchpoints":
        case "points": {
          if (session.points.length === 0) return none(["No breakpoints, watchpoints or catchpoints."], { points: [] });
          return none(["Num What", ...session.points.map((p) => describePoint(session, p))], {
            points: session.points,
          });
        }
        case "pagetable":
        case "pt":
          return pageTableView(t, session.location(rest.join(" ")));
        case "vms":
          return none(
            session.vms.map((v, i) => {
              const outcome = v.target.outcome();
              return `${i === session.current ? "*" : " "} ${i + 1}  ${v.target.name.padEnd(12)} ${v.target.kind.padEnd(8)} tick ${v.target.ticks}  ${outcome ? outcome.kind : `at ${v.target.symbols.describe(v.target.cpu.pc)}`}`;
            }),
            {
              vms: session.vms.map((v, i) => ({
                number: i + 1,
                name: v.target.name,
                kind: v.target.kind,
                ticks: v.target.ticks,
                current: i === session.current,
                outcome: v.target.outcome(),
              })),
            },
          );
        case "snapshots": {
          const s = session.vm.timeline.stats();
          return none(
            [
              `${s.snapshots} snapshots from tick ${s.firstTick} to ${s.lastTick}, one every ${s.interval} ticks`,
              `${(s.bytes / 1024).toFixed(1)} KiB in all; after the first (all of memory) ${(s.bytesPerSnapshot / 1024).toFixed(1)} KiB and ${s.pagesPerSnapshot.toFixed(1)} pages each`,
            ],
            { snapshots: s },
          );
        }
        case "migration": {
          const migration = session.vm.migration;
          if (!migration)
            return none(["No migration in this session (start it with --migrate-at TICK)."], { migration: null });
          const { lines, data } = migration.describe(session.target.ticks);
          return none(lines, { migration: data });
        }
      }
      throw new CommandError(
        `expected "info registers", "info breakpoints", "info pagetable VADDR", "info vms", "info snapshots" or "info migration"`,
      );
    },
  },
  {
    name: "x",
    aliases: [],
    usage: "x/NFU [ADDRESS]",
    help: "Examine memory: N units, format x d u t c s i, unit b h w (defaults: the last ones, 1xw)",
    run: (session, args) => {
      const m = /^(?:\/(\d*)([xdutcsi]?)([bhw]?))?\s*(.*)$/.exec(args.trim());
      if (!m) throw new CommandError(`expected x/NFU ADDRESS, not "x ${args}"`);
      const last = session.examine;
      const format = {
        count: m[1] ? Number(m[1]) : 1,
        format: m[2] || last.format.format,
        unit: m[3] ? { b: 1, h: 2, w: 4 }[m[3] as "b"] : last.format.unit,
      };
      if (format.count < 1 || format.count > 4096) throw new CommandError("x shows 1 to 4096 units");
      const address = m[4] ? session.location(m[4]) : last.address;
      const view = examineView(session.target, session.vm.image.symbols, address, format);
      session.examine = { address: view.next, format };
      return view;
    },
  },
  {
    name: "disassemble",
    aliases: ["disas"],
    usage: "disassemble [LOCATION | START,END | START,+LENGTH]",
    help: "The instructions of the function around LOCATION (default: the pc), with symbols",
    run: (session, args) => {
      const v = session.vm;
      const [from, to] = args.split(",").map((s) => s.trim());
      if (to !== undefined) {
        const start = session.location(from!);
        const end = to.startsWith("+") ? start + session.evaluate(to.slice(1)) : session.location(to);
        if (end - start > 4096 * 4) throw new CommandError("disassemble shows at most 4096 instructions");
        return disassembleView(v.target, v.code, v.image.symbols, start, end >>> 0, 4096);
      }
      const at = from ? session.location(from) : v.target.cpu.pc >>> 0;
      const start = v.code.functionOf(at) ?? at;
      return disassembleView(v.target, v.code, v.image.symbols, at - start > 64 * 4 ? at : start, undefined);
    },
  },
  {
    name: "backtrace",
    aliases: ["bt", "where"],
    usage: "backtrace",
    help: "The calls that led here, unwound by the calling convention (saved ra, sp)",
    run: (session) => backtraceView(session.target, session.vm.code),
  },
  {
    name: "print",
    aliases: ["p"],
    usage: "print[/x] EXPR",
    help: "The value of EXPR: registers ($a0, $pc, $tick), symbols, *ADDR, C operators",
    run: (session, args) => {
      const m = /^(\/[xd])?\s*(.*)$/.exec(args)!;
      const value = session.evaluate(m[2]!);
      const n = session.newValueNumber();
      const shown = m[1] === "/x" ? hex32(value) : `${value} (${hex32(value)})`;
      return none([`$${n} = ${shown}`], { value });
    },
  },
  {
    name: "vm",
    aliases: [],
    usage: "vm N",
    help: "Make VM number N (see info vms) the one the commands look at and step",
    run: (session, args) => {
      const n = Number(args.trim());
      if (!Number.isInteger(n) || n < 1 || n > session.vms.length)
        throw new CommandError(`expected a VM number from 1 to ${session.vms.length} (see "info vms")`);
      session.current = n - 1;
      return none([`[Switching to vm ${n} ${session.target.name}]`, session.where()], { vm: session.target.name });
    },
  },
  {
    name: "trace",
    aliases: [],
    usage: "trace KINDS | trace off",
    help: `Trace what the guest does from now on, as --trace does: KINDS is a comma list of ${TRACE_KINDS.join(", ")}`,
    run: (session, args) => {
      const text = args.trim();
      if (text === "off") {
        session.setTrace(null);
        return none(["Tracing off."]);
      }
      let kinds;
      try {
        kinds = parseTraceKinds(text, "trace");
      } catch (error) {
        throw new CommandError((error as Error).message);
      }
      session.setTrace(kinds);
      return none([`Tracing ${[...kinds].join(", ")}.`], { trace: [...kinds] });
    },
  },
  {
    name: "echo",
    aliases: [],
    usage: "echo TEXT",
    help: "Print TEXT (for scripts)",
    run: (_session, args) => none([args], { text: args }),
  },
  {
    name: "help",
    aliases: ["h"],
    usage: "help [COMMAND]",
    help: "The commands, or one command's usage",
    run: (_session, args) => {
      if (args.trim()) {
        const c = findCommand(args.trim());
        if (!c) throw new CommandError(`Undefined command: "${args.trim()}". Try "help".`);
        return none([c.usage, `  ${c.help}${c.aliases.length ? ` (also: ${c.aliases.join(", ")})` : ""}`], {
          usage: c.usage,
          help: c.help,
        });
      }
      return none(
        COMMANDS.map((c) => `${c.usage.padEnd(48)} ${c.help}`),
        { commands: COMMANDS.map((c) => ({ name: c.name, aliases: c.aliases, usage: c.usage, help: c.help })) },
      );
    },
  },
  {
    name: "quit",
    aliases: ["q", "exit"],
    usage: "quit",
    help: "End the session",
    run: () => none(),
  },
];

/** A command by name, alias or unique prefix of a name. */
export function findCommand(word: string): Command | undefined {
  const exact = COMMANDS.find((c) => c.name === word || c.aliases.includes(word));
  if (exact) return exact;
  const prefixed = COMMANDS.filter((c) => c.name.startsWith(word));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}
