/**
 * Region discovery: the part of one physical page reachable from a hot entry point, cut into
 * basic blocks. A region follows branches both ways, `jal` targets, and the return point
 * after every call (`jal` or `jalr` that links, rd ≠ 0), as long as they stay in the page;
 * it stops at system instructions and illegal words, which the interpreter takes.
 * Every block start ("leader") is also a place the compiled region may be entered or jumped
 * to, so a return from a call lands back inside compiled code.
 */
import { PAGE_SIZE } from "../../arch.js";
import { decode, type Decoded } from "../../encoding.js";
import { SEMANTICS, type Semantics } from "./semantics.js";

export const PAGE_WORDS = PAGE_SIZE >>> 2;

export interface Step {
  readonly d: Decoded;
  readonly sem: Semantics;
}

export interface RegionBlock {
  /** Word index in the page of its first instruction. */
  readonly start: number;
  readonly steps: readonly Step[];
  /** Word index after its last instruction: where it falls through to. */
  readonly end: number;
}

export interface Region {
  /** Non-empty blocks in address order. */
  readonly blocks: readonly RegionBlock[];
}

const isControl = (s: Step) => s.sem.kind === "branch" || s.sem.kind === "jal" || s.sem.kind === "jalr";

/** The instruction at word `i` of the page, or null where the interpreter must take it. */
function stepAt(words: Int32Array, pageWord: number, i: number): Step | null {
  const d = decode(words[pageWord + i]!);
  if (d === null) return null;
  const sem = SEMANTICS[d.def.mnemonic]!;
  return sem.kind === "interpret" ? null : { d, sem };
}

/**
 * Blocks one region may have: it then stops following branches, which leave it instead. Keeps
 * the source, and the time V8 takes to compile it, bounded when code is one branch after another.
 */
export const MAX_REGION_BLOCKS = 64;

/** The region of the page at word index `pageWord` reachable from `entry` (a word index). */
export function discoverRegion(words: Int32Array, pageWord: number, entry: number): Region {
  const steps: (Step | null | undefined)[] = new Array(PAGE_WORDS);
  const at = (i: number) => (steps[i] === undefined ? (steps[i] = stepAt(words, pageWord, i)) : steps[i]);
  const leader = new Uint8Array(PAGE_WORDS);
  const work: number[] = [];
  let leaders = 0;
  const add = (i: number) => {
    if (i >= 0 && i < PAGE_WORDS && leader[i] === 0 && leaders < MAX_REGION_BLOCKS) {
      leader[i] = 1;
      leaders++;
      work.push(i);
    }
  };
  add(entry);
  while (work.length > 0) {
    for (let i = work.pop()!; i < PAGE_WORDS; i++) {
      const s = at(i);
      if (s === null) break;
      if (!isControl(s)) continue;
      // A branch goes on at either side; a call comes back after itself (a jump with rd = 0
      // is no call); a `jal` goes to its target.
      if (s.sem.kind === "branch" || s.d.ops.rd) add(i + 1);
      if (s.sem.kind !== "jalr") add(i + (s.d.ops.imm ?? 0));
      break;
    }
  }
  const blocks: RegionBlock[] = [];
  for (let start = 0; start < PAGE_WORDS; start++) {
    if (leader[start] === 0 || at(start) === null) continue;
    const body: Step[] = [];
    let i = start;
    for (; i < PAGE_WORDS && (i === start || leader[i] === 0); i++) {
      const s = at(i);
      if (s === null) break;
      body.push(s);
      if (isControl(s)) {
        i++;
        break;
      }
    }
    blocks.push({ start, steps: body, end: i });
  }
  return { blocks };
}
