/**
 * Source text of `docs/ISA.md`: the instruction set reference, generated from the instruction
 * table (`table.ts`), the architecture constants (`arch.ts`) and the assembler's own tables of
 * pseudo-instructions and directives.
 */
import {
  CAUSE_NAMES, CSR, CSR_DOCS, CSR_NAMES, MAX_MEMORY, PAGE_SIZE, PORT, PORT_DOCS, PTE_A, PTE_D, PTE_P, PTE_U, PTE_W,
  REGISTER_NAMES, STATUS_IE, STATUS_KERNEL, STATUS_PG, STATUS_PIE, STATUS_PKERNEL, SYS,
} from "../arch.js";
import { NET_SECTION } from "./net-doc-source.js";
import { DIRECTIVES } from "../asm/directives.js";
import { PREDEFINED_SYMBOLS } from "../asm/predefined.js";
import { syntaxText } from "../asm/operands.js";
import { PSEUDO_INSTRUCTIONS } from "../asm/pseudo.js";
import { TLB_SIZE } from "../cpu/mmu.js";
import { IMM_RANGE, LAYOUT } from "../encoding.js";
import { DEFAULT_MEMORY_SIZE, DEFAULT_TEXT_ADDRESS } from "../image/model.js";
import { FORMATS, INSTRUCTIONS, type Format } from "../table.js";

const hex = (n: number, width = 0): string => `0x${(n >>> 0).toString(16).padStart(width, "0")}`;
const code = (s: string): string => (s === "" ? "" : `\`${s.replace(/\|/g, "\\|")}\``);
const cell = (s: string): string => s.replace(/\|/g, "\\|");

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

const ENCODING_PICTURE = [
  "```",
  "  31                  16 15    12 11     8 7          0",
  " +----------------------+--------+--------+------------+",
  " |        imm16         |   b    |   a    |   opcode   |   imm16: bits 16..31",
  " +----------------+-----+--------+--------+------------+",
  " |    unused 0    |  c  |   b    |   a    |   opcode   |   c: bits 16..19",
  " +----------------+-----+--------+--------+------------+",
  " |            imm20              |   a    |   opcode   |   imm20: bits 12..31",
  " +-------------------------------+--------+------------+",
  "```",
];

function formatRows(): string[][] {
  return (Object.keys(FORMATS) as Format[]).map((f) => {
    const { slots, imm } = LAYOUT[f];
    const fields = Object.entries(slots).map(([slot, op]) => `${slot}=${op}`);
    if (imm) fields.push(`imm ${imm} ${IMM_RANGE[imm][0]}..${IMM_RANGE[imm][1]}`);
    return [code(f), code(syntaxText(f)) || "(none)", cell(fields.join(", ") || "—"), cell(FORMATS[f].split(" — ")[1] ?? "")];
  });
}

/** The TLB is architectural: a PTE edited without a flush keeps its old meaning while cached. */
const TLB_SECTION = [
  "### TLB",
  "",
  "Translations are cached in a TLB whose contents a guest can observe: a page-table entry edited",
  "without a flush keeps its old meaning (and its A bit stays clear) for as long as the entry lasts.",
  "So the TLB is part of the machine's state, saved and restored with it, and its behaviour depends",
  "on guest state only:",
  "",
  `- Direct-mapped, ${TLB_SIZE} entries: virtual page *v* has slot *v* mod ${TLB_SIZE}.`,
  "- An entry holds a virtual page, the mode it was filled in (kernel or user), a frame, and whether",
  "  it may serve stores. It serves an access to that page in that mode: loads and fetches, and",
  "  stores if it may.",
  "- Every instruction makes one access to fetch itself at `pc`, then its data access if it has one.",
  "- Any access the slot cannot serve walks the page tables (setting A, and D for a store). A walk",
  "  that succeeds replaces the slot's entry; the new entry may serve stores only if the PTE is",
  "  writable and, after the walk, dirty. A walk that faults leaves the TLB as it was.",
  "- With paging off the TLB holds identity entries the same way, each of which may serve stores.",
  "- `tlbflush`, any write of `ptbr` and a write of `status` that turns PG on or off empty the TLB,",
  "  as does reset. Nothing else changes it: not trap entry, `sret`, a change of mode, a store to a",
  "  page table, or the passing of time.",
  "",
];

