/**
 * Code generation: a region (region.ts) becomes one JavaScript function, plain integer code.
 * Registers live in locals across the whole region and are written back on every exit. Blocks
 * are the cases of a `switch` on the block's number (0, 1, … in address order, so that V8 makes
 * the switch one indexed jump rather than a search), inside a loop: falling through to the next
 * block costs nothing, a branch or `jal` inside the page sets the number and goes round, and a
 * `jalr` whose target is a block of the region (a return to the caller's block) finds its
 * number in the region's table of block starts (`LEADS`, by word of the page) and does the
 * same, so calls and returns within a page never leave compiled code.
 * Going round the switch is an indirect jump that the host CPU mispredicts often (a return's
 * target changes from call to call), so most jumps do not: a forward branch or jump goes on
 * in a copy of the block it reaches (and of the blocks after it, INLINE_ROOM instructions in
 * all: a superblock), and a `jalr` first compares its target with the region's return points
 * (when there are at most PREDICTED_RETURNS) and goes on in a copy of the block there; only a
 * miss looks in `LEADS`. In fib, a base case's return and the next call run without the switch.
 * An innermost loop (blocks from a header to the last block that jumps back to it, no other
 * loop's header between) is also structured code in its header's case: a JavaScript loop whose
 * iterations and inner forward branches never go through the switch (`loopSource`), nor do
 * copies inside it that jump to its header.
 * Loads and stores keep the page they last used, one cache per base register (`accessSource`).
 *
 * Exact by construction: each block checks the remaining count (`left`, the slice the
 * interpreter was given, which ends at the next timer deadline) before it starts, or, in a
 * structured loop, the header checks once an iteration for the longest way round, so budgets
 * and interrupts land at the same tick. Whatever is not the common case — a TLB miss, a store
 * the TLB sends to the slow path, a fault — leaves the region just before its instruction,
 * with what came before it retired, and the interpreter takes it from there. So a region never
 * changes the TLB or privileged state while it runs, and every exit only sets constants (where
 * to go on, how many of the block did not retire): code V8 has never run needs no type
 * feedback, so reaching it for the first time does not throw the optimized region away.
 */
import { PAGE_SHIFT, PAGE_SIZE } from "../../arch.js";
import type { Decoded } from "../../encoding.js";
import { TLB_MASK } from "../mmu.js";
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
  readTag: "cpu.mmu.readTag",
  writeTag: "cpu.mmu.writeTag",
  frame: "cpu.mmu.frame",
};

/** Names the generated function's closure binds (see `Jit`). */
export const CLOSURE = ["mulh"] as const;

const lit = (v: number) => (v < 0 ? `(${v})` : `${v}`);
const reg = (r: number | undefined) => (r ? `r${r}` : "0");

/** A site cache key no address matches: `va & mask` always has bits 2..11 clear. */
const NO_PAGE = OFFSET_MASK;

/**
 * Never runs (`k` is 0 or 1), but makes every region's bytecode longer than V8 inlines (460
 * bytes). A block inlined into the CPU's `execute` runs its loop among that function's many
 * live values: the ALU loop's first long run after that dropped to 0.3-0.4 of plain JS.
 */
const OUT_OF_LINE = `if (k < 0) { ${Array.from({ length: 120 }, (_, i) => `off = ${1000 + i};`).join(" ")} }`;

/**
 * Statements that leave the region to go on at word `i` of the page (which may lie outside it,
 * for a branch that leaves), with the last `back` instructions counted in `left` not retired.
 */
const exit = (i: number, back = 0) => `{ off = ${4 * i}; back = ${back}; break body; }`;

/** What one block's code needs to know about where it sits. */
interface Place {
  /** Word index of the step in the page. */
  readonly word: number;
  /** Instructions of the block after this one (not yet retired when this one faults). */
  readonly after: number;
  /** Number of the page cache the load or store uses (see `cacheKey`). */
  readonly site: number;
}

/**
 * The page cache a load or store uses: one per base register and direction. Accesses through
 * one register (a stack pointer, a pointer walking an array) mostly stay on one page, so they
 * share its cache: fewer locals live across the region, and a page one access looked up serves
 * the others. Loads and stores keep apart because a page's read and write entries differ.
 */
