/**
 * What a resumed process may be given: its setup (`ProcessSetup`, fixed at start) for a memory
 * of a given size, and its state (`ProcessState`) for that setup. The program runs in user mode
 * with paging off, so a process that has not ended has a pc inside its memory; its CPU never
 * halts (a program ends by exit), its break lies between the heap's start and the end of
 * memory, its input position inside its input, and a sleep in progress ends after now.
 */
import { MAX_INPUT, PAGE_SIZE, SYS } from "../../isa/arch.js";
import { cpuStateSchema } from "../../isa/cpu/state.js";
import {
  counts,
  int32,
  keptSchemas,
  LINE_MAX,
  NAME_MAX,
  oneOf,
  physicalPcProblem,
  record,
  text,
  version,
  wholeNumber,
  word32,
  z,
} from "../../isa/schema.js";
import type { ProcessResult, ProcessSetup, ProcessState } from "./process-vm.js";

/** Base64 text of at most MAX_INPUT bytes. */
const base64Input = (() => {
  const error = `expected base64 of at most ${MAX_INPUT} bytes`;
  return z
    .string({ error })
    .max(Math.ceil(MAX_INPUT / 3) * 4, { error })
    .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, { error });
})();

/** The setup of a process that runs in `memoryBytes` bytes of memory. */
export const processSetupSchema = keptSchemas(buildSetupSchema, (memoryBytes: number) => String(memoryBytes));

function buildSetupSchema(memoryBytes: number) {
  const pageBoundary = `expected a page boundary from 0 to ${memoryBytes}`;
  return record({
    version: version(1),
    name: text(NAME_MAX),
    maxTicks: wholeNumber(),
    memorySize: z.literal(memoryBytes, { error: `expected ${memoryBytes}, the size of the memory it runs in` }),
    breakStart: z
      .number({ error: pageBoundary })
      .int({ error: pageBoundary })
      .min(0, { error: pageBoundary })
      .max(memoryBytes, { error: pageBoundary })
      .multipleOf(PAGE_SIZE, { error: pageBoundary }),
    input: base64Input,
  }) satisfies z.ZodType<ProcessSetup>;
}

/** System calls counted by name: those in SYS, and "unknown" for any other number (process-vm.ts). */
const syscallCounts = counts(["unknown", ...Object.keys(SYS)]);

const resultSchema = record({
  reason: oneOf(["exit", "fault", "limit"]),
  exitStatus: int32,
  ticks: wholeNumber(),
  syscalls: syscallCounts,
  message: text(LINE_MAX).optional(),
  fault: record({ cause: word32, causeName: text(LINE_MAX), pc: word32, value: word32 }).optional(),
}) satisfies z.ZodType<ProcessResult>;

/** What the state is checked against: the heap's start, the memory's size, the input's length. */
export interface ProcessBounds {
  breakStart: number;
  memorySize: number;
  inputLength: number;
}

/** The state of a process within these bounds. */
export const processStateSchema = keptSchemas(buildStateSchema, (b: ProcessBounds) => `${b.breakStart}/${b.memorySize}/${b.inputLength}`);

function buildStateSchema({ breakStart, memorySize, inputLength }: ProcessBounds) {
  const programBreak = `expected a program break from ${breakStart} to ${memorySize}`;
  return record({
    version: version(1),
    cpu: cpuStateSchema,
    programBreak: z
      .number({ error: programBreak })
      .int({ error: programBreak })
      .min(breakStart, { error: programBreak })
      .max(memorySize, { error: programBreak }),
    inputOffset: wholeNumber(0, inputLength),
    sleepUntil: wholeNumber().optional(),
    syscalls: syscallCounts,
    result: resultSchema.optional(),
  }).superRefine((state, ctx) => {
    if (state.cpu.halted) ctx.addIssue({ code: "custom", path: ["cpu", "halted"], message: "a process's CPU never halts (it ends by exit)" });
    if (state.result) return; // an ended process never runs again
    const pc = physicalPcProblem(state.cpu.pc, memorySize);
    if (pc) ctx.addIssue({ code: "custom", path: ["cpu", "pc"], message: pc });
    if (state.sleepUntil !== undefined && state.sleepUntil <= state.cpu.ticks) {
      ctx.addIssue({ code: "custom", path: ["sleepUntil"], message: `expected a tick after ${state.cpu.ticks}` });
    }
  }) satisfies z.ZodType<ProcessState>;
}
