/**
 * A virtual CPU: the privileged state the guest kernel believes it owns. The hosted CPU runs
 * the guest deprivileged; this object holds the guest's STATUS, tvec, epc, … and tells the
 * CPU's MMU which translation context (paging, page directory, virtual mode) to use.
 *
 * Trap entry and return follow the same rules as the bare CPU (isa/cpu/privileged.ts).
 */
import { CSR, CSR_COUNT, IRQ_TIMER, STATUS_IE, STATUS_KERNEL, STATUS_PG } from "../../isa/arch.js";
import type { Cpu } from "../../isa/cpu/cpu.js";
import { UserError } from "../../isa/errors.js";
import { enterTrap, returnFromTrap, ticksUntilTimer, timerPending } from "../../isa/cpu/privileged.js";

export interface VCpuState {
  version: 1;
  csr: number[];
}

export class VCpu {
  /** The guest's control registers. time and ipend are computed on read, never stored. */
  readonly csr = new Int32Array(CSR_COUNT);

  constructor() {
    this.reset();
  }

  reset(): void {
    this.csr.fill(0);
    this.csr[CSR.status] = STATUS_KERNEL;
  }

  get status(): number {
    return this.csr[CSR.status]!;
  }

  /** Virtual kernel mode. */
  get kernel(): boolean {
    return (this.csr[CSR.status]! & STATUS_KERNEL) !== 0;
  }

  get interruptsEnabled(): boolean {
    return (this.csr[CSR.status]! & STATUS_IE) !== 0;
  }

  get paging(): boolean {
    return (this.csr[CSR.status]! & STATUS_PG) !== 0;
  }

  /** Timer pending bit at guest time `time32`. */
  timerPending(time32: number): number {
    return timerPending(time32, this.csr[CSR.timecmp]!);
  }

  /**
   * Ticks the CPU may run before the next virtual timer interrupt could be taken, or 0 when
   * no timer interrupt can be taken (disabled, masked or already pending).
   */
  ticksUntilTimerInterrupt(time32: number): number {
    const csr = this.csr;
    if ((csr[CSR.imask]! & IRQ_TIMER) === 0 || (csr[CSR.status]! & STATUS_IE) === 0) return 0;
    return ticksUntilTimer(time32, csr[CSR.timecmp]!);
  }

  /** Points the CPU's MMU at the guest's page tables, checked against the virtual mode. */
  applyTranslation(cpu: Cpu): void {
    const status = this.csr[CSR.status]!;
    cpu.setTranslation((status & STATUS_PG) !== 0, this.csr[CSR.ptbr]!, (status & STATUS_KERNEL) !== 0);
  }

  /** Trap entry into the guest kernel: the architecture's rules on the virtual state. */
  enterTrap(cpu: Cpu, cause: number, value: number, epc: number): void {
    cpu.pc = enterTrap(this.csr, cause, value, epc);
    this.applyTranslation(cpu);
  }

  /** `sret`. */
  returnFromTrap(cpu: Cpu): void {
    cpu.pc = returnFromTrap(this.csr);
    this.applyTranslation(cpu);
  }

  save(): VCpuState {
    return { version: 1, csr: Array.from(this.csr) };
  }

  restore(state: VCpuState): void {
    if (state.version !== 1) throw new UserError(`vCPU state version ${state.version} is not supported`);
    if (state.csr.length !== CSR_COUNT) throw new UserError("vCPU state has the wrong number of control registers");
    this.csr.set(state.csr);
  }
}
