/**
 * What a restored CPU may be given (`CpuState`, from `Cpu.save()`): every register a 32-bit
 * integer and all of them there, time a whole number of ticks with the idle ones among them.
 * Whether the pc must lie inside memory depends on the machine around the CPU (is paging on?),
 * so the machines' schemas check that.
 */
import { CSR_COUNT, REGISTER_COUNT } from "../arch.js";
import { fixed, flag, int32, record, version, wholeNumber, z } from "../schema.js";
import type { CpuState } from "./cpu.js";

export const cpuStateSchema = record({
  version: version(1),
  regs: fixed(int32, REGISTER_COUNT, "registers"),
  pc: int32,
  csr: fixed(int32, CSR_COUNT, "control registers"),
  ticks: wholeNumber(),
  idleTicks: wholeNumber(),
  halted: flag,
  exitStatus: int32,
}).superRefine((cpu, ctx) => {
  if (cpu.idleTicks > cpu.ticks) ctx.addIssue({ code: "custom", path: ["idleTicks"], message: `expected at most the ${cpu.ticks} ticks` });
}) satisfies z.ZodType<CpuState>;