const cacheKey = (d: Decoded, store: boolean) => `${store ? "w" : "r"}${d.ops.rs1 ?? 0}`;

/**
 * One load or store. Its cache (`v<s>`, `p<s>`) keeps in locals the virtual page it last hit
 * in the TLB (as `va & mask`, so one compare checks page and alignment) and its physical
 * base: a repeat on that page skips the TLB. Exact because nothing changes the TLB while a
 * region runs. A page in a store cache is already dirty (the store that put it there set it,
 * and only the host clears dirty bits, never during a run), and it has a write entry, so it
 * holds no compiled code. Otherwise the TLB is checked inline, and a miss leaves the region
 * before the access (see the top). Hit and miss share the access itself, so training a new
 * region (train.ts) gives both their type feedback.
 */
function accessSource(sem: Extract<Semantics, { kind: "load" | "store" }>, d: Decoded, at: Place): string[] {
  const { rd, rs1, rs2, imm = 0 } = d.ops;
  const store = sem.kind === "store";
  const tag = store ? "writeTag" : "readTag";
  const misaligned = sem.size > 1 ? ` || (va & ${sem.size - 1}) !== 0` : "";
  const index = `pa${sem.size === 4 ? " >>> 2" : sem.size === 2 ? " >>> 1" : ""}`;
  const mem = `${sem.view}[${index}]`;
  const op = store ? `${mem} = ${reg(rs2)};` : rd ? `r${rd} = ${mem};` : "";
  const s = at.site;
  const mask = ~(OFFSET_MASK & ~(sem.size - 1));
  const dirty = store ? ` dirty[p${s} >>> ${PAGE_SHIFT}] = 1;` : "";
  return [
    `va = (${reg(rs1)} + ${lit(imm)}) | 0;`,
    `if ((va & ${lit(mask)}) !== v${s}) {`,
    `vpn = va >>> ${PAGE_SHIFT}; slot = vpn & ${TLB_MASK};`,
    `if (${tag}[slot] !== ((vpn << 1) | k)${misaligned}) ${exit(at.word, at.after + 1)}`,
    `p${s} = frame[slot]; v${s} = va & ${lit(~OFFSET_MASK)};${dirty} }`,
    `pa = p${s} | (va & ${OFFSET_MASK}); ${op}`,
  ];
}

/**
 * Source of the body of a function that, given the CLOSURE values, returns the region's
 * function, parameters (cpu, regs, pc0, n, k) as `Block` says.
 */
