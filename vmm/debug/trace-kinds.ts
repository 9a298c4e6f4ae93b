/**
 * What a trace can show, by name (`--trace insn,trap`): apart from the tracer (trace.ts), so
 * that the command line can declare --trace without loading it.
 */
import { UserError } from "../../isa/errors.js";

export const TRACE_KINDS = ["insn", "trap", "syscall", "mmu"] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];

/** `insn,trap` → the kinds; a word that is none is a one-line error. */
export function parseTraceKinds(text: string, flag = "--trace"): Set<TraceKind> {
  const kinds = new Set<TraceKind>();
  for (const word of text.split(",").map((w) => w.trim())) {
    if (!(TRACE_KINDS as readonly string[]).includes(word))
      throw new UserError(`${flag} ${text}: "${word}" is not one of ${TRACE_KINDS.join(", ")}`);
    kinds.add(word as TraceKind);
  }
  return kinds;
}
