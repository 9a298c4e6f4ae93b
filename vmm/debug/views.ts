/**
 * What the debugger shows of a stopped guest, as lines and as data: registers, memory (`x`),
 * disassembly, the backtrace and a page-table walk. Reading goes through `walk.ts`, which
 * changes nothing in the guest.
 */
import { CSR, causeName } from "../../isa/arch.js";
import { disassemble } from "../../isa/disasm.js";
import type { ImageSymbol } from "../../isa/image/model.js";
import { CommandError } from "./command-error.js";
import { backtrace, type CodeMap, type Frame } from "./frames.js";
import { controlRegisters, generalRegisters, hex32 } from "./registers.js";
import type { Target } from "./target.js";
import { entryFlags, physical, readVirtual, walk } from "./walk.js";

/** What a command answers: lines for people and the same as data for tools. */
export interface View {
  lines: string[];
  data: Record<string, unknown>;
}

/** The word at virtual `address` as the guest would read it now, or undefined. */
export function wordAt(target: Target, address: number): number | undefined {
  const pa = physical(target.memory, target.translation(), address | 0);
  return pa >= 0 && (pa & 3) === 0 && pa + 4 <= target.memory.size ? target.memory.words[pa >>> 2] : undefined;
}

/** `=> 0x00001428 <insertion_sort>:  addi    t0, zero, 1` for the instruction at `pc`. */
export function instructionLine(target: Target, pc: number, marker: boolean, symbols: readonly ImageSymbol[]): string {
  const word = wordAt(target, pc);
  const text = word === undefined ? "(not mapped)" : disassemble(word, pc, symbols);
  return `${marker ? "=> " : "   "}${target.symbols.describe(pc)}:  ${text}`;
}

export function registersView(target: Target, names: string[]): View {
  const general = generalRegisters(target.cpu.regs, target.cpu.pc);
  const csr = target.kind === "process" ? undefined : controlRegisters((i) => target.readCsr(i));
  const real = target.realView();
  const known = { ...general, ...(csr ?? {}) };
  if (names.length > 0) {
    const unknown = names.find((n) => !(n.replace(/^\$/, "") in known));
    if (unknown) throw new CommandError(`Invalid register "${unknown}"`);
    const picked = Object.fromEntries(
      names.map((n) => [n.replace(/^\$/, ""), known[n.replace(/^\$/, "") as keyof typeof known]!]),
    );
    return { lines: Object.entries(picked).map(([n, v]) => registerLine(n, v)), data: { registers: picked } };
  }
  const lines = Object.entries(general).map(([n, v]) =>
    n === "pc" ? `pc             ${target.symbols.describe(Number(v))}` : registerLine(n, v),
  );
  if (csr) {
    lines.push(target.kind === "monitor" ? "--- virtual vCPU (what the guest kernel sees)" : "--- control registers");
    lines.push(...Object.entries(csr).map(([n, v]) => registerLine(n, v)));
  }
  if (real) {
    lines.push("--- real CPU (what the monitor runs it on)");
    lines.push(...Object.entries(real).map(([n, v]) => `${n.padEnd(15)}${v}`));
  }
  if (target.kind === "process") lines.push("--- user mode, paging off (the process VM serves system calls)");
  return { lines, data: { registers: general, ...(csr ? { csr } : {}), ...(real ? { real } : {}) } };
}

function registerLine(name: string, value: string): string {
  return `${name.padEnd(15)}${value.padEnd(19)}${Number(value) | 0}`;
}

export interface ExamineFormat {
  count: number;
  format: string;
  unit: number;
}

/** `x/NFU`: memory at a virtual address. Formats x d u t c s i; units b h w. */
export function examineView(
  target: Target,
  symbols: readonly ImageSymbol[],
  address: number,
  f: ExamineFormat,
): View & { next: number } {
  const lines: string[] = [];
  const values: (number | string)[] = [];
  let at = address >>> 0;
  if (f.format === "i") {
    for (let i = 0; i < f.count; i++, at += 4) {
      lines.push(instructionLine(target, at, at === target.cpu.pc >>> 0, symbols));
      values.push(wordAt(target, at) ?? "unmapped");
    }
    return { lines, data: { address, values }, next: at };
  }
  if (f.format === "s") {
    for (let i = 0; i < f.count; i++) {
      const bytes = readVirtual(target.memory, target.translation(), at, 1);
      if (!bytes) throw new CommandError(`Cannot access memory at address ${hex32(at)}`);
      let text = "";
      let end = at;
      for (let n = 0; n < 256; n++, end++) {
        const b = readVirtual(target.memory, target.translation(), end, 1);
        if (!b || b[0] === 0) break;
        text += String.fromCharCode(b[0]!);
      }
      lines.push(`${target.symbols.describe(at)}:  ${JSON.stringify(text)}`);
      values.push(text);
      at = end + 1;
    }
    return { lines, data: { address, values }, next: at };
  }
  const unit = f.format === "c" ? 1 : f.unit;
  const perLine = unit === 4 ? 4 : 8;
  for (let i = 0; i < f.count; i += perLine) {
    const start = at;
    const cells: string[] = [];
    for (let j = i; j < Math.min(f.count, i + perLine); j++, at += unit) {
      const bytes = readVirtual(target.memory, target.translation(), at, unit);
      if (!bytes) throw new CommandError(`Cannot access memory at address ${hex32(at)}`);
      const raw =
        unit === 4
          ? new DataView(bytes.buffer).getInt32(0, true)
          : unit === 2
            ? new DataView(bytes.buffer).getInt16(0, true)
            : (bytes[0]! << 24) >> 24;
      values.push(raw);
      cells.push(formatValue(raw, f.format, unit));
    }
    lines.push(`${target.symbols.describe(start)}:\t${cells.join("\t")}`);
  }
  return { lines, data: { address, unit, format: f.format, values }, next: at };
}