export function regionSource(region: Region, page: number): string {
  const { blocks } = region;
  const number = new Map(blocks.map((b, i) => [b.start, i]));
  const cases = new Set(number.keys());
  const used = new Set<number>();
  const written = new Set<number>();
  const caches = new Map<string, number>();
  const siteOf = new Map<Step, number>();
  for (const b of blocks) {
    for (const step of b.steps) {
      const { d, sem } = step;
      for (const r of [d.ops.rs1, d.ops.rs2, d.ops.rd]) if (r) used.add(r);
      if (d.ops.rd) written.add(d.ops.rd);
      if (sem.kind === "load" || sem.kind === "store") {
        const key = cacheKey(d, sem.kind === "store");
        if (!caches.has(key)) caches.set(key, caches.size);
        siteOf.set(step, caches.get(key)!);
      }
    }
  }
  const set = (rd: number | undefined, expr: string) => (rd ? `r${rd} = ${expr};` : "");
  const loops = innermostLoops(blocks, number);
  const code = (b: RegionBlock, flow: Flow, checked = true) => blockSource(b, siteOf, flow, set, checked);
  const returns = returnPoints(blocks).filter((i) => cases.has(i));
  const predicted = returns.length <= PREDICTED_RETURNS ? returns : [];
  /**
   * Go on at word `i` of the page: out to the interpreter when the region does not hold it,
   * else a copy of its block in place, while `room` lasts (a superblock: the jump costs
   * nothing), or round the switch. Only forward jumps copy (`copy`), so no loop is unrolled
   * and a loop's header, whose case is the structured loop, is entered there; copies inside
   * that loop's code (`loop`, its header's number) go round it by `continue`.
   */
  const jumpTo = (i: number, room: Room, copy: boolean, loop: number | undefined): string => {
    const j = number.get(i);
    if (j === undefined) return exit(i);
    if (j === loop) return `continue L${j};`;
    const b = blocks[j]!;
    if (!copy || loops.has(j) || b.steps.length > room.left) return `{ at = ${j}; continue body; }`;
    room.left -= b.steps.length;
    const onward: Flow = {
      goTo: (t, from) => jumpTo(t, room, t > from, loop),
      fallThrough: (end) => jumpTo(end, room, true, loop),
      indirect: () => indirect(room, loop),
    };
    return ["{", ...code(b, onward).filter((l) => l !== ""), "}"].join("\n");
  };
  /**
   * Go on at `va`, the target of a `jalr`: a return to one of the region's few return points
   * goes on in a copy of its block (so a return, like a call, need not go round the switch),
   * any other block of the region through the table, anything else out.
   */
  const indirect = (room: Room, loop: number | undefined): string => {
    const tries = predicted.map((i) => `if (va === ((base + ${4 * i}) | 0)) ${jumpTo(i, room, true, loop)}`);
    return [
      ...tries,
      `if (((va ^ base) >>> ${PAGE_SHIFT}) === 0 && (at = LEADS[(va & ${OFFSET_MASK}) >>> 2]) >= 0) continue body;`,
      "{ off = (va - base) | 0; back = 0; break body; }",
    ].join("\n");
  };
  /** How a block of the loop with header `loop` (or of none) leaves it: each jump with room of its own. */
  const within = (loop: number | undefined): Flow => ({
    goTo: (i, from) => jumpTo(i, { left: INLINE_ROOM }, i > from, loop),
    fallThrough: (end) => jumpTo(end, { left: INLINE_ROOM }, true, loop),
    indirect: () => indirect({ left: INLINE_ROOM }, loop),
  });
  /** Where a block of its own case goes on: falling through, into the next case (or out). */
  const plain: Flow = { ...within(undefined), fallThrough: (end) => (cases.has(end) ? "" : exit(end)) };

  const out: string[] = [];
  for (const r of [...used].sort((a, b) => a - b)) out.push(`let r${r} = regs[${r}];`);
  out.push("let left = n | 0, off = 0, back = 0, va = 0, vpn = 0, slot = 0, pa = 0;");
  out.push(`const base = pc0 & ${lit(~OFFSET_MASK)};`);
  out.push(`let at = LEADS[(pc0 & ${OFFSET_MASK}) >>> 2];`);
  for (let s = 0; s < caches.size; s++) out.push(`let v${s} = ${NO_PAGE}, p${s} = 0;`);
  out.push("body: for (;;) switch (at) {");
  blocks.forEach((b, i) => {
    const last = loops.get(i);
    out.push(`case ${i}: {`, ...(last === undefined ? code(b, plain) : loopSource(blocks, i, last, number, within(i), code)), "}");
  });
  // Only an entry that is no block start gets here (Jit enters regions at block starts only).
  out.push(`default: { off = pc0 & ${OFFSET_MASK}; break body; }`);
  out.push("}");
  for (const r of [...written].sort((a, b) => a - b)) out.push(`regs[${r}] = r${r};`);
  out.push("cpu.jitPc = (base + off) | 0; return (n - left - back) | 0;");
  const body = out.filter((l) => l !== "").join("\n");
  const prologue = Object.keys(BINDINGS)
    .filter((name) => new RegExp(`\\b${name}\\[`).test(body))
    .map((name) => `const ${name} = ${BINDINGS[name]};`);
  const count = blocks.reduce((a, b) => a + b.steps.length, 0);
  const head = `// region in physical page 0x${page.toString(16)}: ${blocks.length} blocks, ${count} instructions`;
  const leads = `const LEADS = new Int8Array(${PAGE_SIZE >>> 2}).fill(-1);\n[${[...cases].join(", ")}].forEach((word, i) => { LEADS[word] = i; });`;
  return [head, leads, "return function block(cpu, regs, pc0, n, k) {", ...prologue, OUT_OF_LINE, body, "};"].join("\n");
}

