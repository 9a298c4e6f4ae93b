/**
 * Code generation: a region (region.ts) becomes the body of one JavaScript function, plain
 * integer code. Registers live in locals across the whole region and are written back on every
 * exit. Blocks are the cases of a `switch` on the word index in the page, inside a loop:
 * falling through to the next block costs nothing, a branch or `jal` inside the page sets the
 * index and goes round, and a `jalr` whose target is in the same virtual page (a return to the
 * caller's block) does the same, so calls and returns within a page never leave compiled code.
 * A block whose last instruction jumps back to its own start becomes a loop of its own.
 *
 * Exact by construction: each block checks the remaining count (`left`, the slice the
 * interpreter was given, which ends at the next timer deadline) before it starts, so budgets
 * and interrupts land at the same tick; a fault exits at its instruction with what came
 * before it retired.
 */
import { CAUSE_DIVIDE_BY_ZERO, CAUSE_MISALIGNED, PAGE_SHIFT, PAGE_SIZE } from "../../arch.js";
import type { Decoded } from "../../encoding.js";
import { ACCESS_READ, ACCESS_WRITE, TLB_MASK } from "../mmu.js";
import { EV_FAULT, EV_MISSING, EV_NONE, EV_RESYNC } from "./block.js";
import type { Region, RegionBlock, Step } from "./region.js";
import type { Semantics } from "./semantics.js";

const OFFSET_MASK = PAGE_SIZE - 1;

/**
 * Where the generated code finds the machine: each name a region uses becomes a constant read
 * from its `cpu` argument on entry. Nothing machine-specific is bound in a closure, so regions
 * with the same source are one function for every CPU (see `Jit`), and V8 keeps the typed
 * arrays' bases in registers across a loop.
 */
const BINDINGS: Readonly<Record<string, string>> = {
  words: "cpu.memory.words",
  halves: "cpu.memory.halves",
  uhalves: "cpu.memory.uhalves",
  bytes: "cpu.memory.bytes",
  sbytes: "cpu.memory.sbytes",
  dirty: "cpu.memory.dirty",
  code: "cpu.memory.code",
  readTag: "cpu.mmu.readTag",
  writeTag: "cpu.mmu.writeTag",
  frame: "cpu.mmu.frame",
};

/** Names the generated function's closure binds (see `Jit`). */
export const CLOSURE = ["mulh"] as const;

/** Loads and stores that keep their last page in locals; the rest check the TLB each time. */
const MAX_SITES = 64;

const lit = (v: number) => (v < 0 ? `(${v})` : `${v}`);
const reg = (r: number | undefined) => (r ? `r${r}` : "0");

/** A site cache key no address matches: `va & mask` always has bits 2..11 clear. */
const NO_PAGE = OFFSET_MASK;

/**
 * Never runs (`k` is 0 or 1), but makes every region's bytecode longer than V8 inlines (460
 * bytes). A block inlined into the CPU's `execute` runs its loop among that function's many
 * live values: the ALU loop's first long run after that dropped to 0.3-0.4 of plain JS.
 */
const OUT_OF_LINE = `if (k < 0) { ${Array.from({ length: 120 }, (_, i) => `ev = ${1000 + i};`).join(" ")} }`;

/** Statements that leave the region: continue at `pc` with `ret` retired and event `ev`. */
const exit = (pc: string, ret: string, ev: string | number) => `{ pc = ${pc}; ret = ${ret}; ev = ${ev}; break body; }`;
/** The virtual address of word `i` of the page (i may lie outside it, for a branch that leaves). */
const pcAt = (i: number) => `(base + ${4 * i}) | 0`;

/** What one block's code needs to know about where it sits. */
interface Place {
  /** Word index of the step in the page. */
  readonly word: number;
  /** Instructions of the block after this one (not yet retired when this one faults). */
  readonly after: number;
  /** Site number of a cached load/store, or -1. */
  readonly site: number;
}

/**
 * One load or store. Inline TLB hit, else `cpu.access`. A cached site (`v<s>`, `p<s>`) also
 * keeps in locals the virtual page it last hit in the TLB (as `va & mask`, so one compare
 * checks page and alignment) and its physical base: a repeat on that page skips the TLB. Exact
 * because only a slow path changes the TLB while a region runs, and every slow path forgets
 * all the sites' pages. A store's site page is already dirty (that store set it, and only the
 * host clears dirty bits, never during a run), and it has a write entry, so it holds no
 * compiled code.
 *
 * After a slow path the region ends (EV_RESYNC: the interpreter fetches afresh) if the access
 * took the slot of the region's own page, whose next fetch must then walk, or dropped the
 * page's code.
 */
