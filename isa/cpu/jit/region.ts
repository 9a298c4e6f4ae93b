/**
 * Region discovery: the part of one physical page reachable from a hot entry point, cut into
 * basic blocks. A region follows branches both ways, jumps, and calls (`jal` that links,
 * rd ≠ 0) into functions that have run, with the return point after them, as long as they
 * stay in the page; it stops at system instructions and illegal words, which the interpreter
 * takes, and at a `jalr`, whose target it cannot know (a return finds its block in the
 * region's table when the region holds it).
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

/**
 * The region of the page at word index `pageWord` reachable from `entry` (a word index);
 * `called(i)` says whether the function at word `i` has run.
 */
export function discoverRegion(
  words: Int32Array,
  pageWord: number,
  entry: number,
  called: (i: number) => boolean,
): Region {
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
      // A branch goes on at either side, a jump (rd = 0) to its target. A `jal` call is
      // followed into a callee that has run (`called`) and then comes back after itself;
      // one that has not (the code after a hot loop, printing its result) is left out, to
      // keep the region, and the time V8 takes to compile it, to the hot code.
      const target = i + (s.d.ops.imm ?? 0);
      const call = s.sem.kind === "jal" && s.d.ops.rd !== 0 && s.d.ops.rd !== undefined;
      const follow = call && (target === entry || called(target));
      if (s.sem.kind === "branch" || follow) add(i + 1);
      if (s.sem.kind === "branch" || (s.sem.kind === "jal" && (!call || follow))) add(target);
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