/**
 * Instructions of other blocks one jump may copy in place of going round the region's switch
 * (a branch to a block that returns, a return to the block after its call), over all the
 * copies it leads to. Bounds the source each jump adds.
 */
const INLINE_ROOM = 16;
/** A region with this many return points or fewer has a `jalr` try them before its table. */
const PREDICTED_RETURNS = 3;

/** What is left of INLINE_ROOM for the copies one jump leads to. */
interface Room {
  left: number;
}

/** How a block's code goes on from where it ends. */
interface Flow {
  /** Statements that go on at word `i` of the page (a branch or jump taken at word `from`). */
  goTo(i: number, from: number): string;
  /** Statements that go on at word `end`, where the block falls through ("" when that is the code after it). */
  fallThrough(end: number): string;
  /** Statements that go on at `va`, a `jalr`'s target. */
  indirect(): string;
}

/** Word indices in the page where the region's calls (`jal` that links) return to. */
export function returnPoints(blocks: readonly RegionBlock[]): number[] {
  const points = new Set<number>();
  for (const b of blocks) {
    const last = b.steps[b.steps.length - 1]!;
    if (last.sem.kind === "jal" && last.d.ops.rd) points.add(b.end);
  }
  return [...points];
}

/** Word index in the page that the last step of a block jumps or branches to, if any. */
function targetOf(b: RegionBlock): number | undefined {
  const last = b.steps[b.steps.length - 1]!;
  const kind = last.sem.kind;
  // Branch and jal offsets are in words from the instruction itself.
  return kind === "branch" || kind === "jal" ? b.end - 1 + (last.d.ops.imm ?? 0) : undefined;
}

/** Whether block `b` falls through into block `next` when it does not jump. */
function fallsInto(b: RegionBlock, next: RegionBlock): boolean {
  const tail = b.steps[b.steps.length - 1]!.sem.kind;
  return tail !== "jal" && tail !== "jalr" && b.end === next.start;
}

/**
 * The region's innermost loops, by the number of their first block (the header): the number
 * of their last block, the furthest that jumps or branches back to the header. Innermost: no
 * other loop's header lies after the header and up to that last block.
 */
function innermostLoops(blocks: readonly RegionBlock[], number: ReadonlyMap<number, number>): Map<number, number> {
  const lastOf = new Map<number, number>();
  blocks.forEach((b, e) => {
    const t = targetOf(b);
    const h = t === undefined ? undefined : number.get(t);
    if (h !== undefined && h <= e) lastOf.set(h, Math.max(e, lastOf.get(h) ?? e));
  });
  const loops = new Map<number, number>();
  for (const [h, e] of lastOf) if (![...lastOf.keys()].some((o) => o > h && o <= e)) loops.set(h, e);
  return loops;
}

/**
 * An innermost loop, blocks `h` to `e`, as structured code, the case of its header: going
 * back to the header is `continue` of a JavaScript loop and a branch forward inside the loop
 * `break` out of a labelled block that ends where it lands, so the loop's iterations never go
 * through the region's switch. Only entering at the header gets here: the loop's other blocks
 * also have cases of their own, for entries and jumps from elsewhere, which go on into the
 * loop when they reach its header again.
 * The remaining count is checked once an iteration, at the header, against the longest way
 * round (each block of the loop at most once): with that many left no block of the iteration
 * can run out, so they only count. With fewer, the header runs as its own checked block and
 * goes on through the switch, to the cases that check each block as they run.
 */