function accessSource(
  sem: Extract<Semantics, { kind: "load" | "store" }>,
  d: Decoded,
  at: Place,
  sites: number,
  page: number,
): string[] {
  const { rd, rs1, rs2, imm = 0 } = d.ops;
  const store = sem.kind === "store";
  const tag = store ? "writeTag" : "readTag";
  const aligned = sem.size > 1 ? ` && (va & ${sem.size - 1}) === 0` : "";
  const index = `pa${sem.size === 4 ? " >>> 2" : sem.size === 2 ? " >>> 1" : ""}`;
  const mem = `${sem.view}[${index}]`;
  const op = store ? `${mem} = ${reg(rs2)};` : rd ? `r${rd} = ${mem};` : "";
  const dirty = store ? ` dirty[pa >>> ${PAGE_SHIFT}] = 1;` : "";
  // A slow path may have written this very page (a store, or an A/D update of a PTE in it).
  const slow =
    `pa = cpu.access(va, ${sem.size}, ${store ? ACCESS_WRITE : ACCESS_READ}); ` +
    `if (pa < 0) ${exit(pcAt(at.word), `n - left - ${at.after + 1}`, `pa === -1 ? ${EV_FAULT} : ${EV_MISSING}`)} ` +
    Array.from({ length: sites }, (_, s) => `v${s} = ${NO_PAGE}; `).join("") +
    `${op}${dirty} if (code[${page}] === 0 || slot === codeSlot) ` +
    exit(pcAt(at.word + 1), `n - left - ${at.after}`, EV_RESYNC);
  const lines = [`va = (${reg(rs1)} + ${lit(imm)}) | 0;`];
  if (at.site >= 0) {
    const s = at.site;
    const mask = ~(OFFSET_MASK & ~(sem.size - 1));
    lines.push(`if ((va & ${lit(mask)}) === v${s}) { pa = p${s} | (va & ${OFFSET_MASK}); ${op} }`);
    lines.push(`else { vpn = va >>> ${PAGE_SHIFT}; slot = vpn & ${TLB_MASK};`);
    lines.push(
      `if (${tag}[slot] === ((vpn << 1) | k)${aligned}) { p${s} = frame[slot]; v${s} = va & ${lit(~OFFSET_MASK)}; ` +
        `pa = p${s} | (va & ${OFFSET_MASK}); ${op}${dirty} }`,
    );
    lines.push(`else { ${slow} } }`);
  } else {
    lines.push(`vpn = va >>> ${PAGE_SHIFT}; slot = vpn & ${TLB_MASK};`);
    lines.push(`if (${tag}[slot] === ((vpn << 1) | k)${aligned}) { pa = frame[slot] | (va & ${OFFSET_MASK}); ${op}${dirty} }`);
    lines.push(`else { ${slow} }`);
  }
  return lines;
}

/** Source of the region's function body, parameters (cpu, regs, pc0, n, k) as `Block` says. */
export function regionSource(region: Region, page: number): string {
  const { blocks } = region;
  const cases = new Set(blocks.map((b) => b.start));
  const used = new Set<number>();
  const written = new Set<number>();
  let sites = 0;
  const siteOf = new Map<Step, number>();
  for (const b of blocks) {
    for (const step of b.steps) {
      const { d, sem } = step;
      for (const r of [d.ops.rs1, d.ops.rs2, d.ops.rd]) if (r) used.add(r);
      if (d.ops.rd) written.add(d.ops.rd);
      if ((sem.kind === "load" || sem.kind === "store") && sites < MAX_SITES) siteOf.set(step, sites++);
    }
  }
  const set = (rd: number | undefined, expr: string) => (rd ? `r${rd} = ${expr};` : "");
  /** Go on at word `i` of the page: another block of the region, or out to the interpreter. */
  const goTo = (i: number) => (cases.has(i) ? `{ at = ${i}; continue; }` : exit(pcAt(i), "n - left", EV_NONE));

  const out: string[] = [];
  for (const r of [...used].sort((a, b) => a - b)) out.push(`let r${r} = regs[${r}];`);
  out.push("let left = n | 0, pc = 0, ret = 0, ev = 0, va = 0, vpn = 0, slot = 0, pa = 0;");
  out.push(`const base = pc0 & ${lit(~OFFSET_MASK)}, codeSlot = (pc0 >>> ${PAGE_SHIFT}) & ${TLB_MASK};`);
  out.push(`let at = (pc0 & ${OFFSET_MASK}) >>> 2;`);
  for (let s = 0; s < sites; s++) out.push(`let v${s} = ${NO_PAGE}, p${s} = 0;`);
  out.push("body: for (;;) switch (at) {");
  for (const b of blocks) out.push(...blockSource(b, siteOf, sites, page, goTo, set, cases));
  out.push(`default: ${exit(`(base + (at << 2)) | 0`, "n - left", EV_NONE)}`);
  out.push("}");
  for (const r of [...written].sort((a, b) => a - b)) out.push(`regs[${r}] = r${r};`);
  out.push("cpu.jitPc = pc; cpu.jitEvent = ev; return ret;");
  const body = out.filter((l) => l !== "").join("\n");
  const prologue = Object.keys(BINDINGS)
    .filter((name) => new RegExp(`\\b${name}\\[`).test(body))
    .map((name) => `const ${name} = ${BINDINGS[name]};`);
  const count = blocks.reduce((a, b) => a + b.steps.length, 0);
  const head = `// region in physical page 0x${page.toString(16)}: ${blocks.length} blocks, ${count} instructions`;
  return [head, ...prologue, OUT_OF_LINE, body].join("\n");
}

