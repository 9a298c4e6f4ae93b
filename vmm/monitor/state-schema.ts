/**
 * What a restored machine may be given (`VmState`, from the `save()` of a `Vm` or a
 * `BareMachine`) for a memory of a given size: the CPU, the virtual CPU, the console, the
 * monitor's bookkeeping and the statistics, each field in its range. A machine that has not
 * ended will run: its CPU must not be halted, and while paging is off its pc must be a
 * word-aligned address inside memory.
 */
import { CSR, CSR_COUNT, STATUS_PG } from "../../isa/arch.js";
import { cpuStateSchema } from "../../isa/cpu/state.js";
import { consoleStateSchema } from "../../isa/devices/console-state.js";
import { nicStateSchema } from "../../isa/devices/net-state.js";
import {
  counts,
  fixed,
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
  z,
} from "../../isa/schema.js";
import { VM_STATE_VERSION, type FinalExit, type VmState } from "./machine.js";
import type { StatsSnapshot } from "./stats.js";
import type { VCpuState } from "./vcpu.js";

const vcpuStateSchema = record({
  version: version(1),
  csr: fixed(int32, CSR_COUNT, "control registers"),
}) satisfies z.ZodType<VCpuState>;

const finalExitSchema = z.discriminatedUnion(
  "kind",
  [
    record({ kind: z.literal("halted"), status: int32 }),
    record({ kind: z.literal("fault"), reason: text(LINE_MAX) }),
    record({ kind: z.literal("idle"), reason: text(LINE_MAX) }),
  ],
  { error: 'expected an end of kind "halted", "fault" or "idle"' },
) satisfies z.ZodType<FinalExit>;

const share = z.number({ error: "expected a share from 0 to 1" }).min(0, { error: "expected a share from 0 to 1" }).max(1, { error: "expected a share from 0 to 1" });

const statsSchema = record({
  ticks: wholeNumber(),
  direct: wholeNumber(),
  emulated: wholeNumber(),
  idleTicks: wholeNumber(),
  traps: counts(),
  reflected: counts(),
  emulatedByMnemonic: counts(),
  interrupts: counts(),
  directShare: share,
}) satisfies z.ZodType<StatsSnapshot>;

/** The state of a machine (of `kind`, when given) around `memoryBytes` bytes of memory. */
export const vmStateSchema = keptSchemas(buildVmStateSchema, (memoryBytes: number, kind?: VmState["kind"]) => `${memoryBytes}/${kind ?? ""}`);

function buildVmStateSchema(memoryBytes: number, kind?: VmState["kind"]) {
  return record({
    version: version(VM_STATE_VERSION),
    kind: kind ? z.literal(kind, { error: `expected "${kind}"` }) : oneOf(["monitor", "bare"]),
    name: text(NAME_MAX),
    config: record({
      memorySize: z.literal(memoryBytes, { error: `expected ${memoryBytes}, the size of the memory it runs in` }),
      bootArgs: text(LINE_MAX),
    }),
    cpu: cpuStateSchema,
    vcpu: vcpuStateSchema,
    console: consoleStateSchema,
    monitor: record({ kernelFaultStreak: wholeNumber(), ended: finalExitSchema.nullable() }),
    stats: statsSchema,
    nic: nicStateSchema.optional(),
  }).superRefine((state, ctx) => {
    if (state.monitor.ended) return; // an ended machine never runs again
    if (state.cpu.halted) ctx.addIssue({ code: "custom", path: ["cpu", "halted"], message: "a halted CPU belongs to a machine that has ended" });
    // Paging is the bare CPU's own STATUS; under the monitor, the guest's virtual one.
    const status = (state.kind === "bare" ? state.cpu.csr : state.vcpu.csr)[CSR.status] ?? 0;
    const pc = (status & STATUS_PG) === 0 ? physicalPcProblem(state.cpu.pc, memoryBytes) : null;
    if (pc) ctx.addIssue({ code: "custom", path: ["cpu", "pc"], message: pc });
  }) satisfies z.ZodType<VmState>;
}
