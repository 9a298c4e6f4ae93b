/**
 * Assembler directives, one table: name, syntax, what it does (printed in docs/ISA.md) and its
 * handler. `.include` and `.macro`/`.endm` are handled earlier, in `source.ts`, and are
 * listed here only for the docs.
 */
import { MAX_MEMORY, PAGE_SIZE } from "../arch.js";
import type { Assembly } from "./context.js";
import { AsmProblem } from "./errors.js";
import { findFile, searchKey } from "./files.js";
import { MAX_OUTPUT } from "./limits.js";
import { SECTION_NAMES, type SectionName } from "./sections.js";
import { quotedArgument } from "./source.js";
import type { OperandTokens } from "./statement.js";

export interface DirectiveDef {
  name: string;
  syntax: string;
  doc: string;
  run?: (asm: Assembly, ops: OperandTokens[]) => void;
}

const utf8 = new TextEncoder();

function data(asm: Assembly, ops: OperandTokens[], size: 1 | 2 | 4): void {
  noBss(asm);
  if (ops.length === 0) throw new AsmProblem(asm.opCol, "expected at least one value");
  const lo = size === 4 ? -(2 ** 31) : -(2 ** (8 * size - 1));
  const hi = 2 ** (8 * size) - 1;
  const out = new Uint8Array(ops.length * size);
  const view = new DataView(out.buffer);
  ops.forEach((op, i) => {
    if (op.tokens.length === 0) throw new AsmProblem(op.col, "missing operand");
    const v = asm.inRange(op, lo, hi, "value") ?? 0;
    if (size === 1) view.setUint8(i, v & 0xff);
    else if (size === 2) view.setUint16(i * 2, v & 0xffff, true);
    else view.setUint32(i * 4, v >>> 0, true);
  });
  asm.emit(out, false);
}

function strings(asm: Assembly, ops: OperandTokens[], terminate: boolean): void {
  noBss(asm);
  if (ops.length === 0) throw new AsmProblem(asm.opCol, "expected a string");
  const parts: Uint8Array[] = ops.map((op) => {
    const [t, extra] = op.tokens;
    if (t?.kind !== "string") throw new AsmProblem(t?.col ?? op.col, "expected a \"string\"");
    if (extra) throw new AsmProblem(extra.col, `unexpected '${extra.text}' after the string`);
    return terminate ? new Uint8Array([...t.bytes, 0]) : t.bytes;
  });
  const total = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    total.set(p, at);
    at += p.length;
  }
  asm.emit(total, false);
}

function noBss(asm: Assembly): void {
  if (asm.current === "bss") {
    throw new AsmProblem(asm.opCol, ".bss holds only zeros: use .zero, .balign and .org there");
  }
}

function one(asm: Assembly, ops: OperandTokens[], usage: string): OperandTokens {
  asm.expectOperands(ops, 1, usage);
  return ops[0]!;
}

function switchSection(asm: Assembly, name: SectionName): void {
  asm.current = name;
}

function org(asm: Assembly, ops: OperandTokens[]): void {
  const op = one(asm, ops, ".org address");
  const target = Number(asm.knownNow(op, "the .org address"));
  if (target < 0 || target > MAX_MEMORY) throw new AsmProblem(op.col, `.org address ${target} is outside 0..0x${MAX_MEMORY.toString(16)}`);
  const s = asm.section;
  if (s.base === undefined) {
    if (s.size > 0) {
      throw new AsmProblem(asm.opCol, `.org after the first byte of ${s.name}, whose start is not fixed: start the section with .org`);
    }
    s.base = target; // labels placed so far (offset 0) sit at the new start
    s.firstSeq ??= asm.line.seq;
    return;
  }
  const offset = target - s.base;
  if (offset < s.offset) {
    throw new AsmProblem(op.col, `.org 0x${target.toString(16)} moves backwards (the location is 0x${(s.base + s.offset).toString(16)})`);
  }
  asm.skip(offset - s.offset);
}

function balign(asm: Assembly, ops: OperandTokens[]): void {
  const op = one(asm, ops, ".balign alignment");
  const n = Number(asm.knownNow(op, "the alignment"));
  const limit = asm.section.base === undefined ? PAGE_SIZE : MAX_MEMORY;
  if (n < 1 || n > limit || (n & (n - 1)) !== 0) {
    throw new AsmProblem(op.col, `alignment ${n} is not a power of two in 1..${limit}`);
  }
  const at = asm.section.here() ?? asm.section.offset; // an unfixed start will be page-aligned
  asm.skip((n - (at % n)) % n);
}

function zero(asm: Assembly, ops: OperandTokens[]): void {
  const op = one(asm, ops, ".zero count");
  const n = Number(asm.knownNow(op, "the .zero count"));
  if (n < 0 || n > MAX_MEMORY) throw new AsmProblem(op.col, `.zero count ${n} is out of range 0..${MAX_MEMORY}`);
  asm.skip(n);
}

function equ(asm: Assembly, ops: OperandTokens[]): void {
  asm.expectOperands(ops, 2, ".equ name, value");
  const [nameOp, valueOp] = ops as [OperandTokens, OperandTokens];
  const [t, extra] = nameOp.tokens;
  if (t?.kind !== "ident" || extra) throw new AsmProblem(nameOp.col, "expected a symbol name");
  asm.defineEqu(t.text, t.col, asm.value(valueOp));
}

