/**
 * What a restored CPU may be given (`CpuState`, from `Cpu.save()`): every register a 32-bit
 * integer and all of them there, time a whole number of ticks with the idle ones among them.
 * Whether the pc must lie inside memory depends on the machine around the CPU (is paging on?),
 * so the machines' schemas check that; likewise each TLB entry's frame (Mmu.load checks it).
 */
import { CSR_COUNT, PAGE_SHIFT, REGISTER_COUNT } from "../arch.js";
import { fixed, flag, int32, record, version, wholeNumber, z } from "../schema.js";
import { CPU_STATE_VERSION, type CpuState } from "./cpu.js";
import { isBelow, TLB_KERNEL, TLB_MASK, TLB_SIZE, TLB_WRITE, type TlbEntry } from "./mmu.js";

const PAGE_NUMBER_MAX = 2 ** (32 - PAGE_SHIFT) - 1;
const FLAGS_MAX = TLB_KERNEL | TLB_WRITE;
const PAGE_NUMBER = `expected a whole number from 0 to ${PAGE_NUMBER_MAX}`;
const FLAGS = `expected a whole number from 0 to ${FLAGS_MAX}`;

/**
 * Why an entry is not [virtual page, frame, flags] (as Mmu.entries() gives it): the index of the
 * bad item with its problem, or the entry's own problem at index -1; null when it is one.
 */
function entryProblem(entry: unknown): [number, string] | null {
  if (!Array.isArray(entry) || entry.length !== 3) return [-1, "expected [page, frame, flags]"];
  if (!isBelow(entry[0], PAGE_NUMBER_MAX + 1)) return [0, PAGE_NUMBER];
  if (!isBelow(entry[1], PAGE_NUMBER_MAX + 1)) return [1, PAGE_NUMBER];
  if (!isBelow(entry[2], FLAGS_MAX + 1)) return [2, FLAGS];
  return null;
}

/**
 * The TLB's entries, checked in one plain loop with the words and places zod's list of tuples
 * of whole numbers gave: those cost 10–20 ms for the 1024 entries of a full TLB, most of the
 * time a destination spent checking an arrived CPU state.
 */
const TLB_LIST = `expected a list of at most ${TLB_SIZE} TLB entries`;
const tlbEntries = z.unknown().superRefine((entries, ctx) => {
  // Fatal, as zod's own issues are: the state's refinement below sees only well-formed entries.
  if (!Array.isArray(entries) || entries.length > TLB_SIZE) return ctx.addIssue({ code: "custom", message: TLB_LIST, continue: false });
  for (let i = 0; i < entries.length; i++) {
    const problem = entryProblem(entries[i]);
    if (!problem) continue;
    const [item, message] = problem;
    return ctx.addIssue({ code: "custom", path: item < 0 ? [i] : [i, item], message, continue: false });
  }
}) as unknown as z.ZodType<TlbEntry[]>;

export const cpuStateSchema = record({
  version: version(CPU_STATE_VERSION),
  regs: fixed(int32, REGISTER_COUNT, "registers"),
  pc: int32,
  csr: fixed(int32, CSR_COUNT, "control registers"),
  ticks: wholeNumber(),
  idleTicks: wholeNumber(),
  halted: flag,
  exitStatus: int32,
  tlb: tlbEntries,
}).superRefine((cpu, ctx) => {
  if (cpu.idleTicks > cpu.ticks) ctx.addIssue({ code: "custom", path: ["idleTicks"], message: `expected at most the ${cpu.ticks} ticks` });
  const taken = new Uint8Array(TLB_SIZE);
  for (let i = 0; i < cpu.tlb.length; i++) {
    const slot = cpu.tlb[i]![0] & TLB_MASK;
    if (taken[slot]) ctx.addIssue({ code: "custom", path: ["tlb", i], message: "expected one entry per TLB slot" });
    taken[slot] = 1;
  }
}) satisfies z.ZodType<CpuState>;
