/**
 * Block discovery and code generation. A block is a run of instructions in one physical page,
 * from a start word to the first control transfer (included), system instruction or illegal
 * word (excluded, the interpreter takes them), or the end of the page. Its source is plain
 * integer JavaScript: registers in locals (written back on every exit), inline TLB hits,
 * slow paths through `cpu.access`. A block whose last instruction jumps back to its first one
 * becomes a loop inside the function, checking the remaining count before each iteration.
 */
import { CAUSE_DIVIDE_BY_ZERO, CAUSE_MISALIGNED, PAGE_SHIFT, PAGE_SIZE } from "../../arch.js";
import { decode, type Decoded } from "../../encoding.js";
import { ACCESS_READ, ACCESS_WRITE, TLB_MASK } from "../mmu.js";
import { EV_FAULT, EV_MISSING, EV_NONE, EV_RESYNC } from "./block.js";
import { SEMANTICS, type Semantics } from "./semantics.js";

const PAGE_WORDS = PAGE_SIZE >>> 2;
const OFFSET_MASK = PAGE_SIZE - 1;

/**
 * Where the generated code finds the machine: each name a block uses becomes a constant read
 * from its `cpu` argument on entry. Nothing machine-specific is bound in a closure, so blocks
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

interface Step {
  readonly d: Decoded;
  readonly sem: Semantics;
}

/** The instructions of the block at word `start` of the page at word index `pageWord`. */
export function discover(words: Int32Array, pageWord: number, start: number): Step[] {
  const steps: Step[] = [];
  for (let i = start; i < PAGE_WORDS; i++) {
    const d = decode(words[pageWord + i]!);
    if (d === null) break;
    const sem = SEMANTICS[d.def.mnemonic]!;
    if (sem.kind === "interpret") break;
    steps.push({ d, sem });
    if (sem.kind === "branch" || sem.kind === "jal" || sem.kind === "jalr") break;
  }
  return steps;
}

const lit = (v: number) => (v < 0 ? `(${v})` : `${v}`);
const reg = (r: number | undefined) => (r ? `r${r}` : "0");

/** A site cache key no address matches: `va & mask` always has bits 2..11 clear. */
const NO_PAGE = OFFSET_MASK;

type Exit = (pc: string, ret: string, ev: string) => string;

/**
 * Never runs (`k` is 0 or 1), but makes every block's bytecode longer than V8 inlines (460
 * bytes). A block inlined into the CPU's `execute` runs its loop among that function's many
 * live values: the ALU loop's first long run after that dropped to 0.3-0.4 of plain JS.
 */
const OUT_OF_LINE = `if (k < 0) { ${Array.from({ length: 120 }, (_, i) => `ev = ${1000 + i};`).join(" ")} }`;

/**
 * One load or store. Inline TLB hit, else `cpu.access`. In a loop (`sites` lists the access
 * steps), the step also keeps in locals the virtual page it last hit in the TLB (`v<i>`, as
 * `va & mask`, so one compare checks page and alignment) and its physical base (`p<i>`): a
 * repeat on that page skips the TLB. Exact because only a slow path changes the TLB while a
 * block runs, and every slow path forgets all the sites' pages. A store's site page is
 * already dirty (that store set it, and only the host clears dirty bits, never during a
 * block), and it has a write entry, so it holds no compiled code.
 *
 * After a slow path the block ends (EV_RESYNC: the interpreter fetches afresh) if the access
 * took the slot of the block's own page, whose next fetch must then walk, or dropped the
 * page's code.
 */
function accessSource(
  sem: Extract<Semantics, { kind: "load" | "store" }>,
  d: Decoded,
  i: number,
  sites: readonly number[] | null,
  page: number,
  exit: Exit,
  pcAt: (i: number) => string,
  retired: (i: number) => string,
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
    `if (pa < 0) ${exit(pcAt(i), retired(i), `pa === -1 ? ${EV_FAULT} : ${EV_MISSING}`)} ` +
    (sites ? sites.map((s) => `v${s} = ${NO_PAGE}; `).join("") : "") +
    `${op}${dirty} if (code[${page}] === 0 || slot === ((pc0 >>> ${PAGE_SHIFT}) & ${TLB_MASK})) ` +
    exit(pcAt(i + 1), retired(i + 1), `${EV_RESYNC}`);
  const lines = [`va = (${reg(rs1)} + ${lit(imm)}) | 0;`];
  if (sites) {
    const mask = ~(OFFSET_MASK & ~(sem.size - 1));
    lines.push(`if ((va & ${lit(mask)}) === v${i}) { pa = p${i} | (va & ${OFFSET_MASK}); ${op} }`);
    lines.push(`else { vpn = va >>> ${PAGE_SHIFT}; slot = vpn & ${TLB_MASK};`);
    lines.push(
      `if (${tag}[slot] === ((vpn << 1) | k)${aligned}) { p${i} = frame[slot]; v${i} = va & ${lit(~OFFSET_MASK)}; ` +
        `pa = p${i} | (va & ${OFFSET_MASK}); ${op}${dirty} }`,
    );
    lines.push(`else { ${slow} } }`);
  } else {
    lines.push(`vpn = va >>> ${PAGE_SHIFT}; slot = vpn & ${TLB_MASK};`);
    lines.push(
      `if (${tag}[slot] === ((vpn << 1) | k)${aligned}) { pa = frame[slot] | (va & ${OFFSET_MASK}); ${op}${dirty} }`,
    );
    lines.push(`else { ${slow} }`);
  }
  return lines;
}

