/**
 * The CPU interpreter. `run(budget)` executes up to `budget` ticks of guest time and returns
 * why it stopped, as a value: traps are never JS exceptions.
 *
 * Two ways to take a trap:
 * - bare (`hosted: false`): the CPU is the whole machine; exceptions and interrupts enter the
 *   kernel through CSR tvec, as the architecture says.
 * - hosted (`hosted: true`): the CPU runs deprivileged for a monitor (or the process VM).
 *   Privileged instructions and every exception stop `run` with EXIT_TRAP; the monitor
 *   emulates or reflects them. Interrupts are the monitor's to inject. Translation uses the
 *   context the monitor sets with `setTranslation` (the virtual CPU's paging, ptbr and mode).
 *
 * Guest time ("ticks") is retired instructions plus idle ticks spent in `wfi`. A run cut into
 * any slices of budget behaves exactly like one run: interrupts are taken at exact tick counts,
 * checked between slices of straight-line execution that end at the next timer deadline.
 */
import {
  CAUSE_BREAKPOINT,
  CAUSE_DIVIDE_BY_ZERO,
  CAUSE_ILLEGAL,
  CAUSE_MISALIGNED,
  CAUSE_PRIVILEGED,
  CAUSE_SYSCALL,
  CSR,
  CSR_COUNT,
  IRQ_TIMER,
  PAGE_SHIFT,
  REG_A0,
  REG_A1,
  REGISTER_COUNT,
  STATUS_IE,
  STATUS_KERNEL,
  STATUS_PG,
} from "../arch.js";
import { NO_PORTS, type PortBus } from "../devices/ports.js";
import { UserError } from "../errors.js";
import { Memory } from "../memory.js";
import { Op } from "../opcodes.js";
import { mulh } from "./arith.js";
import {
  csrWriteFlushesTlb,
  csrWriteValue,
  enterTrap,
  interruptCause,
  returnFromTrap,
  ticksUntilTimer,
  timerPending,
  wfiIdleTicks,
} from "./privileged.js";
import {
  ACCESS_FETCH,
  ACCESS_READ,
  ACCESS_WRITE,
  Mmu,
  TLB_MASK,
  XLATE_MISSING,
  type Access,
  type TlbEntry,
} from "./mmu.js";
import { EV_FAULT, EV_HALT, EV_MISSING, EV_NONE, EV_RESYNC, EV_WFI } from "./jit/block.js";
import { Jit, jitByDefault } from "./jit/jit.js";

export const EXIT_HALT = 0;
export const EXIT_BUDGET = 1;
/** Hosted only: an exception or privileged instruction; see trapCause, trapValue, pc. */
export const EXIT_TRAP = 2;
/**
 * Bare only: `wfi` with no interrupt that could ever wake it, or a trap loop (the trap
 * handler's first instruction faults again, so no instruction can ever retire).
 */
export const EXIT_IDLE = 3;
/** A page that has not arrived yet (post-copy); see missingPage. The instruction restarts. */
export const EXIT_PAGE_MISSING = 4;
export type ExitReason = 0 | 1 | 2 | 3 | 4;
/** Largest budget one run() accepts; larger ones are cut to it. */
export const MAX_BUDGET = 2 ** 52;
export const EXIT_NAMES = ["halt", "budget", "trap", "idle", "page-missing"] as const;

export interface CpuOptions {
  hosted?: boolean;
  ports?: PortBus;
  /**
   * Compile hot guest code into JavaScript functions (isa/cpu/jit). Same results, faster.
   * Default: on, unless the environment has TOYVMM_JIT=0.
   */
  jit?: boolean;
  /** Entries into a block start before it is compiled (default HOT_THRESHOLD); speed only. */
  jitThreshold?: number;
  /**
   * Whether that threshold doubles on a page with each region compiled there (default true;
   * jit.ts, PageRegions.need); off, every start that reaches it compiles. Speed only.
   */
  jitPageBackoff?: boolean;
}

export const CPU_STATE_VERSION = 2;

export interface CpuState {
  version: typeof CPU_STATE_VERSION;
  regs: number[];
  pc: number;
  csr: number[];
  ticks: number;
  idleTicks: number;
  halted: boolean;
  exitStatus: number;
  /** The TLB's valid entries (it is architectural state), in slot order. */
  tlb: TlbEntry[];
}

