/**
 * Registers by name, as the debugger shows them and as a fault's debug log dumps them: the
 * general registers of the CPU, and the control registers a guest sees (virtual under the
 * monitor, real on the bare CPU) or the real CPU's own.
 */
import { CSR_COUNT, CSR_NAMES, REGISTER_NAMES } from "../../isa/arch.js";

export const hex32 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

/** Every general register by its ABI name, and the pc, as hex. */
export function generalRegisters(regs: ArrayLike<number>, pc: number): Record<string, string> {
  const out: Record<string, string> = { pc: hex32(pc) };
  REGISTER_NAMES.forEach((name, i) => (out[name] = hex32(regs[i]!)));
  return out;
}

/** Every control register by name, as `read` gives it, as hex. */
export function controlRegisters(read: (index: number) => number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < CSR_COUNT; i++) out[CSR_NAMES[i]!] = hex32(read(i));
  return out;
}

/** A register's index by ABI name or rN, or -1. */
export function registerIndex(name: string): number {
  const plain = name.startsWith("$") ? name.slice(1) : name;
  const abi = (REGISTER_NAMES as readonly string[]).indexOf(plain);
  if (abi >= 0) return abi;
  const numbered = /^r(\d{1,2})$/.exec(plain);
  return numbered && Number(numbered[1]) < REGISTER_NAMES.length ? Number(numbered[1]) : -1;
}