/**
 * Source of the block's function body, parameters (cpu, regs, pc0, n, k) as `Block` says.
 * `page` is the physical page number (for the stale-code check), `start` the first word.
 */
export function blockSource(steps: readonly Step[], page: number, start: number): string {
  const count = steps.length;
  const last = steps[count - 1]!;
  const lastImm = last.d.ops.imm ?? 0;
  // Branch and jal offsets are in words from the instruction itself.
  const loop = (last.sem.kind === "branch" || last.sem.kind === "jal") && count - 1 + lastImm === 0;

  const used = new Set<number>();
  const written = new Set<number>();
  for (const { d } of steps) {
    for (const r of [d.ops.rs1, d.ops.rs2, d.ops.rd]) if (r) used.add(r);
    if (d.ops.rd) written.add(d.ops.rd);
  }
  const pcAt = (i: number) => `(pc0 + ${4 * i}) | 0`;
  const retired = (i: number) => (loop ? `n - left + ${i}` : `${i}`);
  const exit = (pc: string, ret: string, ev: string) => `{ pc = ${pc}; ret = ${ret}; ev = ${ev}; break body; }`;
  const set = (rd: number | undefined, expr: string) => (rd ? `r${rd} = ${expr};` : "");

  // In a loop, each load/store remembers the page it last hit (see accessSource).
  const sites = loop ? steps.flatMap(({ sem }, i) => (sem.kind === "load" || sem.kind === "store" ? [i] : [])) : [];

  const out: string[] = [];
  for (const r of [...used].sort((a, b) => a - b)) out.push(`let r${r} = regs[${r}];`);
  out.push("let left = n | 0, pc = 0, ret = 0, ev = 0, va = 0, vpn = 0, slot = 0, pa = 0;");
  for (const i of sites) out.push(`let v${i} = ${NO_PAGE}, p${i} = 0;`);
  out.push("body: {");
  if (loop) out.push("for (;;) {");
  out.push(`if (left < ${count}) ${exit("pc0", loop ? "n - left" : "0", `${EV_NONE}`)}`);

  steps.forEach(({ d, sem }, i) => {
    const { rd, rs1, rs2, imm = 0 } = d.ops;
    const x = reg(rs1);
    switch (sem.kind) {
      case "value": {
        const y = d.def.format === "R" ? reg(rs2) : lit(imm);
        out.push(set(rd, sem.expr(x, y)));
        break;
      }
      case "divide": {
        const y = reg(rs2);
        out.push(
          `if (${y} === 0) { cpu.trapCause = ${CAUSE_DIVIDE_BY_ZERO}; cpu.trapValue = 0; ${exit(pcAt(i), retired(i), `${EV_FAULT}`)} }`,
        );
        out.push(set(rd, sem.expr(x, y)));
        break;
      }
      case "load":
      case "store": {
        out.push(...accessSource(sem, d, i, loop ? sites : null, page, exit, pcAt, retired));
        break;
      }
      case "branch": {
        const cond = sem.cond(x, reg(rs2));
        if (loop) {
          out.push(`left = (left - ${count}) | 0;`);
          out.push(`if (!(${cond})) ${exit(pcAt(i + 1), "n - left", `${EV_NONE}`)}`);
        } else {
          out.push(`pc = (${cond}) ? ${pcAt(i + imm)} : ${pcAt(i + 1)}; ret = ${count}; ev = ${EV_NONE};`);
        }
        break;
      }
      case "jal":
        out.push(set(rd, pcAt(i + 1)));
        if (loop) out.push(`left = (left - ${count}) | 0;`);
        else out.push(`pc = ${pcAt(i + imm)}; ret = ${count}; ev = ${EV_NONE};`);
        break;
      case "jalr":
        out.push(`va = (${x} + ${lit(imm)}) | 0;`);
        out.push(
          `if ((va & 3) !== 0) { cpu.trapCause = ${CAUSE_MISALIGNED}; cpu.trapValue = va; ${exit(pcAt(i), retired(i), `${EV_FAULT}`)} }`,
        );
        out.push(set(rd, pcAt(i + 1)));
        out.push(`pc = va; ret = ${count}; ev = ${EV_NONE};`);
        break;
      case "interpret":
        throw new Error("unreachable: discover() ends blocks before system instructions");
    }
  });
  const tail = last.sem.kind;
  if (tail !== "branch" && tail !== "jal" && tail !== "jalr") {
    out.push(`pc = ${pcAt(count)}; ret = ${count}; ev = ${EV_NONE};`);
  }
  if (loop) out.push("}");
  out.push("}");
  for (const r of [...written].sort((a, b) => a - b)) out.push(`regs[${r}] = r${r};`);
  out.push("cpu.jitPc = pc; cpu.jitEvent = ev; return ret;");
  const body = out.filter((l) => l !== "").join("\n");
  const prologue = Object.keys(BINDINGS)
    .filter((name) => new RegExp(`\\b${name}\\[`).test(body))
    .map((name) => `const ${name} = ${BINDINGS[name]};`);
  const head = `// block at physical 0x${((page << PAGE_SHIFT) + start * 4).toString(16)}, ${count} instructions${loop ? ", loop" : ""}`;
  return [head, ...prologue, OUT_OF_LINE, body].join("\n");
}