const SLICE_MAX = 0x40000000;
/**
 * Instructions one call of a compiled region may run. A region given a whole slice would run
 * it as one call, in code V8 optimized on stack (OSR), which runs branchy regions at a third of
 * the speed of the same function optimized for calls; calls of this many keep to the latter at
 * no measurable cost (one call per this many instructions).
 */
const REGION_CALL_MAX = 1 << 16;
/** A fetchKey no instruction's page matches: the next fetch takes the slow path. */
const NO_PAGE = -1;
const WORDS_PER_PAGE_SHIFT = PAGE_SHIFT - 2;

/** The machine the compiler trains new regions on (jit/train.ts). */
const scratchMachine = (size: number): Cpu => new Cpu(new Memory(size), { jit: false });

export class Cpu {
  readonly regs = new Int32Array(REGISTER_COUNT);
  /** Architectural control registers (bare). Hosted, the monitor's virtual CPU has its own. */
  readonly csr = new Int32Array(CSR_COUNT);
  pc = 0;
  /** Guest time: retired instructions plus idle ticks. */
  ticks = 0;
  idleTicks = 0;
  halted = false;
  /** a0 at `halt`. */
  exitStatus = 0;
  /** Last trap: cause and fault value (address, or instruction word for illegal/privileged). */
  trapCause = 0;
  trapValue = 0;
  /** Page that stopped the CPU with EXIT_PAGE_MISSING. */
  missingPage = -1;
  /** Bare: told of each exception just before its entry (a debugger's probe); null when none listens. */
  onException: ((cause: number, value: number, epc: number) => void) | null = null;

  readonly hosted: boolean;
  readonly mmu: Mmu;
  ports: PortBus;
  /** The block compiler, or null when the interpreter runs everything. */
  readonly jit: Jit | null;
  /** Set by a compiled region on return: where to continue. */
  jitPc = 0;

  constructor(
    readonly memory: Memory,
    options: CpuOptions = {},
  ) {
    this.hosted = options.hosted ?? false;
    this.ports = options.ports ?? NO_PORTS;
    this.mmu = new Mmu(memory);
    this.jit = (options.jit ?? jitByDefault()) ? new Jit(memory, this.mmu, scratchMachine, options.jitThreshold, options.jitPageBackoff) : null;
    this.reset(0, 0, 0);
  }

  /** Reset state: kernel mode, paging off, every register 0 but pc, a0 and a1. */
  reset(entry: number, a0: number, a1: number): void {
    this.regs.fill(0);
    this.csr.fill(0);
    this.csr[CSR.status] = STATUS_KERNEL;
    this.regs[REG_A0] = a0;
    this.regs[REG_A1] = a1;
    this.pc = entry | 0;
    this.ticks = 0;
    this.idleTicks = 0;
    this.halted = false;
    this.exitStatus = 0;
    this.syncTranslation();
    this.mmu.flush();
  }

  /** Hosted: the translation context of the virtual CPU (paging, page directory, mode). */
  setTranslation(paging: boolean, ptbr: number, kernel: boolean): void {
    this.mmu.configure(paging, ptbr, kernel);
  }

  /** Guest time as the architecture shows it (CSR time). */
  time32(): number {
    return (this.ticks % 0x100000000) | 0;
  }

  /** Bare: pending interrupt sources (CSR ipend). */
  pendingInterrupts(): number {
    return timerPending(this.time32(), this.csr[CSR.timecmp]!) | this.ports.pending();
  }

  /**
   * The CPU's state. `tlb: false` leaves the TLB's entries out, for a CPU that never pages (a
   * process): with paging off they are identity translations that a change of paging empties,
   * a cache the guest cannot observe, and they made nearly all of a process's state.
   */
  save({ tlb = true }: { tlb?: boolean } = {}): CpuState {
    return {
      version: CPU_STATE_VERSION,
      regs: Array.from(this.regs),
      pc: this.pc,
      csr: Array.from(this.csr),
      ticks: this.ticks,
      idleTicks: this.idleTicks,
      halted: this.halted,
      exitStatus: this.exitStatus,
      tlb: tlb ? this.mmu.entries() : [],
    };
  }

