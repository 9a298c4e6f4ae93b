/**
 * The two reference points the full CPU is measured against: the same work as plain
 * JavaScript (the bound an interpreter cannot beat), and a minimal switch interpreter for the
 * same bytecode (registers in an Int32Array, only the opcodes the loops use, no MMU, no
 * traps, no budget).
 */
import { Op } from "../../isa/opcodes.js";

/** The ALU loop's arithmetic, written directly. Returns [t0, t1]. */
export function aluPlain(iterations: number, seed0: number, seed1: number): [number, number] {
  let t0 = seed0 | 0;
  let t1 = seed1 | 0;
  for (let i = iterations | 0; i !== 0; i = (i - 1) | 0) {
    t0 = (t0 + t1) | 0;
    t1 ^= t0;
    const t2 = t0 << 3;
    const t3 = t1 >>> 5;
    t0 = (t0 + t2) | 0;
    t1 ^= t3;
  }
  return [t0, t1];
}

/** The memory loop, written directly: passes of sum-and-copy. Returns the sum. */
export function memPlain(words: Int32Array, src: number, dst: number, count: number, passes: number): number {
  let sum = 0;
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < count; i++) {
      const v = words[src + i]!;
      sum = (sum + v) | 0;
      words[dst + i] = v;
    }
  }
  return sum;
}

/**
 * Minimal interpreter: fetch, decode, one switch. Runs until halt; returns retired count.
 * `memory` holds code and data (byte addresses, word aligned).
 */
export function interpretMinimal(memory: Int32Array, regs: Int32Array, entry: number): number {
  let pc = entry | 0;
  let retired = 0;
  for (;;) {
    const w = memory[pc >>> 2]!;
    retired++;
    regs[0] = 0;
    switch (w & 0xff) {
      case Op.ADD:
        regs[(w >>> 8) & 15] = (regs[(w >>> 12) & 15]! + regs[(w >>> 16) & 15]!) | 0;
        break;
      case Op.XOR:
        regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! ^ regs[(w >>> 16) & 15]!;
        break;
      case Op.SHLI:
        regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! << (w >>> 16);
        break;
      case Op.SHRI:
        regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! >>> (w >>> 16);
        break;
      case Op.ADDI:
        regs[(w >>> 8) & 15] = (regs[(w >>> 12) & 15]! + (w >> 16)) | 0;
        break;
      case Op.LUI:
        regs[(w >>> 8) & 15] = w & 0xffff0000;
        break;
      case Op.LW:
        regs[(w >>> 8) & 15] = memory[((regs[(w >>> 12) & 15]! + (w >> 16)) | 0) >>> 2]!;
        break;
      case Op.SW:
        memory[((regs[(w >>> 12) & 15]! + (w >> 16)) | 0) >>> 2] = regs[(w >>> 8) & 15]!;
        break;
      case Op.BNE:
        if (regs[(w >>> 8) & 15] !== regs[(w >>> 12) & 15]) {
          pc = (pc + ((w >> 16) << 2)) | 0;
          continue;
        }
        break;
      case Op.HALT:
        return retired;
      default:
        throw new Error(`minimal interpreter: opcode 0x${(w & 0xff).toString(16)} not supported`);
    }
    pc = (pc + 4) | 0;
  }
}