function blockSource(
  b: RegionBlock,
  siteOf: ReadonlyMap<Step, number>,
  sites: number,
  page: number,
  goTo: (i: number) => string,
  set: (rd: number | undefined, expr: string) => string,
  cases: ReadonlySet<number>,
): string[] {
  const count = b.steps.length;
  const last = b.steps[count - 1]!;
  const lastImm = last.d.ops.imm ?? 0;
  const lastWord = b.start + count - 1;
  // Branch and jal offsets are in words from the instruction itself.
  const loop = (last.sem.kind === "branch" || last.sem.kind === "jal") && lastWord + lastImm === b.start;
  const out: string[] = [`case ${b.start}: {`];
  if (loop) out.push("for (;;) {");
  out.push(`if (left < ${count}) ${exit(pcAt(b.start), "n - left", EV_NONE)}`);
  out.push(`left = (left - ${count}) | 0;`);
  b.steps.forEach((step, j) => {
    const { d, sem } = step;
    const { rd, rs1, rs2, imm = 0 } = d.ops;
    const word = b.start + j;
    const after = count - 1 - j;
    const x = reg(rs1);
    const fault = (cause: number, value: string) =>
      `{ cpu.trapCause = ${cause}; cpu.trapValue = ${value}; ${exit(pcAt(word), `n - left - ${after + 1}`, EV_FAULT)} }`;
    switch (sem.kind) {
      case "value":
        out.push(set(rd, sem.expr(x, d.def.format === "R" ? reg(rs2) : lit(imm))));
        break;
      case "divide":
        out.push(`if (${reg(rs2)} === 0) ${fault(CAUSE_DIVIDE_BY_ZERO, "0")}`);
        out.push(set(rd, sem.expr(x, reg(rs2))));
        break;
      case "load":
      case "store":
        out.push(...accessSource(sem, d, { word, after, site: siteOf.get(step) ?? -1 }, sites, page));
        break;
      case "branch": {
        const cond = sem.cond(x, reg(rs2));
        if (loop) out.push(`if (!(${cond})) break;`);
        else out.push(`if (${cond}) ${goTo(word + imm)}`);
        break;
      }
      case "jal":
        out.push(set(rd, pcAt(word + 1)));
        if (!loop) out.push(goTo(word + imm));
        break;
      case "jalr":
        out.push(`va = (${x} + ${lit(imm)}) | 0;`);
        out.push(`if ((va & 3) !== 0) ${fault(CAUSE_MISALIGNED, "va")}`);
        out.push(set(rd, pcAt(word + 1)));
        out.push(`if (((va ^ base) >>> ${PAGE_SHIFT}) === 0) { at = (va & ${OFFSET_MASK}) >>> 2; continue; }`);
        out.push(exit("va", "n - left", EV_NONE));
        break;
      case "interpret":
        throw new Error("unreachable: regions end before system instructions");
    }
  });
  if (loop) out.push("}");
  // Fall through into the next case when it starts where this block ends: cases are in address
  // order and none starts inside a block. Otherwise go there explicitly.
  const tail = last.sem.kind;
  if (tail !== "jal" && tail !== "jalr" && !cases.has(b.end)) out.push(goTo(b.end));
  out.push("}");
  return out;
}