  /** Hosted, the monitor sets the translation context itself (setTranslation). */
  restore(state: CpuState): void {
    if (state.version !== CPU_STATE_VERSION) {
      throw new UserError(`CPU state version ${state.version} is not supported (expected ${CPU_STATE_VERSION})`);
    }
    if (state.regs.length !== REGISTER_COUNT || state.csr.length !== CSR_COUNT) {
      throw new UserError("CPU state has the wrong number of registers");
    }
    this.mmu.load(state.tlb);
    this.regs.set(state.regs);
    this.regs[0] = 0;
    this.csr.set(state.csr);
    this.pc = state.pc | 0;
    this.ticks = state.ticks;
    this.idleTicks = state.idleTicks;
    this.halted = state.halted;
    this.exitStatus = state.exitStatus;
    this.syncTranslation();
  }

  /** Bare: derive the MMU context from STATUS and PTBR. */
  private syncTranslation(): void {
    if (this.hosted) return;
    const status = this.csr[CSR.status]!;
    this.mmu.configure((status & STATUS_PG) !== 0, this.csr[CSR.ptbr]!, (status & STATUS_KERNEL) !== 0);
  }

  /** Bare: enter the kernel through tvec. */
  private enterTrap(cause: number, value: number, epc: number): void {
    this.pc = enterTrap(this.csr, cause, value, epc);
    this.syncTranslation();
  }

  /** Bare: `sret`. */
  private returnFromTrap(): void {
    this.pc = returnFromTrap(this.csr);
    this.syncTranslation();
  }

  /** Bare `csrw`; false when the register does not exist or is read-only. */
  private writeCsr(index: number, value: number): boolean {
    const stored = csrWriteValue(index, value, this.ports.sources);
    if (stored === undefined) return false;
    const old = this.csr[index]!;
    this.csr[index] = stored;
    if (csrWriteFlushesTlb(index, old, stored)) this.mmu.flush();
    if (index === CSR.status || index === CSR.ptbr) this.syncTranslation();
    return true;
  }

  /** Bare `csrr` at guest time `time32`; undefined when there is no such register. */
  private readCsr(index: number, time32: number): number | undefined {
    if (index === CSR.time) return time32;
    if (index === CSR.ipend) return timerPending(time32, this.csr[CSR.timecmp]!) | this.ports.pending();
    return index < CSR_COUNT ? this.csr[index] : undefined;
  }

  /**
   * Slow path of a data access: alignment, then translation. Returns pa, or -1 (see fault), or
   * -2 (missing page). Public for compiled blocks, which call it on a TLB miss.
   */
  access(va: number, size: number, access: Access): number {
    if ((va & (size - 1)) !== 0) {
      this.trapCause = CAUSE_MISALIGNED;
      this.trapValue = va;
      return -1;
    }
    return this.translated(va, access);
  }

  translated(va: number, access: Access): number {
    const pa = this.mmu.translate(va, access);
    if (pa >= 0) return pa;
    if (pa === XLATE_MISSING) {
      this.missingPage = this.mmu.missingPage;
      this.trapCause = 0;
      return -2;
    }
    this.trapCause = this.mmu.faultCause;
    this.trapValue = this.mmu.faultAddress;
    return -1;
  }

