/**
 * What a restored CPU may be given (`CpuState`, from `Cpu.save()`): every register a 32-bit
 * integer and all of them there, time a whole number of ticks with the idle ones among them.
 * Whether the pc must lie inside memory depends on the machine around the CPU (is paging on?),
 * so the machines' schemas check that; likewise each TLB entry's frame (Mmu.load checks it).
 */
import { CSR_COUNT, PAGE_SHIFT, REGISTER_COUNT } from "../arch.js";
import { fixed, flag, int32, list, record, version, wholeNumber, z } from "../schema.js";
import { CPU_STATE_VERSION, type CpuState } from "./cpu.js";
import { TLB_KERNEL, TLB_MASK, TLB_SIZE, TLB_WRITE } from "./mmu.js";

const PAGE_NUMBER_MAX = 2 ** (32 - PAGE_SHIFT) - 1;

/** [virtual page, frame, flags], as Mmu.entries() gives it. */
const pageNumber = wholeNumber(0, PAGE_NUMBER_MAX);
const tlbEntry = z.tuple([pageNumber, pageNumber, wholeNumber(0, TLB_KERNEL | TLB_WRITE)], {
  error: "expected [page, frame, flags]",
});

export const cpuStateSchema = record({
  version: version(CPU_STATE_VERSION),
  regs: fixed(int32, REGISTER_COUNT, "registers"),
  pc: int32,
  csr: fixed(int32, CSR_COUNT, "control registers"),
  ticks: wholeNumber(),
  idleTicks: wholeNumber(),
  halted: flag,
  exitStatus: int32,
  tlb: list(tlbEntry, TLB_SIZE, "TLB entries"),
}).superRefine((cpu, ctx) => {
  if (cpu.idleTicks > cpu.ticks) ctx.addIssue({ code: "custom", path: ["idleTicks"], message: `expected at most the ${cpu.ticks} ticks` });
  const slots = new Set<number>();
  cpu.tlb.forEach(([page], i) => {
    const message = "expected one entry per TLB slot";
    if (slots.has(page & TLB_MASK)) ctx.addIssue({ code: "custom", path: ["tlb", i], message });
    slots.add(page & TLB_MASK);
  });
}) satisfies z.ZodType<CpuState>;