export function isaDocSource(): string {
  const lines: string[] = [
    "<!-- Generated from isa/table.ts, isa/arch.ts and isa/asm by `npm run generate`. Do not edit. -->",
    "# The toy instruction set",
    "",
    "A 32-bit machine with 16 registers, two modes (kernel and user), control registers, port I/O",
    "and two-level paging. Every instruction is one little-endian 32-bit word. Fields a format does",
    "not use must be zero, so every legal word has exactly one spelling.",
    "",
    "## Encoding",
    "",
    ...ENCODING_PICTURE,
    "",
    "Branch and `jal` immediates are word offsets relative to the branch's own address; in assembly",
    "they are written as target addresses (labels or expressions).",
    "",
    "## Formats",
    "",
    ...table(["format", "assembly", "fields", "meaning"], formatRows()),
    "",
    "## Instructions",
    "",
    "*Privileged* instructions trap with `privileged-instruction` in user mode. *Sensitive* ones read or",
    "change privileged state or behave differently by mode. Every sensitive instruction is privileged,",
    "so the machine is classically virtualizable (Popek and Goldberg).",
    "",
    ...table(
      ["mnemonic", "opcode", "format", "operands", "class", "privileged", "sensitive", "does"],
      INSTRUCTIONS.map((d) => [
        code(d.mnemonic), hex(d.opcode, 2), code(d.format), code(syntaxText(d.format)),
        d.cls, d.privileged ? "yes" : "", d.sensitive ? "yes" : "", cell(d.doc),
      ]),
    ),
    "",
    "## Registers",
    "",
    "`r0` always reads 0. The assembler accepts `r0`..`r15` and the ABI names; the disassembler prints",
    "ABI names. Calls: arguments and results in `a0`..`a3`, return address in `ra`, `sp` grows down.",
    "",
    ...table(["register", "ABI name"], REGISTER_NAMES.map((n, i) => [code(`r${i}`), code(n)])),
    "",
    "## Control registers",
    "",
    "Read with `csrr rd, name`, written with `csrw name, rs1` (both privileged).",
    "",
    ...table(["number", "name", "meaning"], CSR_NAMES.map((n) => [String(CSR[n]), code(n), cell(CSR_DOCS[n])])),
    "",
    "Status bits: " +
      [["KERNEL", STATUS_KERNEL], ["IE", STATUS_IE], ["PKERNEL", STATUS_PKERNEL], ["PIE", STATUS_PIE], ["PG", STATUS_PG]]
        .map(([n, v]) => `${n} = ${hex(v as number)}`).join(", ") + ".",
    "",
    "## Trap causes",
    "",
    "Interrupts have bit 31 set.",
    "",
    ...table(["cause", "name"], Object.entries(CAUSE_NAMES).map(([c, n]) => [hex(Number(c)), code(n)])),
    "",
    "## Paging",
    "",
    `Two levels, 10 + 10 + 12 bits, pages of ${PAGE_SIZE} bytes. Page-table entry bits:`,
    "",
    ...table(["bit", "name", "meaning"], [
      [hex(PTE_P), "P", "present"], [hex(PTE_W), "W", "writable (in both modes)"], [hex(PTE_U), "U", "user mode may access"],
      [hex(PTE_A), "A", "accessed: set by the MMU on any access"], [hex(PTE_D), "D", "dirty: set by the MMU on a write"],
    ]),
    "",
    ...TLB_SECTION,
    "## I/O ports",
    "",
    "Reading a port that has no device gives -1; writing one is ignored. The network ports exist",
    "only on a machine with a NIC (`--nic`); on any other they read -1 and ignore writes.",
    "",
    ...table(["port", "name", "does"], (Object.keys(PORT) as (keyof typeof PORT)[]).map((n) => [String(PORT[n]), code(n), cell(PORT_DOCS[n])])),
    "",
    ...NET_SECTION,
    "## System calls",
    "",
    "`sys` with the number in `a0`, arguments in `a1`..`a3`, result in `a0` (negative on error).",
    "",
    ...table(["number", "name"], Object.entries(SYS).map(([n, v]) => [String(v), code(n)])),
    "",
    "## Assembly language",
    "",
    "One statement per line; comments start with `;` or `#`. Mnemonics, register and control-register",
    "names are case-insensitive; symbols are case-sensitive.",
    "",
    "- Labels: `name:` (global, exported to the image's symbol table); `.Lname:` is local to the",
    "  file (not exported); numeric labels `1:` may be repeated and are referenced as `1b` (nearest",
    "  definition before, including on the same line) and `1f` (nearest after), as in GNU as.",
    "- Numbers: decimal, `0x` hex, `0b` binary, character literals `'a'`; `.` is the current address.",
    "- Expressions: `+ - * / % << >> & | ^ ~`, unary minus and parentheses, with C precedence; exact",
    "  integers, `>>` arithmetic, `/` and `%` truncating.",
    "- Memory operands: `offset(reg)`; the offset may be omitted. Control registers by name or number.",
    `- Sections: text starts at ${hex(DEFAULT_TEXT_ADDRESS)}, data at the next page boundary after text, bss after`,
    "  data; a section that begins with `.org` starts there instead.",
    `- Image: entry \`_start\` if defined, else the start of text; memory ${hex(DEFAULT_MEMORY_SIZE)} bytes unless`,
    `  \`.memsize\` says otherwise (a multiple of ${PAGE_SIZE}, at most ${hex(MAX_MEMORY)}).`,
    "",
    "### Pseudo-instructions",
    "",
    ...table(["pseudo", "operands", "expands to"], PSEUDO_INSTRUCTIONS.map((p) => [code(p.name), code(p.syntax), cell(p.expansion)])),
    "",
    "### Directives",
    "",
    ...table(["directive", "operands", "does"], DIRECTIVES.map((d) => [code(d.name), code(d.syntax), cell(d.doc)])),
    "",
    "### Predefined symbols",
    "",
    "Every program sees the architecture's constants, derived from `isa/arch.ts`: `SYS_<NAME>` for",
    "each system call, `PORT_<NAME>` for each port, and the constants named `CAUSE_*`, `STATUS_*`,",
    "`IRQ_*`, `PTE_*` and `PAGE_*`. Defining a symbol of the same name (label, `.equ` or `=`) is an",
    "error. Control registers need no symbols: `csrr`/`csrw` take their names.",
    "",
    ...table(["symbol", "value", "from isa/arch.ts"], PREDEFINED_SYMBOLS.map((p) => [code(p.name), hex(p.value), code(p.source)])),
    "",
  ];
  return lines.join("\n");
}
