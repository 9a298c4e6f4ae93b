/**
 * Where a guest's functions start and how to unwind their frames. toyvmm's calling convention
 * keeps no frame pointer: `call` is `jal ra, f`, a function that calls others saves ra on the
 * stack in its prologue (`push ra` is `addi sp, sp, -4; sw ra, 0(sp)`), and `ret` is
 * `jalr zero, 0(ra)`. So, as gdb does without debug information, each frame is unwound by
 * reading its function's prologue: how far sp moved and where ra went, up to the pc.
 *
 * Functions start at the image's entry, at every call target in its code, and at the trap vector.
 */
import { REG_RA, REG_SP } from "../../isa/arch.js";
import { decode } from "../../isa/encoding.js";
import { SECTION_EXEC, type GuestImage } from "../../isa/image/model.js";
import { Op } from "../../isa/opcodes.js";

/** Functions beyond the first a backtrace shows at most. */
export const MAX_FRAMES = 64;
/** Instructions of a prologue read at most. */
const MAX_PROLOGUE = 64;

export class CodeMap {
  /** Function entries, ascending. */
  readonly entries: number[];
  private readonly words = new Map<number, number>();

  constructor(image: GuestImage) {
    const entries = new Set<number>([image.entry >>> 0]);
    for (const section of image.sections) {
      if ((section.flags & SECTION_EXEC) === 0) continue;
      const view = new DataView(section.data.buffer, section.data.byteOffset, section.data.byteLength);
      for (let i = 0; i + 4 <= section.data.length; i += 4) {
        const pc = (section.address + i) >>> 0;
        const word = view.getInt32(i, true);
        this.words.set(pc, word);
        if ((word & 0xff) === Op.JAL && ((word >>> 8) & 15) === REG_RA) entries.add((pc + ((word >> 12) << 2)) >>> 0);
      }
    }
    this.entries = [...entries].sort((a, b) => a - b);
  }

  /** The instruction word at `pc` in the image's code, or undefined outside it. */
  word(pc: number): number | undefined {
    return this.words.get(pc >>> 0);
  }

  /** The entry of the function `pc` is in (the nearest at or below), with `extra` entries (the trap vector) too. */
  functionOf(pc: number, extra: readonly number[] = []): number | undefined {
    let best: number | undefined;
    for (const e of [...this.entries, ...extra]) if (e <= pc >>> 0 && (best === undefined || e > best)) best = e;
    return best;
  }

  /** The first function entry above `pc`, or undefined. */
  nextFunction(pc: number): number | undefined {
    return this.entries.find((e) => e > pc >>> 0);
  }
}

export interface Frame {
  level: number;
  pc: number;
  /** sp inside this frame, and the sp its caller had (sp at the function's entry). */
  sp: number;
  entrySp: number;
  /** Where the function starts, when known. */
  entry?: number;
}

/** What unwinding reads: registers of the innermost frame and stack words. */
export interface UnwindContext {
  code: CodeMap;
  regs: ArrayLike<number>;
  pc: number;
  /** The word at a virtual address, or undefined. */
  word(address: number): number | undefined;
  /** Entries besides the call targets (the trap vector). */
  extraEntries?: readonly number[];
}

interface Prologue {
  /** How far sp moved from the entry up to the pc. */
  spDelta: number;
  /** Where ra was saved, relative to the entry's sp, if it was. */
  raSlot?: number;
}

/** Reads the straight-line code from `entry` up to `pc` (stopping at the first jump or branch). */
function readPrologue(code: CodeMap, entry: number, pc: number): Prologue {
  const prologue: Prologue = { spDelta: 0 };
  for (let at = entry, n = 0; at < pc >>> 0 && n < MAX_PROLOGUE; at += 4, n++) {
    const word = code.word(at);
    if (word === undefined) break;
    const d = decode(word);
    if (!d) break;
    const { def, ops } = d;
    if (def.format === "BR" || def.format === "JAL" || def.format === "JALR" || def.cls === "system") break;
    if (def.opcode === Op.ADDI && ops.rd === REG_SP && ops.rs1 === REG_SP) prologue.spDelta += ops.imm!;
    else if (def.opcode === Op.SW && ops.rs2 === REG_RA && ops.rs1 === REG_SP)
      prologue.raSlot = prologue.spDelta + ops.imm!;
  }
  return prologue;
}

const RET = Op.JALR | (0 << 8) | (REG_RA << 12);

/** The frames from the innermost out, as far as the convention lets them be read. */
export function backtrace(context: UnwindContext, limit = MAX_FRAMES): Frame[] {
  const frames: Frame[] = [];
  let pc = context.pc >>> 0;
  let sp = context.regs[REG_SP]! >>> 0;
  for (let level = 0; level <= limit; level++) {
    const entry = context.code.functionOf(level === 0 ? pc : pc - 4, context.extraEntries);
    const atRet = level === 0 && context.code.word(pc) === RET;
    const prologue = entry === undefined || atRet ? { spDelta: 0 } : readPrologue(context.code, entry, pc);
    const entrySp = (sp - prologue.spDelta) >>> 0;
    frames.push({ level, pc, sp, entrySp, ...(entry !== undefined ? { entry } : {}) });
    let ra: number | undefined;
    if (prologue.raSlot !== undefined) ra = context.word((entrySp + prologue.raSlot) | 0);
    else if (level === 0) ra = context.regs[REG_RA];
    if (ra === undefined || ra === 0 || context.code.word((ra - 4) >>> 0) === undefined) break;
    if (ra >>> 0 === pc && entrySp === sp) break;
    pc = ra >>> 0;
    sp = entrySp;
  }
  return frames;
}
