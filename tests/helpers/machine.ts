/**
 * Builds small machines for tests: a Memory and a Cpu loaded with encoded words.
 *
 *   const m = machine([w("addi", 1, 0, 5), w("halt")]);
 *   m.cpu.run(100);
 *
 * `w(mnemonic, ...operands)` encodes one instruction with its operands in the order
 * `operandsOf` gives for the row's format (registers a, b, c, then the immediate), so the table
 * stays the only source. Note csrw and out take (rs1, csr/port), unlike their assembly syntax.
 */
import { Memory } from "../../isa/memory.js";
import { Cpu } from "../../isa/cpu/cpu.js";
import type { PortBus } from "../../isa/devices/ports.js";
import { encode, operandsOf, type Operands } from "../../isa/encoding.js";
import { BY_MNEMONIC } from "../../isa/table.js";
import { CSR, PAGE_SIZE, PTE_FRAME, PTE_P, PTE_U, PTE_W } from "../../isa/arch.js";

/** Encodes `mnemonic` with operands in `operandsOf` order (sw rs2, rs1, imm; beq rs1, rs2, off; csrw rs1, csr). */
export function w(mnemonic: string, ...values: number[]): number {
  const def = BY_MNEMONIC.get(mnemonic);
  if (!def) throw new Error(`no instruction ${mnemonic}`);
  const names = operandsOf(def.format);
  if (names.length !== values.length) {
    throw new Error(`${mnemonic} takes ${names.length} operands (${names.join(", ")}), got ${values.length}`);
  }
  const ops: Operands = {};
  names.forEach((name, i) => (ops[name] = values[i]));
  return encode(def, ops);
}

/** Instructions that put a 32-bit constant in a register (lui + ori, the low half zero-extended). */
export function li(rd: number, value: number): number[] {
  return [w("lui", rd, (value >>> 16) & 0xffff), w("ori", rd, rd, value & 0xffff)];
}

export interface MachineOptions {
  memSize?: number;
  hosted?: boolean;
  ports?: PortBus;
  /** Where the words go and where pc starts. */
  origin?: number;
}

export interface Machine {
  memory: Memory;
  cpu: Cpu;
}

export function machine(words: readonly number[], options: MachineOptions = {}): Machine {
  const memory = new Memory(options.memSize ?? 64 * 1024);
  const origin = options.origin ?? 0;
  storeWords(memory, origin, words);
  memory.dirty.fill(0);
  const cpu = new Cpu(memory, { hosted: options.hosted ?? false, ports: options.ports });
  cpu.reset(origin, 0, memory.size);
  return { memory, cpu };
}

export function storeWords(memory: Memory, address: number, words: readonly number[]): void {
  words.forEach((word, i) => (memory.words[(address >>> 2) + i] = word | 0));
}

/**
 * Writes a two-level page table at `dir` (directory) with its tables right after it, mapping
 * each [va, pa, flags] page. Flags are PTE bits; P is added.
 */
export function mapPages(memory: Memory, dir: number, maps: readonly [va: number, pa: number, flags: number][]): void {
  let nextTable = dir + PAGE_SIZE;
  for (const [va, pa, flags] of maps) {
    const pdeIndex = (dir >>> 2) + (va >>> 22);
    let pde = memory.words[pdeIndex]!;
    if ((pde & PTE_P) === 0) {
      pde = nextTable | PTE_P;
      memory.words[pdeIndex] = pde;
      nextTable += PAGE_SIZE;
    }
    memory.words[((pde & PTE_FRAME) >>> 2) + ((va >>> 12) & 0x3ff)] = (pa & PTE_FRAME) | flags | PTE_P;
  }
}

/** Identity map of [0, bytes) with the given flags (default user read-write). */
export function identityMap(memory: Memory, dir: number, bytes: number, flags = PTE_W | PTE_U): void {
  const maps: [number, number, number][] = [];
  for (let a = 0; a < bytes; a += PAGE_SIZE) maps.push([a, a, flags]);
  mapPages(memory, dir, maps);
}

/** FNV-1a hash of a byte array, to detect any change. */
export function hashBytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** Sets control registers the way a restore does, so the MMU context follows STATUS/PTBR. */
export function setCsr(cpu: Cpu, values: Partial<Record<keyof typeof CSR, number>>): void {
  const state = cpu.save();
  for (const [name, value] of Object.entries(values)) state.csr[CSR[name as keyof typeof CSR]] = value;
  cpu.restore(state);
}