  /**
   * Runs for at most `budget` ticks. Returns EXIT_BUDGET when they are spent, or earlier with
   * the reason the guest stopped.
   */
  run(budget: number): ExitReason {
    if (this.halted) return EXIT_HALT;
    const hosted = this.hosted;
    const csr = this.csr;
    // NaN, negative and fractional budgets would corrupt `ticks`; cap at a count a double keeps exact.
    let left = budget > 0 ? Math.floor(Math.min(budget, MAX_BUDGET)) : 0;
    // Set after an exception entry; a second exception before any instruction retires means
    // the handler's first instruction faults too: a trap loop that can never make progress.
    let trapEntered = false;

    for (;;) {
      if (!hosted && (csr[CSR.status]! & STATUS_IE) !== 0) {
        const pending = this.pendingInterrupts() & csr[CSR.imask]!;
        if (pending !== 0) this.enterTrap(interruptCause(pending), 0, this.pc);
      }
      if (left <= 0) return EXIT_BUDGET;

      // At most 2^30 per slice, so the interpreter's countdown stays a small integer.
      let slice = left < SLICE_MAX ? left : SLICE_MAX;
      if (!hosted && (csr[CSR.imask]! & IRQ_TIMER) !== 0 && (csr[CSR.status]! & STATUS_IE) !== 0) {
        const untilTimer = ticksUntilTimer(this.time32(), csr[CSR.timecmp]!);
        if (untilTimer > 0 && untilTimer < slice) slice = untilTimer;
      }

      const event = this.execute(slice);
      left -= this.lastRetired;
      const wedged = trapEntered && this.lastRetired === 0;
      trapEntered = false;

      switch (event) {
        case EV_NONE:
        case EV_RESYNC:
          continue;
        case EV_FAULT:
          if (hosted) return EXIT_TRAP;
          if (this.onException !== null) this.onException(this.trapCause, this.trapValue, this.pc);
          this.enterTrap(this.trapCause, this.trapValue, this.pc);
          // After this second entry the state is a fixed point: every later entry repeats it.
          if (wedged) return EXIT_IDLE;
          trapEntered = true;
          continue;
        case EV_HALT:
          return EXIT_HALT;
        case EV_MISSING:
          return EXIT_PAGE_MISSING;
        case EV_WFI: {
          const wakers = this.ports.wakers?.() ?? 0;
          const idle = wfiIdleTicks(this.pendingInterrupts(), csr[CSR.imask]!, this.time32(), csr[CSR.timecmp]!, left, wakers);
          if (idle < 0) return EXIT_IDLE;
          this.ticks += idle;
          this.idleTicks += idle;
          left -= idle;
          if (left > 0) {
            this.pc = (this.pc + 4) | 0;
            this.ticks += 1;
            left -= 1;
          }
          continue;
        }
      }
    }
  }

  /** Instructions retired by the last execute(). */
  private lastRetired = 0;

