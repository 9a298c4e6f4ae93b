/**
 * Reflection: an exception the hosted CPU raised is delivered to the guest kernel through its
 * virtual tvec, as the bare CPU would deliver it. Two guest errors end the VM instead of
 * spinning for ever:
 *
 * - trap loop: the handler's first instruction faults again, so no instruction can ever retire
 *   (e.g. tvec points outside memory). Detected exactly as the bare CPU does (a second
 *   exception before anything retires); the second entry is still made, so the final state
 *   equals the bare machine's.
 * - kernel fault loop: more than KERNEL_FAULT_LIMIT exceptions taken in kernel mode without an
 *   `sret` in between. A working kernel returns from (or halts on) a fault in its own code; one
 *   that keeps faulting is hung. The bare CPU would spin here; the monitor ends the VM.
 */
import { CAUSE_BREAKPOINT, CAUSE_SYSCALL, CSR, causeName } from "../../isa/arch.js";
import type { Cpu } from "../../isa/cpu/cpu.js";
import type { VmStats } from "./stats.js";
import type { VCpu } from "./vcpu.js";

export const KERNEL_FAULT_LIMIT = 256;

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

/** Reflection bookkeeping that lives as long as the VM (saved with it). */
export class FaultWatch {
  /** Exceptions taken in kernel mode since the last sret. */
  kernelFaultStreak = 0;

  /**
   * Delivers exception `cause` (fault value `value`) raised at cpu.pc. `wedged` says nothing
   * retired since the previous exception entry. Returns a reason when the VM must end.
   */
  reflect(cpu: Cpu, vcpu: VCpu, stats: VmStats, cause: number, value: number, wedged: boolean): string | null {
    const fromKernel = vcpu.kernel;
    const pc = cpu.pc;
    vcpu.enterTrap(cpu, cause, value, pc);
    stats.countReflected(cause);
    if (wedged) {
      return `trap loop: ${causeName(cause)} at ${hex(pc)} while entering the trap handler (tvec ${hex(vcpu.csr[CSR.tvec]!)})`;
    }
    if (fromKernel && cause !== CAUSE_SYSCALL && cause !== CAUSE_BREAKPOINT) {
      if (++this.kernelFaultStreak > KERNEL_FAULT_LIMIT) {
        return `kernel fault loop: ${KERNEL_FAULT_LIMIT + 1} exceptions in kernel mode without sret, the last ${causeName(cause)} at ${hex(pc)} (fault ${hex(value)})`;
      }
    }
    return null;
  }

  /** The guest kernel returned from a trap: it handled its faults. */
  returned(): void {
    this.kernelFaultStreak = 0;
  }
}
