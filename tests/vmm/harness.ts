/** Shared helpers of the monitor tests: run a machine to its end, compare two machines. */
import { createHash } from "node:crypto";
import { expect } from "vitest";
import { CSR_COUNT } from "../../isa/arch.js";
import type { GuestImage } from "../../isa/image/model.js";
import { createBareMachine } from "../../vmm/monitor/bare.js";
import { isFinal, type Machine, type VmExit } from "../../vmm/monitor/machine.js";
import type { BootOptions } from "../../vmm/monitor/machine.js";
import { createVm } from "../../vmm/monitor/vm.js";

export interface Captured<M extends Machine> {
  machine: M;
  output: () => string;
}

export function boot<M extends Machine>(
  make: (o: BootOptions) => M,
  image: GuestImage,
  options: Partial<BootOptions> = {},
): Captured<M> {
  const bytes: number[] = [];
  const machine = make({ name: "t", image, ...options, sink: (b) => bytes.push(b) });
  return { machine, output: () => Buffer.from(bytes).toString("latin1") };
}

/** Runs until a final exit (or blocked), in slices of `slice` ticks; at most `limit` ticks. */
export function runToEnd(machine: Machine, slice = 1e9, limit = 1e8): VmExit {
  let spent = 0;
  for (;;) {
    const exit = machine.run(Math.min(slice, limit - spent));
    if (isFinal(exit) || exit.kind === "blocked" || exit.kind === "page-missing") return exit;
    spent = machine.cpu.ticks;
    if (spent >= limit) return exit;
  }
}

export function memoryHash(machine: Machine): string {
  return createHash("sha256").update(machine.memory.bytes).digest("hex");
}

/** Everything the guest can see or leave behind. */
export function observable(m: Machine, output: string) {
  return {
    output,
    // The reason text may differ between bare and monitor; what happened may not.
    ended: m.ended && (m.ended.kind === "halted" ? m.ended : { kind: m.ended.kind }),
    ticks: m.cpu.ticks,
    idleTicks: m.cpu.idleTicks,
    pc: m.cpu.pc,
    regs: Array.from(m.cpu.regs),
    csr: Array.from({ length: CSR_COUNT }, (_, i) => m.readCsr(i)),
    memory: memoryHash(m),
  };
}

/**
 * Runs `image` bare (one long run) and under the monitor (cut into `slice`-tick runs) and
 * requires the same observable result. Returns the monitor VM for further checks.
 */
export function expectSameAsBare(image: GuestImage, options: Partial<BootOptions> = {}, slice = 1e9, limit = 1e7) {
  const bare = boot(createBareMachine, image, options);
  const vm = boot(createVm, image, options);
  runToEnd(bare.machine, limit, limit);
  runToEnd(vm.machine, slice, limit);
  const expected = observable(bare.machine, bare.output());
  expect(observable(vm.machine, vm.output())).toEqual(expected);
  return { bare, vm, expected };
}