  /**
   * Straight-line execution of up to `count` instructions; stops early at any event that
   * changes privileged state. Sets lastRetired and this.pc; returns the event.
   */
  private execute(count: number): number {
    const regs = this.regs;
    const memory = this.memory;
    const words = memory.words;
    const bytes = memory.bytes;
    const sbytes = memory.sbytes;
    const halves = memory.halves;
    const uhalves = memory.uhalves;
    const dirty = memory.dirty;
    const mmu = this.mmu;
    const readTag = mmu.readTag;
    const writeTag = mmu.writeTag;
    const frame = mmu.frame;
    const k = mmu.kernel ? 1 : 0;
    const privileged = !this.hosted && (this.csr[CSR.status]! & STATUS_KERNEL) !== 0;

    // The loop runs on `at`, the physical word index of the instruction, so a fetch is one
    // load. Its virtual pc, anchorVa + 4 * (at - anchorWord), is worked out only where it is
    // needed: a link register, the fetch's slow path, the end.
    let at = 0;
    let anchorVa = this.pc | 0;
    let anchorWord = 0;
    let n = count | 0;
    let event = EV_NONE;
    let fetchPage = -1; // virtual page base of the cached fetch translation; -1 = none
    let fetchBase = 0; // its physical word index
    let w = 0;
    const jit = this.jit;
    // The physical page `at` may run in without the slow path: fetchBase's, or NO_PAGE after a
    // jump the compiler may have code for, a jalr, or a data access that took the fetch's TLB
    // slot. One compare per instruction serves them all.
    let fetchKey = NO_PAGE;

    stop: {
      while (n > 0) {
        // Fetch: the cached page serves while `at` stays inside it and its TLB entry stays.
        if (at >>> WORDS_PER_PAGE_SHIFT !== fetchKey) {
          const pc = (anchorVa + ((at - anchorWord) << 2)) | 0;
          if ((pc & 0xfffff003) !== fetchPage) {
            if ((pc & 3) !== 0) {
              this.trapCause = CAUSE_MISALIGNED;
              this.trapValue = pc;
              event = EV_FAULT;
              break stop; // not `break`: that would end the slice as if it had run
            }
            const vpn = pc >>> PAGE_SHIFT;
            const slot = vpn & TLB_MASK;
            let pa: number;
            if (readTag[slot] === ((vpn << 1) | k)) pa = frame[slot]!;
            else if ((pa = this.translated(pc, ACCESS_FETCH)) < 0) {
              event = pa === -1 ? EV_FAULT : EV_MISSING;
              break stop;
            }
            fetchPage = pc & ~0xfff;
            fetchBase = (pa & ~0xfff) >>> 2;
          }
          anchorVa = fetchPage;
          anchorWord = fetchBase;
          at = fetchBase + ((pc & 0xfff) >>> 2);
          fetchKey = fetchBase >>> WORDS_PER_PAGE_SHIFT;
          if (jit !== null) {
            const block = jit.find(at << 2);
            if (block !== null) {
              const done = block(this, regs, pc, n < REGION_CALL_MAX ? n : REGION_CALL_MAX, k);
              if (done !== 0) {
                n -= done;
                anchorVa = this.jitPc;
                anchorWord = at;
                fetchKey = NO_PAGE;
                continue;
              }
            }
          }
        }
        w = words[at]!;
        n--;
        regs[0] = 0;

        // The block compiler's twin of this switch is isa/cpu/jit/semantics.ts: change both.
        switch (w & 0xff) {
          // ---- ALU, register-register. Unused bits 20..31 must be zero.
          case Op.ADD:
            if (w >>> 20) break stop;
            regs[(w >>> 8) & 15] = (regs[(w >>> 12) & 15]! + regs[(w >>> 16) & 15]!) | 0;
            break;
          case Op.SUB:
            if (w >>> 20) break stop;
            regs[(w >>> 8) & 15] = (regs[(w >>> 12) & 15]! - regs[(w >>> 16) & 15]!) | 0;
            break;
          case Op.AND:
            if (w >>> 20) break stop;
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! & regs[(w >>> 16) & 15]!;
            break;
          case Op.OR:
            if (w >>> 20) break stop;
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! | regs[(w >>> 16) & 15]!;
            break;
          case Op.XOR:
            if (w >>> 20) break stop;
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! ^ regs[(w >>> 16) & 15]!;
            break;
          case Op.SHL:
            if (w >>> 20) break stop;
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! << (regs[(w >>> 16) & 15]! & 31);
            break;
          case Op.SHR:
            if (w >>> 20) break stop;
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! >>> (regs[(w >>> 16) & 15]! & 31);
            break;
          case Op.SAR:
            if (w >>> 20) break stop;
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! >> (regs[(w >>> 16) & 15]! & 31);
            break;
          case Op.SLT:
            if (w >>> 20) break stop;
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! < regs[(w >>> 16) & 15]! ? 1 : 0;
            break;
          case Op.SLTU:
            if (w >>> 20) break stop;
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! >>> 0 < regs[(w >>> 16) & 15]! >>> 0 ? 1 : 0;
            break;
          case Op.MUL:
            if (w >>> 20) break stop;
            regs[(w >>> 8) & 15] = Math.imul(regs[(w >>> 12) & 15]!, regs[(w >>> 16) & 15]!);
            break;
          case Op.MULH:
            if (w >>> 20) break stop;
            regs[(w >>> 8) & 15] = mulh(regs[(w >>> 12) & 15]!, regs[(w >>> 16) & 15]!);
            break;
          case Op.DIV:
          case Op.DIVU:
          case Op.REM:
          case Op.REMU: {
            if (w >>> 20) break stop;
            const x = regs[(w >>> 12) & 15]!;
            const y = regs[(w >>> 16) & 15]!;
            if (y === 0) {
              this.trapCause = CAUSE_DIVIDE_BY_ZERO;
              this.trapValue = 0;
              event = EV_FAULT;
              n++;
              break stop;
            }
            const op = w & 0xff;
            regs[(w >>> 8) & 15] =
              op === Op.DIV
                ? (x / y) | 0
                : op === Op.DIVU
                  ? ((x >>> 0) / (y >>> 0)) | 0
                  : op === Op.REM
                    ? (x % y) | 0
                    : ((x >>> 0) % (y >>> 0)) | 0;
            break;
          }

          // ---- ALU, register-immediate.
          case Op.ADDI:
            regs[(w >>> 8) & 15] = (regs[(w >>> 12) & 15]! + (w >> 16)) | 0;
            break;
          case Op.ANDI:
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! & (w >>> 16);
            break;
          case Op.ORI:
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! | (w >>> 16);
            break;
          case Op.XORI:
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! ^ (w >>> 16);
            break;
          case Op.SHLI:
            if (w >>> 21) break stop;
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! << (w >>> 16);
            break;
          case Op.SHRI:
            if (w >>> 21) break stop;
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! >>> (w >>> 16);
            break;
          case Op.SARI:
            if (w >>> 21) break stop;
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! >> (w >>> 16);
            break;
          case Op.SLTI:
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! < w >> 16 ? 1 : 0;
            break;
          case Op.SLTIU:
            regs[(w >>> 8) & 15] = regs[(w >>> 12) & 15]! >>> 0 < (w >> 16) >>> 0 ? 1 : 0;
            break;
          case Op.LUI:
            if (w & 0xf000) break stop;
            regs[(w >>> 8) & 15] = w & 0xffff0000;
            break;

          // ---- Loads: TLB hit inline, everything else in access().
          case Op.LW: {
            const va = (regs[(w >>> 12) & 15]! + (w >> 16)) | 0;
            const vpn = va >>> PAGE_SHIFT;
            const slot = vpn & TLB_MASK;
            let pa: number;
            if (readTag[slot] === ((vpn << 1) | k) && (va & 3) === 0) pa = frame[slot]! | (va & 0xfff);
            else if ((pa = this.access(va, 4, ACCESS_READ)) < 0) {
              event = pa === -1 ? EV_FAULT : EV_MISSING;
              n++;
              break stop;
            } else if (slot === ((fetchPage >>> PAGE_SHIFT) & TLB_MASK)) {
              fetchPage = -1;
              fetchKey = NO_PAGE;
            }
            regs[(w >>> 8) & 15] = words[pa >>> 2]!;
            break;
          }
          case Op.LH:
          case Op.LHU: {
            const va = (regs[(w >>> 12) & 15]! + (w >> 16)) | 0;
            const vpn = va >>> PAGE_SHIFT;
            const slot = vpn & TLB_MASK;
            let pa: number;
            if (readTag[slot] === ((vpn << 1) | k) && (va & 1) === 0) pa = frame[slot]! | (va & 0xfff);
            else if ((pa = this.access(va, 2, ACCESS_READ)) < 0) {
              event = pa === -1 ? EV_FAULT : EV_MISSING;
              n++;
              break stop;
            } else if (slot === ((fetchPage >>> PAGE_SHIFT) & TLB_MASK)) {
              fetchPage = -1;
              fetchKey = NO_PAGE;
            }
            regs[(w >>> 8) & 15] = (w & 0xff) === Op.LH ? halves[pa >>> 1]! : uhalves[pa >>> 1]!;
            break;
          }
          case Op.LB:
          case Op.LBU: {
            const va = (regs[(w >>> 12) & 15]! + (w >> 16)) | 0;
            const vpn = va >>> PAGE_SHIFT;
            const slot = vpn & TLB_MASK;
            let pa: number;
            if (readTag[slot] === ((vpn << 1) | k)) pa = frame[slot]! | (va & 0xfff);
            else if ((pa = this.access(va, 1, ACCESS_READ)) < 0) {
              event = pa === -1 ? EV_FAULT : EV_MISSING;
              n++;
              break stop;
            } else if (slot === ((fetchPage >>> PAGE_SHIFT) & TLB_MASK)) {
              fetchPage = -1;
              fetchKey = NO_PAGE;
            }
            regs[(w >>> 8) & 15] = (w & 0xff) === Op.LB ? sbytes[pa]! : bytes[pa]!;
            break;
          }

          // ---- Stores: also mark the physical page dirty for live migration.
          case Op.SW: {
            const va = (regs[(w >>> 12) & 15]! + (w >> 16)) | 0;
            const vpn = va >>> PAGE_SHIFT;
            const slot = vpn & TLB_MASK;
            let pa: number;
            if (writeTag[slot] === ((vpn << 1) | k) && (va & 3) === 0) pa = frame[slot]! | (va & 0xfff);
            else if ((pa = this.access(va, 4, ACCESS_WRITE)) < 0) {
              event = pa === -1 ? EV_FAULT : EV_MISSING;
              n++;
              break stop;
            } else if (slot === ((fetchPage >>> PAGE_SHIFT) & TLB_MASK)) {
              fetchPage = -1;
              fetchKey = NO_PAGE;
            }
            words[pa >>> 2] = regs[(w >>> 8) & 15]!;
            dirty[pa >>> PAGE_SHIFT] = 1;
            break;
          }
          case Op.SH: {
            const va = (regs[(w >>> 12) & 15]! + (w >> 16)) | 0;
            const vpn = va >>> PAGE_SHIFT;
            const slot = vpn & TLB_MASK;
            let pa: number;
            if (writeTag[slot] === ((vpn << 1) | k) && (va & 1) === 0) pa = frame[slot]! | (va & 0xfff);
            else if ((pa = this.access(va, 2, ACCESS_WRITE)) < 0) {
              event = pa === -1 ? EV_FAULT : EV_MISSING;
              n++;
              break stop;
            } else if (slot === ((fetchPage >>> PAGE_SHIFT) & TLB_MASK)) {
              fetchPage = -1;
              fetchKey = NO_PAGE;
            }
            halves[pa >>> 1] = regs[(w >>> 8) & 15]!;
            dirty[pa >>> PAGE_SHIFT] = 1;
            break;
          }
          case Op.SB: {
            const va = (regs[(w >>> 12) & 15]! + (w >> 16)) | 0;
            const vpn = va >>> PAGE_SHIFT;
            const slot = vpn & TLB_MASK;
            let pa: number;
            if (writeTag[slot] === ((vpn << 1) | k)) pa = frame[slot]! | (va & 0xfff);
            else if ((pa = this.access(va, 1, ACCESS_WRITE)) < 0) {
              event = pa === -1 ? EV_FAULT : EV_MISSING;
              n++;
              break stop;
            } else if (slot === ((fetchPage >>> PAGE_SHIFT) & TLB_MASK)) {
              fetchPage = -1;
              fetchKey = NO_PAGE;
            }
            bytes[pa] = regs[(w >>> 8) & 15]!;
            dirty[pa >>> PAGE_SHIFT] = 1;
            break;
          }

          // ---- Control transfer. pc-relative offsets are in words from this instruction.
          case Op.BEQ:
            if (regs[(w >>> 8) & 15] === regs[(w >>> 12) & 15]) {
              at += w >> 16;
              if (jit !== null) fetchKey = NO_PAGE;
              continue;
            }
            break;
          case Op.BNE:
            if (regs[(w >>> 8) & 15] !== regs[(w >>> 12) & 15]) {
              at += w >> 16;
              if (jit !== null) fetchKey = NO_PAGE;
              continue;
            }
            break;
          case Op.BLT:
            if (regs[(w >>> 8) & 15]! < regs[(w >>> 12) & 15]!) {
              at += w >> 16;
              if (jit !== null) fetchKey = NO_PAGE;
              continue;
            }
            break;
          case Op.BGE:
            if (regs[(w >>> 8) & 15]! >= regs[(w >>> 12) & 15]!) {
              at += w >> 16;
              if (jit !== null) fetchKey = NO_PAGE;
              continue;
            }
            break;
          case Op.BLTU:
            if (regs[(w >>> 8) & 15]! >>> 0 < regs[(w >>> 12) & 15]! >>> 0) {
              at += w >> 16;
              if (jit !== null) fetchKey = NO_PAGE;
              continue;
            }
            break;
          case Op.BGEU:
            if (regs[(w >>> 8) & 15]! >>> 0 >= regs[(w >>> 12) & 15]! >>> 0) {
              at += w >> 16;
              if (jit !== null) fetchKey = NO_PAGE;
              continue;
            }
            break;
          case Op.JAL:
            regs[(w >>> 8) & 15] = (anchorVa + ((at - anchorWord) << 2) + 4) | 0;
            at += w >> 12;
            if (jit !== null) fetchKey = NO_PAGE;
            continue;
          case Op.JALR: {
            const target = (regs[(w >>> 12) & 15]! + (w >> 16)) | 0;
            if ((target & 3) !== 0) {
              // Trap at the jump (epc = jalr, rd unchanged), like a misaligned load.
              this.trapCause = CAUSE_MISALIGNED;
              this.trapValue = target;
              event = EV_FAULT;
              n++;
              break stop;
            }
            regs[(w >>> 8) & 15] = (anchorVa + ((at - anchorWord) << 2) + 4) | 0;
            anchorVa = target;
            anchorWord = at;
            fetchKey = NO_PAGE;
            continue;
          }

          // ---- System.
          case Op.SYS:
          case Op.BRK:
            if (w >>> 8) break stop;
            this.trapCause = (w & 0xff) === Op.SYS ? CAUSE_SYSCALL : CAUSE_BREAKPOINT;
            this.trapValue = 0;
            event = EV_FAULT;
            n++;
            break stop;

          case Op.HALT:
          case Op.WFI:
          case Op.SRET:
          case Op.TLBFLUSH:
          case Op.CSRR:
          case Op.CSRW:
          case Op.IN:
          case Op.OUT: {
            event = this.system(w, privileged, count - n);
            if (event === EV_NONE) break;
            if (event !== EV_HALT && event !== EV_RESYNC) n++;
            if (event === EV_RESYNC) {
              // sret and trap-like changes set this.pc themselves; others continue after pc.
              if ((w & 0xff) !== Op.SRET) this.pc = (anchorVa + ((at - anchorWord) << 2) + 4) | 0;
              this.lastRetired = count - n;
              this.ticks += this.lastRetired;
              return event;
            }
            if (event === EV_HALT) at++;
            break stop;
          }

          default:
            break stop;
        }
        at++;
      }
      // The slice ran to its end. r0 may hold a value written by its last instruction.
      regs[0] = 0;
      this.pc = (anchorVa + ((at - anchorWord) << 2)) | 0;
      this.lastRetired = count;
      this.ticks += count;
      return EV_NONE;
    }

    // Stopped early. With no event set, the word was illegal (unassigned opcode or unused bits set).
    if (event === EV_NONE) {
      this.trapCause = CAUSE_ILLEGAL;
      this.trapValue = w;
      event = EV_FAULT;
      n++;
    }
    regs[0] = 0;
    this.pc = (anchorVa + ((at - anchorWord) << 2)) | 0;
    this.lastRetired = count - n;
    this.ticks += this.lastRetired;
    return event;
  }

