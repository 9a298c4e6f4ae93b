/**
 * Emulation of the guest kernel's privileged instructions ("trap-and-emulate"): the hosted
 * CPU stops at each one with CAUSE_PRIVILEGED and the instruction word; this applies it to the
 * virtual CPU and the virtual devices exactly as the bare CPU would to the real ones
 * (isa/cpu/cpu.ts `system`). The caller retires it (pc += 4, one tick) unless told otherwise.
 *
 * The CPU has already checked the word's unused bits (those trap illegal-instruction first),
 * so every word that arrives here is well formed.
 */
import { CSR, CSR_COUNT, REG_A0 } from "../../isa/arch.js";
import type { Cpu } from "../../isa/cpu/cpu.js";
import { csrWriteFlushesTlb, csrWriteValue } from "../../isa/cpu/privileged.js";
import type { PortBus } from "../../isa/devices/ports.js";
import { Op } from "../../isa/opcodes.js";
import type { VCpu } from "./vcpu.js";

/** Retired: the caller advances pc and time. */
export const EMU_RETIRE = 0;
/** Retired and pc already set (sret). */
export const EMU_RETIRE_JUMPED = 1;
/** halt: retire, then the machine stops with a0. */
export const EMU_HALT = 2;
/** wfi: the caller decides between retiring, idling and blocking. */
export const EMU_WFI = 3;
/** The word is illegal after all (no such CSR, read-only CSR): reflect illegal-instruction. */
export const EMU_ILLEGAL = 4;
export type EmulationResult = 0 | 1 | 2 | 3 | 4;

/** Applies privileged instruction `w` of the guest kernel. */
export function emulate(cpu: Cpu, vcpu: VCpu, devices: PortBus, w: number): EmulationResult {
  const regs = cpu.regs;
  const csr = vcpu.csr;
  switch (w & 0xff) {
    case Op.HALT:
      cpu.exitStatus = regs[REG_A0]!;
      return EMU_HALT;
    case Op.WFI:
      return EMU_WFI;
    case Op.SRET:
      vcpu.returnFromTrap(cpu);
      return EMU_RETIRE_JUMPED;
    case Op.TLBFLUSH:
      cpu.mmu.flush();
      return EMU_RETIRE;
    case Op.CSRR: {
      const index = w >>> 16;
      // The CPU stopped before this instruction, so ticks counts the ones before it, as on bare.
      const time32 = cpu.time32();
      let value: number;
      if (index === CSR.time) value = time32;
      else if (index === CSR.ipend) value = vcpu.timerPending(time32) | devices.pending();
      else if (index < CSR_COUNT) value = csr[index]!;
      else return EMU_ILLEGAL;
      regs[(w >>> 8) & 15] = value;
      regs[0] = 0;
      return EMU_RETIRE;
    }
    case Op.CSRW: {
      const index = w >>> 16;
      const stored = csrWriteValue(index, regs[(w >>> 12) & 15]!, devices.sources);
      if (stored === undefined) return EMU_ILLEGAL;
      const old = csr[index]!;
      csr[index] = stored;
      // The guest's TLB is the hosted CPU's, flushed by the same rule as on bare.
      if (csrWriteFlushesTlb(index, old, stored)) cpu.mmu.flush();
      if (index === CSR.status || index === CSR.ptbr) vcpu.applyTranslation(cpu);
      return EMU_RETIRE;
    }
    case Op.IN:
      regs[(w >>> 8) & 15] = devices.read(w >>> 16);
      regs[0] = 0;
      return EMU_RETIRE;
    case Op.OUT:
      // The CPU stopped before this instruction: ticks is the time the bare CPU gives the device.
      devices.write(w >>> 16, regs[(w >>> 12) & 15]!, cpu.ticks);
      return EMU_RETIRE;
  }
  return EMU_ILLEGAL;
}
