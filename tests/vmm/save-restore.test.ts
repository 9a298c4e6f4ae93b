import { describe, expect, it } from "vitest";
import { UserError } from "../../isa/errors.js";
import { Memory } from "../../isa/memory.js";
import { createBareMachine } from "../../vmm/monitor/bare.js";
import { restoreMachine } from "../../vmm/monitor/restore.js";
import type { Machine, VmState } from "../../vmm/monitor/machine.js";
import type { BootOptions } from "../../vmm/monitor/machine.js";
import { createVm, Vm } from "../../vmm/monitor/vm.js";
import { echoKernel, preemptiveKernel, timerWfiKernel } from "./kernels.js";
import { boot, observable, runToEnd } from "./harness.js";

/** Runs `cut` ticks, saves (through JSON), restores into fresh memory, runs to the end. */
function interrupted(make: (o: BootOptions) => Machine, image = preemptiveKernel(), cut: number, input?: string) {
  const bytes: number[] = [];
  const sink = (b: number) => bytes.push(b);
  const first = make({ name: "m", image, sink, ...(input ? { input } : {}) });
  first.run(cut);
  const state = JSON.parse(JSON.stringify(first.save())) as VmState;
  const memory = new Memory(first.memory.size);
  memory.bytes.set(first.memory.bytes);
  const second = restoreMachine(state, memory, { sink });
  runToEnd(second);
  return observable(second, Buffer.from(bytes).toString("latin1"));
}

describe("save and restore", () => {
  for (const [name, make] of [
    ["monitor", createVm],
    ["bare", createBareMachine],
  ] as [string, (o: BootOptions) => Machine][]) {
    it(`${name}: a VM saved mid-run continues identically`, () => {
      for (const [image, input] of [
        [preemptiveKernel(), undefined],
        [timerWfiKernel(700, 4), undefined],
        [echoKernel(), "abc"],
      ] as const) {
        const whole = boot(make, image, input ? { input } : {});
        runToEnd(whole.machine);
        const expected = observable(whole.machine, whole.output());
        for (const cut of [0, 1, 150, 1234, 2999]) expect(interrupted(make, image, cut, input)).toEqual(expected);
      }
    });
  }

  it("keeps the stats and the final exit", () => {
    const vm = createVm({ name: "m", image: preemptiveKernel() });
    runToEnd(vm);
    const copy = Vm.restore(vm.save(), vm.memory);
    expect(copy.stats.snapshot()).toEqual(vm.stats.snapshot());
    expect(copy.run(100)).toEqual({ kind: "halted", status: 7 });
  });

  it("refuses a state of another version or memory size with a UserError", () => {
    const vm = createVm({ name: "m", image: preemptiveKernel() });
    const state = vm.save();
    expect(() => Vm.restore({ ...state, version: 9 as 1 }, vm.memory)).toThrow(UserError);
    expect(() => Vm.restore(state, new Memory(4096))).toThrow(/memory/);
  });
});
