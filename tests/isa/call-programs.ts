/**
 * Random branchy, call-heavy programs for the JIT differential test: functions spread over
 * the code pages (so calls and returns cross pages, or stay in one), each with a prologue
 * that pushes ra and s0 on a stack in data, forward branches over random work, counted inner
 * loops, direct and indirect calls to later functions, depth-limited recursion, and now and
 * then a fault, a system call, a read of the clock or a store into the code itself; the
 * epilogue pops and returns through `jalr`. The stack is plain data, so a random store may hit
 * a saved ra and send a return anywhere: that too must go the same way compiled or not.
 *
 * Registers: r1, r2 point into data and r3 into code (as in the random programs), r9 holds
 * indirect call targets, r10 (s0) the recursion depth, r11 loop counts, r14 is sp, r15 ra;
 * the work registers are r4..r8 and r12 (r13 is the trap handler's).
 */
import { CSR } from "../../isa/arch.js";
import { encode } from "../../isa/encoding.js";
import { BY_MNEMONIC } from "../../isa/table.js";

const def = (m: string) => BY_MNEMONIC.get(m)!;
const ins = (m: string, ops: Record<string, number>) => encode(def(m), ops);
const WORK = [4, 5, 6, 7, 8, 12];
const SP = 14;
const RA = 15;

const ALU_R = ["add", "sub", "and", "or", "xor", "shl", "shr", "sar", "slt", "sltu", "mul", "mulh"];
const ALU_I = ["addi", "andi", "ori", "xori", "slti", "sltiu"];
const BRANCH = ["beq", "bne", "blt", "bge", "bltu", "bgeu"];

/** Fills `code` (the code pages, as words) with a program whose main loop starts at word 0. */
export function callProgram(code: Int32Array, rand: () => number, filler: () => number): void {
  const words = code.length;
  for (let i = 0; i < words; i++) code[i] = filler();
  const pick = <T>(xs: readonly T[]) => xs[rand() % xs.length]!;
  const work = () => pick(WORK);
  const count = 4 + (rand() % 8);
  const starts: number[] = [];
  const fixups: { at: number; callee: number; kind: "jal" | "li" }[] = [];
  let at = 0;
  const emit = (word: number) => {
    if (at < words) code[at] = word;
    at++;
  };
  const call = (callee: number) => {
    if (rand() % 4 === 0) {
      fixups.push({ at, callee, kind: "li" });
      emit(0);
      emit(ins("jalr", { rd: RA, rs1: 9, imm: 0 }));
    } else {
      fixups.push({ at, callee, kind: "jal" });
      emit(0);
    }
  };

  // main: set the recursion depth, call function 0 (and sometimes 1), count, loop for ever.
  emit(ins("addi", { rd: 10, rs1: 0, imm: 1 + (rand() % 5) }));
  const loop = at;
  call(0);
  if (count > 1 && rand() % 2) call(1);
  emit(ins("addi", { rd: 4, rs1: 4, imm: 1 }));
  emit(ins("jal", { rd: 0, imm: loop - at }));

  for (let f = 0; f < count; f++) {
    at += rand() % 3 === 0 ? rand() % 700 : rand() % 8; // spread over the pages
    if (at + 80 >= words) break;
    starts.push(at);
    emit(ins("addi", { rd: SP, rs1: SP, imm: -8 }));
    emit(ins("sw", { rs2: RA, rs1: SP, imm: 0 }));
    emit(ins("sw", { rs2: 10, rs1: SP, imm: 4 }));
    const snippets = 3 + (rand() % 8);
    for (let s = 0; s < snippets; s++) {
      const roll = rand() % 100;
      if (roll < 30) {
        emit(ins(pick(ALU_R), { rd: work(), rs1: work(), rs2: work() }));
        emit(ins(pick(ALU_I), { rd: work(), rs1: work(), imm: rand() % 64 }));
      } else if (roll < 45) {
        // A forward branch over one to three instructions of work.
        const skip = 1 + (rand() % 3);
        emit(ins(pick(BRANCH), { rs1: work(), rs2: rand() % 3 ? work() : 0, imm: skip + 1 }));
        for (let k = 0; k < skip; k++) emit(ins("addi", { rd: work(), rs1: work(), imm: (rand() % 9) - 4 }));
      } else if (roll < 60) {
        // A counted loop with a branch inside.
        emit(ins("addi", { rd: 11, rs1: 0, imm: 1 + (rand() % 12) }));
        const top = at;
        emit(ins("xor", { rd: work(), rs1: work(), rs2: 11 }));
        emit(ins(pick(BRANCH), { rs1: work(), rs2: 11, imm: 2 }));
        emit(ins("add", { rd: work(), rs1: work(), rs2: work() }));
        emit(ins("addi", { rd: 11, rs1: 11, imm: -1 }));
        emit(ins("bne", { rs1: 11, rs2: 0, imm: top - at }));
      } else if (roll < 72) {
        // Loads and stores in data; rarely through r3, into the code.
        const store = rand() % 2 === 0;
        const base = rand() % 12 === 0 ? 3 : 1 + (rand() % 2);
        const imm = rand() % 10 === 0 ? (rand() % 7) - 3 : ((rand() % 16) - 8) * 4;
        const m = store ? pick(["sw", "sh", "sb"]) : pick(["lw", "lh", "lhu", "lb", "lbu"]);
        emit(store ? ins(m, { rs2: work(), rs1: base, imm }) : ins(m, { rd: work(), rs1: base, imm }));
        if (rand() % 3 === 0) emit(ins("addi", { rd: 1 + (rand() % 2), rs1: 1 + (rand() % 2), imm: ((rand() % 5) - 2) * 4 }));
      } else if (roll < 84) {
        if (f + 1 < count) call(f + 1 + (rand() % (count - f - 1)));
      } else if (roll < 92) {
        // Recursion while the depth lasts: if (s0 > 0) { s0--; call self; s0++ }.
        emit(ins("bge", { rs1: 0, rs2: 10, imm: 4 }));
        emit(ins("addi", { rd: 10, rs1: 10, imm: -1 }));
        fixups.push({ at, callee: f, kind: "jal" });
        emit(0);
        emit(ins("addi", { rd: 10, rs1: 10, imm: 1 }));
      } else {
        // The rare events: divide (maybe by zero), system call, clock, misaligned load.
        emit(
          pick([
            ins("div", { rd: work(), rs1: work(), rs2: work() }),
            ins("sys", {}),
            ins("csrr", { rd: work(), imm: CSR.time }),
            ins("lw", { rd: work(), rs1: 1, imm: 2 }),
          ]),
        );
      }
    }
    emit(ins("lw", { rd: 10, rs1: SP, imm: 4 }));
    emit(ins("lw", { rd: RA, rs1: SP, imm: 0 }));
    emit(ins("addi", { rd: SP, rs1: SP, imm: 8 }));
    emit(ins("jalr", { rd: 0, rs1: RA, imm: 0 }));
  }
  for (const { at: site, callee, kind } of fixups) {
    if (site >= words) continue;
    // A call to a function that did not fit lands on the first one.
    const target = starts[callee] ?? starts[0] ?? 0;
    if (kind === "jal") code[site] = ins("jal", { rd: RA, imm: target - site });
    else code[site] = ins("addi", { rd: 9, rs1: 0, imm: target * 4 });
  }
}