function formatValue(value: number, format: string, unit: number): string {
  const bits = unit * 8;
  const unsigned = bits === 32 ? value >>> 0 : value & ((1 << bits) - 1);
  switch (format) {
    case "d":
      return String(value);
    case "u":
      return String(unsigned);
    case "t":
      return unsigned.toString(2).padStart(bits, "0");
    case "c":
      return `${value} ${JSON.stringify(String.fromCharCode(unsigned))}`;
    default:
      return `0x${unsigned.toString(16).padStart(unit * 2, "0")}`;
  }
}

/** The function around `address` (from its entry to the next), at most `max` instructions. */
export function disassembleView(
  target: Target,
  code: CodeMap,
  symbols: readonly ImageSymbol[],
  start: number,
  end: number | undefined,
  max = 64,
): View {
  const from = start >>> 0;
  const to = end ?? Math.min(code.nextFunction(from) ?? from + max * 4, from + max * 4);
  const lines = [`Dump of code from ${target.symbols.describe(from)}:`];
  const words: { pc: number; word: number | undefined }[] = [];
  for (let pc = from; pc < to; pc += 4) {
    lines.push(instructionLine(target, pc, pc === target.cpu.pc >>> 0, symbols));
    words.push({ pc, word: wordAt(target, pc) });
  }
  lines.push("End of dump.");
  return { lines, data: { instructions: words } };
}

/** Frames by the calling convention (frames.ts); in a trap handler, the pc it came from too. */
export function backtraceView(target: Target, code: CodeMap): View {
  const tvec = target.kind === "process" ? [] : [target.readCsr(CSR.tvec) >>> 0];
  const frames: Frame[] = backtrace({
    code,
    regs: target.cpu.regs,
    pc: target.cpu.pc,
    word: (a) => wordAt(target, a),
    extraEntries: tvec,
  });
  // A trap handler's frame is the last one: what it interrupted is epc, not a caller.
  const handler = frames.findIndex((f) => tvec.length > 0 && f.entry === tvec[0]);
  if (handler >= 0) frames.length = handler + 1;
  const lines = frames.map((f) => {
    const fn = f.entry === undefined ? "??" : (target.symbols.name(f.entry) ?? hex32(f.entry));
    return `#${f.level}  ${target.symbols.describe(f.pc)} in ${fn} (sp ${hex32(f.sp)})`;
  });
  if (handler >= 0)
    lines.push(
      `   (trap handler, entered from ${target.symbols.describe(target.readCsr(CSR.epc))}: ${causeName(target.readCsr(CSR.cause))})`,
    );
  return { lines, data: { frames } };
}

/** The guest's page-table walk for `va`, level by level. */
export function pageTableView(target: Target, va: number): View {
  const t = target.translation();
  if (!t.paging)
    return {
      lines: [`paging is off: virtual ${hex32(va)} is physical ${hex32(va)}`],
      data: { paging: false, va, pa: va },
    };
  const w = walk(target.memory, t.ptbr, va >>> 0, !t.kernel);
  const lines = [
    `virtual ${hex32(va)}: directory index ${va >>> 22}, table index ${(va >>> 12) & 0x3ff}, offset 0x${(va & 0xfff).toString(16).padStart(3, "0")}; ptbr ${hex32(t.ptbr)} (${t.kernel ? "kernel" : "user"} mode)`,
  ];
  for (const level of w.levels) {
    const entry = level.entry === undefined ? "outside memory" : `${hex32(level.entry)}  ${entryFlags(level.entry)}`;
    const points =
      level.entry !== undefined && level.entry & 1
        ? ` -> ${level.level === "directory" ? "table" : "frame"} ${hex32(level.entry & ~0xfff)}`
        : "";
    lines.push(`  ${level.level.padEnd(9)} entry at ${hex32(level.entryAddress)}: ${entry}${points}`);
  }
  lines.push(w.pa !== undefined ? `  physical ${hex32(w.pa)}` : `  no translation: ${w.problem}`);
  return { lines, data: { paging: true, ...w } };
}
