/**
 * Guest programs for the benchmark, encoded from the instruction table, and the machines that
 * run them: bare kernel mode with paging off, or user mode behind an identity page table.
 *
 * Memory map of a benchmark machine:
 *
 *   0x000000  code (user-accessible page)
 *   0x001000  trap handler: `halt` (kernel-only page; the user program's own halt traps here)
 *   0x010000  page directory, then its page tables
 *   0x100000  source array (memory loop)
 *   0x200000  destination array (memory loop)
 */
import { CSR, PAGE_SIZE, PTE_P, PTE_U, PTE_W, REG_A1, REG_A2, STATUS_KERNEL, STATUS_PG } from "../../isa/arch.js";
import { Cpu, EXIT_HALT } from "../../isa/cpu/cpu.js";
import { encode, type Operands } from "../../isa/encoding.js";
import { Memory } from "../../isa/memory.js";
import { BY_MNEMONIC } from "../../isa/table.js";

export function ins(mnemonic: string, ops: Operands = {}): number {
  const def = BY_MNEMONIC.get(mnemonic);
  if (!def) throw new Error(`unknown instruction ${mnemonic}`);
  return encode(def, ops);
}

// Registers (ABI numbers): t0..t3 = 5..8, s0..s2 = 10..12.
export const T0 = 5;
export const T1 = 6;
export const T2 = 7;
export const T3 = 8;
export const S0 = 10;
export const S1 = 11;
export const S2 = 12;

export const HANDLER = 0x1000;
export const PAGE_DIR = 0x10000;
export const SRC = 0x100000;
export const DST = 0x200000;
export const MEM_WORDS = 0x40000; // 1 MiB per array: 256 pages each
export const MEMORY_SIZE = 4 << 20;

/** ALU loop: 8 instructions per iteration; t0, t1 carry the result. s0 = iterations. */
export const ALU_LOOP: readonly number[] = [
  ins("add", { rd: T0, rs1: T0, rs2: T1 }),
  ins("xor", { rd: T1, rs1: T1, rs2: T0 }),
  ins("shli", { rd: T2, rs1: T0, imm: 3 }),
  ins("shri", { rd: T3, rs1: T1, imm: 5 }),
  ins("add", { rd: T0, rs1: T0, rs2: T2 }),
  ins("xor", { rd: T1, rs1: T1, rs2: T3 }),
  ins("addi", { rd: S0, rs1: S0, imm: -1 }),
  ins("bne", { rs1: S0, rs2: 0, imm: -7 }),
  ins("halt"),
];
export const ALU_PER_ITERATION = 8;
export const ALU_SEED: readonly [number, number] = [1, 0x9e3779b9 | 0];

/**
 * Memory loop: s2 passes over 1 MiB, summing the source into s1 and copying it to the
 * destination (lw, add, sw and pointer bumps), 7 instructions per word, 5 more per pass.
 */
export const MEM_LOOP: readonly number[] = [
  ins("lui", { rd: REG_A1, imm: SRC >>> 16 }),
  ins("lui", { rd: REG_A2, imm: DST >>> 16 }),
  ins("lui", { rd: S0, imm: MEM_WORDS >>> 16 }),
  ins("lw", { rd: T0, rs1: REG_A1, imm: 0 }),
  ins("add", { rd: S1, rs1: S1, rs2: T0 }),
  ins("sw", { rs2: T0, rs1: REG_A2, imm: 0 }),
  ins("addi", { rd: REG_A1, rs1: REG_A1, imm: 4 }),
  ins("addi", { rd: REG_A2, rs1: REG_A2, imm: 4 }),
  ins("addi", { rd: S0, rs1: S0, imm: -1 }),
  ins("bne", { rs1: S0, rs2: 0, imm: -6 }),
  ins("addi", { rd: S2, rs1: S2, imm: -1 }),
  ins("bne", { rs1: S2, rs2: 0, imm: -11 }),
  ins("halt"),
];
export const memInstructions = (passes: number) => passes * (3 + 7 * MEM_WORDS + 2) + 1;

/** The source array's contents: a fixed pseudo-random sequence. */
export function fillSource(words: Int32Array, offset: number): void {
  let x = 0x12345678;
  for (let i = 0; i < MEM_WORDS; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[offset + i] = x;
  }
}

export interface GuestMachine {
  memory: Memory;
  cpu: Cpu;
}

/**
 * A machine with `program` at 0, in kernel mode with paging off or user mode with paging on;
 * the interpreter alone, or with the block compiler.
 */
export function guestMachine(program: readonly number[], paged: boolean, jit: boolean): GuestMachine {
  const memory = new Memory(MEMORY_SIZE);
  memory.words.set(program, 0);
  memory.words[HANDLER >>> 2] = ins("halt");
  const cpu = new Cpu(memory, { jit });
  cpu.reset(0, 0, MEMORY_SIZE);
  if (paged) {
    identityMap(memory);
    const state = cpu.save();
    state.csr[CSR.ptbr] = PAGE_DIR;
    state.csr[CSR.tvec] = HANDLER;
    state.csr[CSR.status] = STATUS_PG; // user mode
    cpu.restore(state);
  } else {
    cpu.csr[CSR.status] = STATUS_KERNEL;
  }
  return { memory, cpu };
}

/** Identity map of all memory: user read-write, but the handler page is kernel-only. */
function identityMap(memory: Memory): void {
  const pages = memory.pageCount;
  const tables = Math.ceil(pages / 1024);
  for (let t = 0; t < tables; t++) {
    const table = PAGE_DIR + PAGE_SIZE * (1 + t);
    memory.words[(PAGE_DIR >>> 2) + t] = table | PTE_P;
    for (let i = 0; i < 1024 && t * 1024 + i < pages; i++) {
      const page = t * 1024 + i;
      const flags = page === HANDLER / PAGE_SIZE ? PTE_P | PTE_W : PTE_P | PTE_W | PTE_U;
      memory.words[(table >>> 2) + i] = (page * PAGE_SIZE) | flags;
    }
  }
}

/** Runs to halt; throws if the guest stops for any other reason. */
export function runToHalt(cpu: Cpu): void {
  for (;;) {
    const exit = cpu.run(1 << 30);
    if (exit === EXIT_HALT) return;
    if (exit !== 1) throw new Error(`benchmark guest stopped with exit ${exit} at pc 0x${cpu.pc.toString(16)}`);
  }
}