  /**
   * The privileged instructions, off the hot path. `retired` counts instructions already
   * retired in this slice (for CSR time). Returns the event; sets pc for sret.
   */
  private system(w: number, privileged: boolean, retired: number): number {
    const op = w & 0xff;
    const unused = op === Op.CSRR || op === Op.IN ? w & 0xf000 : op === Op.CSRW || op === Op.OUT ? w & 0xf00 : w >>> 8;
    if (unused !== 0) return this.fault(CAUSE_ILLEGAL, w);
    if (!privileged) return this.fault(CAUSE_PRIVILEGED, w);
    const regs = this.regs;
    switch (op) {
      case Op.HALT:
        this.halted = true;
        this.exitStatus = regs[REG_A0]!;
        return EV_HALT;
      case Op.WFI:
        return EV_WFI;
      case Op.SRET:
        this.returnFromTrap();
        return EV_RESYNC;
      case Op.TLBFLUSH:
        this.mmu.flush();
        return EV_RESYNC;
      case Op.CSRR: {
        const index = w >>> 16;
        // Time counts the instructions retired before this one; ipend's timer bit follows it.
        const value = this.readCsr(index, ((this.ticks + retired - 1) % 0x100000000) | 0);
        if (value === undefined) return this.fault(CAUSE_ILLEGAL, w);
        regs[(w >>> 8) & 15] = value;
        regs[0] = 0;
        return EV_NONE;
      }
      case Op.CSRW:
        if (!this.writeCsr(w >>> 16, regs[(w >>> 12) & 15]!)) return this.fault(CAUSE_ILLEGAL, w);
        return EV_RESYNC;
      case Op.IN:
        regs[(w >>> 8) & 15] = this.ports.read(w >>> 16);
        regs[0] = 0;
        return EV_RESYNC;
      case Op.OUT:
        // A device that stamps what it does (the NIC's frames) gets the time before this instruction.
        return this.ports.write(w >>> 16, regs[(w >>> 12) & 15]!, this.ticks + retired - 1) === true ? EV_RESYNC : EV_NONE;
    }
    return this.fault(CAUSE_ILLEGAL, w);
  }

  private fault(cause: number, value: number): number {
    this.trapCause = cause;
    this.trapValue = value;
    return EV_FAULT;
  }
}
