import { describe, expect, it } from "vitest";
import { echoKernel, helloKernel, preemptiveKernel, timerWfiKernel } from "./kernels.js";
import { expectSameAsBare } from "./harness.js";

describe("bare vs monitor", () => {
  it("hello: same output, memory, ticks, registers and CSRs", () => {
    const { vm, expected } = expectSameAsBare(helloKernel("hi there\n", 7));
    expect(expected.output).toBe("hi there\n");
    expect(expected.ended).toEqual({ kind: "halted", status: 7 });
    expect(vm.machine.stats.emulated).toBe(10); // 9 out + halt
  });

  it("paging, two user processes and timer preemption", () => {
    const { vm, expected } = expectSameAsBare(preemptiveKernel());
    expect(expected.ended).toEqual({ kind: "halted", status: 7 });
    // Both processes ran interleaved: preemption happened.
    expect(expected.output).toMatch(/^[ab]{24}$/);
    expect(expected.output).toMatch(/ab|ba/);
    expect(expected.output.replace(/b/g, "")).toHaveLength(12);
    const s = vm.machine.stats.snapshot();
    expect(s.interrupts["timer-interrupt"]).toBeGreaterThan(10);
    expect(s.reflected["syscall"]).toBe(26);
    expect(s.ticks).toBe(expected.ticks);
    expect(s.directShare).toBeGreaterThan(0.5);
  });

  it("the same under any cut of the budget", () => {
    for (const slice of [1, 7, 149, 150, 151, 1000]) expectSameAsBare(preemptiveKernel({ iterations: 3 }), {}, slice);
  });

  it("timer interrupts and wfi idle to the exact tick", () => {
    for (const slice of [1, 13, 1e9]) {
      const { vm, expected } = expectSameAsBare(timerWfiKernel(1000, 5), {}, slice);
      expect(expected.ended).toEqual({ kind: "halted", status: 5 });
      expect(vm.machine.cpu.idleTicks).toBeGreaterThan(4000);
      expect(vm.machine.stats.idleTicks).toBe(vm.machine.cpu.idleTicks);
    }
  });

  it("console interrupts: echo input, then idle when input is closed", () => {
    const { expected } = expectSameAsBare(echoKernel(), { input: "hello, World" });
    expect(expected.output).toBe("HELLO, WORLD");
    expect(expected.ended?.kind).toBe("idle");
  });

  it("stats: every tick is direct, emulated or idle", () => {
    const { vm } = expectSameAsBare(timerWfiKernel(300, 3));
    const s = vm.machine.stats.snapshot();
    expect(s.direct + s.emulated + s.idleTicks).toBe(vm.machine.cpu.ticks);
    expect(s.emulatedByMnemonic["wfi"]).toBe(3);
    expect(s.traps["privileged-instruction"]).toBe(s.emulated);
    expect(s.emulatedByMnemonic["csrw"]).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});