function loopSource(
  blocks: readonly RegionBlock[],
  h: number,
  e: number,
  number: ReadonlyMap<number, number>,
  region: Flow,
  code: (b: RegionBlock, flow: Flow, checked?: boolean) => string[],
): string[] {
  const goTo = (i: number, from: number) => region.goTo(i, from);
  // Each labelled block starts at the first block that branches to its end; where two would
  // overlap without one holding the other, the later one starts earlier.
  const from = new Map<number, number>();
  for (let i = h; i <= e; i++) {
    const t = targetOf(blocks[i]!);
    const j = t === undefined ? undefined : number.get(t);
    if (j !== undefined && j > i && j <= e) from.set(j, Math.min(i, from.get(j) ?? i));
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const [j1, s1] of from) {
      for (const [j2, s2] of from) {
        if (j1 < j2 && s1 < s2 && s2 < j1) {
          from.set(j2, s1);
          changed = true;
        }
      }
    }
  }
  // A block nothing in the loop falls or branches into (the return point of a call) runs
  // only from its own case.
  const inLoop = (i: number) => i === h || from.has(i) || fallsInto(blocks[i - 1]!, blocks[i]!);
  let longest = 0;
  for (let i = h; i <= e; i++) if (inLoop(i)) longest += blocks[i]!.steps.length;
  const toCase = (i: number) => (number.has(i) ? `{ at = ${number.get(i)}; continue body; }` : exit(i));
  const checked: Flow = { goTo: toCase, fallThrough: toCase, indirect: () => region.indirect() };
  const out = [`L${h}: for (;;) {`, `if (left < ${longest}) {`, ...code(blocks[h]!, checked), "}"];
  for (let i = h; i <= e; i++) {
    if (from.has(i)) out.push(`} // F${i}`);
    const opened = [...from].filter(([, s]) => s === i).map(([j]) => j);
    for (const j of opened.sort((a, b) => b - a)) out.push(`F${j}: {`);
    if (!inLoop(i)) continue;
    const flow: Flow = {
      goTo: (t, from) => {
        const j = number.get(t);
        if (j === h) return `continue L${h};`;
        return j !== undefined && j > i && j <= e ? `break F${j};` : goTo(t, from);
      },
      // Out of the last block: into the next case when the loop is its header alone.
      fallThrough: (end) => (i < e && number.has(end) ? "" : h === e && number.has(end) ? `break L${h};` : goTo(end, end - 1)),
      indirect: () => region.indirect(),
    };
    out.push(...code(blocks[i]!, flow, false));
  }
  out.push("}");
  return out;
}

function blockSource(
  b: RegionBlock,
  siteOf: ReadonlyMap<Step, number>,
  flow: Flow,
  set: (rd: number | undefined, expr: string) => string,
  /** Whether the block checks the remaining count itself (not when its loop's header did). */
  checked: boolean,
): string[] {
  const count = b.steps.length;
  const out: string[] = [];
  if (checked) out.push(`if (left < ${count}) ${exit(b.start)}`);
  out.push(`left = (left - ${count}) | 0;`);
  b.steps.forEach((step, j) => {
    const { d, sem } = step;
    const { rd, rs1, rs2, imm = 0 } = d.ops;
    const word = b.start + j;
    const after = count - 1 - j;
    const x = reg(rs1);
    // The interpreter takes the fault, at this instruction.
    const fault = exit(word, after + 1);
    switch (sem.kind) {
      case "value":
        out.push(set(rd, sem.expr(x, d.def.format === "R" ? reg(rs2) : lit(imm))));
        break;
      case "divide":
        out.push(`if (${reg(rs2)} === 0) ${fault}`);
        out.push(set(rd, sem.expr(x, reg(rs2))));
        break;
      case "load":
      case "store":
        out.push(...accessSource(sem, d, { word, after, site: siteOf.get(step)! }));
        break;
      case "branch":
        out.push(`if (${sem.cond(x, reg(rs2))}) ${flow.goTo(word + imm, word)}`);
        break;
      case "jal":
        out.push(set(rd, `(base + ${4 * (word + 1)}) | 0`));
        out.push(flow.goTo(word + imm, word));
        break;
      case "jalr":
        out.push(`va = (${x} + ${lit(imm)}) | 0;`);
        out.push(`if ((va & 3) !== 0) ${fault}`);
        out.push(set(rd, `(base + ${4 * (word + 1)}) | 0`));
        out.push(flow.indirect());
        break;
      case "interpret":
        throw new Error("unreachable: regions end before system instructions");
    }
  });
  const tail = b.steps[count - 1]!.sem.kind;
  if (tail !== "jal" && tail !== "jalr") out.push(flow.fallThrough(b.end));
  return out;
}