function incbin(asm: Assembly, ops: OperandTokens[]): void {
  noBss(asm);
  const op = one(asm, ops, '.incbin "file"');
  const target = quotedArgument(op.tokens.map((t) => t.text).join(" "), op.col, ".incbin");
  // Read once for both passes.
  const key = searchKey(asm.line.file, target);
  let bytes = asm.incbinCache.get(key);
  if (!bytes) {
    const at = { col: op.col, what: "read", fatal: false };
    const { content } = findFile(asm.search, asm.line.file, target, MAX_OUTPUT, at);
    bytes = typeof content === "string" ? utf8.encode(content) : content;
    asm.incbinCache.set(key, bytes);
  }
  asm.emit(bytes, false);
}

function section(asm: Assembly, ops: OperandTokens[]): void {
  const op = one(asm, ops, ".section text|data|bss");
  const [t, extra] = op.tokens;
  const name = t?.kind === "ident" ? t.text.toLowerCase().replace(/^\./, "") : "";
  if (extra || !(SECTION_NAMES as readonly string[]).includes(name)) {
    throw new AsmProblem(op.col, `unknown section '${op.tokens.map((x) => x.text).join("")}' (text, data or bss)`);
  }
  switchSection(asm, name as SectionName);
}

/** Image directives are read in pass 2, where every symbol is known. */
function imageSetting(asm: Assembly, key: "entry" | "memsize", ops: OperandTokens[]): void {
  const op = one(asm, ops, key === "entry" ? ".entry address" : ".memsize bytes");
  if (asm.pass === 1) return;
  if (asm[key]) throw new AsmProblem(asm.opCol, `.${key} given twice`);
  const value = asm.inRange(op, 0, 0xffffffff, key === "entry" ? "entry address" : "memory size")!;
  asm[key] = { value, seq: asm.line.seq };
}

function bootargs(asm: Assembly, ops: OperandTokens[]): void {
  asm.expectOperands(ops, 2, ".bootargs address, size");
  if (asm.pass === 1) return;
  if (asm.bootArgs) throw new AsmProblem(asm.opCol, ".bootargs given twice");
  const address = asm.inRange(ops[0]!, 0, 0xffffffff, "boot-args address")!;
  const size = asm.inRange(ops[1]!, 0, 0xffffffff, "boot-args size")!;
  asm.bootArgs = { address, size, seq: asm.line.seq };
}

// prettier-ignore
export const DIRECTIVES: readonly DirectiveDef[] = [
  { name: ".text", syntax: "", doc: "continue in the text section (executable; starts at 0x1000)", run: (a) => switchSection(a, "text") },
  { name: ".data", syntax: "", doc: "continue in the data section (writable; starts at the page after text)", run: (a) => switchSection(a, "data") },
  { name: ".bss", syntax: "", doc: "continue in the bss section (zero-filled, stored as a size only; starts at the page after data)", run: (a) => switchSection(a, "bss") },
  { name: ".section", syntax: "text|data|bss", doc: "same as .text, .data or .bss", run: section },
  { name: ".org", syntax: "address", doc: "set the location counter to an absolute address in the current section (forward only); as a section's first statement it fixes where the section starts", run: org },
  { name: ".byte", syntax: "value, …", doc: "8-bit values (-128..255)", run: (a, o) => data(a, o, 1) },
  { name: ".half", syntax: "value, …", doc: "16-bit little-endian values (-32768..65535)", run: (a, o) => data(a, o, 2) },
  { name: ".word", syntax: "value, …", doc: "32-bit little-endian values (-2^31..2^32-1)", run: (a, o) => data(a, o, 4) },
  { name: ".ascii", syntax: "\"text\", …", doc: "the bytes of the strings (UTF-8; escapes \\n \\t \\r \\0 \\\\ \\\" \\' \\xNN)", run: (a, o) => strings(a, o, false) },
  { name: ".asciz", syntax: "\"text\", …", doc: "like .ascii, each string followed by a NUL byte", run: (a, o) => strings(a, o, true) },
  { name: ".zero", syntax: "count", doc: "count zero bytes", run: zero },
  { name: ".balign", syntax: "alignment", doc: "zero bytes up to the next multiple of alignment (a power of two)", run: balign },
  { name: ".equ", syntax: "name, value", doc: "define a constant symbol (also written name = value)", run: equ },
  { name: ".global", syntax: "name", doc: "accepted and ignored: every label is global", run: () => {} },
  { name: ".include", syntax: "\"file\"", doc: "assemble another file here (looked up beside the including file, then in the include path: -I folders, the bundled programs/ and guest-os/)" },
  { name: ".incbin", syntax: "\"file\"", doc: "the bytes of a file (looked up like .include)", run: incbin },
  { name: ".macro", syntax: "name [param, …]", doc: "start a macro definition; in its body \\param is the argument and \\@ a number unique to each expansion" },
  { name: ".endm", syntax: "", doc: "end a macro definition" },
  { name: ".entry", syntax: "address", doc: "where execution starts (default: _start if defined, else the start of text)", run: (a, o) => imageSetting(a, "entry", o) },
  { name: ".memsize", syntax: "bytes", doc: "guest memory the image asks for: a multiple of 4096, at most 64 MiB (default 1 MiB)", run: (a, o) => imageSetting(a, "memsize", o) },
  { name: ".bootargs", syntax: "address, size", doc: "the boot-argument area the loader fills (default: none)", run: bootargs },
];

export const DIRECTIVE_BY_NAME: ReadonlyMap<string, DirectiveDef> = new Map(DIRECTIVES.map((d) => [d.name, d]));
