/**
 * Per-machine counters. Kept as plain numbers and typed arrays indexed by opcode or cause so
 * that counting costs nothing on the monitor's paths; `snapshot()` turns them into JSON.
 *
 * Invariant: ticks = direct + emulated + idleTicks (every tick of guest time is one of these).
 */
import { CAUSE_CONSOLE, CAUSE_NET, CAUSE_TIMER, causeName } from "../../isa/arch.js";
import { BY_OPCODE } from "../../isa/table.js";

/** Exception causes are small numbers; interrupts are counted apart. */
const CAUSE_SLOTS = 32;

export interface StatsSnapshot {
  /** Guest time: every tick below. */
  ticks: number;
  /** Instructions the CPU retired directly (deprivileged, at full speed). */
  direct: number;
  /** Instructions the monitor emulated (privileged instructions of the guest kernel). */
  emulated: number;
  idleTicks: number;
  /** Traps from the CPU to the monitor, by cause name. */
  traps: Record<string, number>;
  /** Exceptions delivered to the guest kernel, by cause name. */
  reflected: Record<string, number>;
  /** Emulated instructions by mnemonic. */
  emulatedByMnemonic: Record<string, number>;
  /** Virtual interrupts delivered, by kind. */
  interrupts: Record<string, number>;
  /** direct / (direct + emulated); 1 when nothing retired. */
  directShare: number;
}

export class VmStats {
  direct = 0;
  emulated = 0;
  idleTicks = 0;
  timerInterrupts = 0;
  consoleInterrupts = 0;
  netInterrupts = 0;
  readonly traps = new Float64Array(CAUSE_SLOTS);
  readonly reflected = new Float64Array(CAUSE_SLOTS);
  readonly emulatedByOpcode = new Float64Array(256);

  get ticks(): number {
    return this.direct + this.emulated + this.idleTicks;
  }

  countTrap(cause: number): void {
    this.traps[cause & (CAUSE_SLOTS - 1)]! += 1;
  }

  countReflected(cause: number): void {
    if (cause === CAUSE_TIMER) this.timerInterrupts++;
    else if (cause === CAUSE_CONSOLE) this.consoleInterrupts++;
    else if (cause === CAUSE_NET) this.netInterrupts++;
    else this.reflected[cause & (CAUSE_SLOTS - 1)]! += 1;
  }

  countEmulated(word: number): void {
    this.emulated++;
    this.emulatedByOpcode[word & 0xff]! += 1;
  }

  snapshot(): StatsSnapshot {
    const retired = this.direct + this.emulated;
    const interrupts: Record<string, number> = {};
    if (this.timerInterrupts) interrupts[causeName(CAUSE_TIMER)] = this.timerInterrupts;
    if (this.consoleInterrupts) interrupts[causeName(CAUSE_CONSOLE)] = this.consoleInterrupts;
    if (this.netInterrupts) interrupts[causeName(CAUSE_NET)] = this.netInterrupts;
    return {
      ticks: this.ticks,
      direct: this.direct,
      emulated: this.emulated,
      idleTicks: this.idleTicks,
      traps: byCause(this.traps),
      reflected: byCause(this.reflected),
      emulatedByMnemonic: byMnemonic(this.emulatedByOpcode),
      interrupts,
      directShare: retired === 0 ? 1 : this.direct / retired,
    };
  }

  restore(s: StatsSnapshot): void {
    this.direct = s.direct;
    this.emulated = s.emulated;
    this.idleTicks = s.idleTicks;
    this.timerInterrupts = s.interrupts[causeName(CAUSE_TIMER)] ?? 0;
    this.consoleInterrupts = s.interrupts[causeName(CAUSE_CONSOLE)] ?? 0;
    this.netInterrupts = s.interrupts[causeName(CAUSE_NET)] ?? 0;
    fillByCause(this.traps, s.traps);
    fillByCause(this.reflected, s.reflected);
    this.emulatedByOpcode.fill(0);
    for (const def of BY_OPCODE) if (def) this.emulatedByOpcode[def.opcode] = s.emulatedByMnemonic[def.mnemonic] ?? 0;
  }
}

function byCause(counts: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  counts.forEach((n, cause) => {
    if (n) out[causeName(cause)] = n;
  });
  return out;
}

function fillByCause(counts: Float64Array, named: Record<string, number>): void {
  counts.fill(0);
  for (let cause = 0; cause < CAUSE_SLOTS; cause++) counts[cause] = named[causeName(cause)] ?? 0;
}

function byMnemonic(counts: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  counts.forEach((n, opcode) => {
    if (n) out[BY_OPCODE[opcode]?.mnemonic ?? `op-${opcode}`] = n;
  });
  return out;
}
