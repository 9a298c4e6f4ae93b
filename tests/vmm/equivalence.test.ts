import { describe, expect, it } from "vitest";
import { CAUSE_CONSOLE, CAUSE_TIMER, IRQ_CONSOLE, IRQ_TIMER, STATUS_IE, STATUS_KERNEL } from "../../isa/arch.js";
import { Asm, imageOf, R } from "./builder.js";
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

describe("virtual interrupts at exact ticks", () => {
  /** Handler: a0 = time at entry, a1 = epc, a2 = cause; halt. */
  function interruptKernel(setup: (k: Asm) => void): Asm {
    const k = new Asm(0x1000);
    k.la(R.t0, "h").csrw("tvec", R.t0);
    setup(k);
    k.li(R.t0, STATUS_KERNEL | STATUS_IE).csrw("status", R.t0);
    k.label("spin").rri("addi", R.s0, R.s0, 1).j("spin");
    k.label("h").csrr(R.a0, "time").csrr(R.a1, "epc").csrr(R.a2, "cause").op("halt");
    return k;
  }

  it("timer: taken when time reaches timecmp, before the instruction at that tick", () => {
    for (const deadline of [50, 51, 52, 1001]) {
      for (const slice of [1, 3, 1e9]) {
        const k = interruptKernel((k) => k.li(R.t0, IRQ_TIMER).csrw("imask", R.t0).li(R.t0, deadline).csrw("timecmp", R.t0));
        const { vm } = expectSameAsBare(imageOf([k]), {}, slice);
        const regs = vm.machine.cpu.regs;
        expect(regs[R.a0]).toBe(deadline); // entry costs no tick; csrr time reads the ticks before it
        expect(regs[R.a2]! >>> 0).toBe(CAUSE_TIMER >>> 0);
        expect(vm.machine.stats.snapshot().interrupts).toEqual({ "timer-interrupt": 1 });
      }
    }
  });

  it("console: taken right after interrupts are enabled when input waits", () => {
    const k = interruptKernel((k) => k.li(R.t0, IRQ_CONSOLE).csrw("imask", R.t0));
    const { vm } = expectSameAsBare(imageOf([k]), { input: "x" });
    const regs = vm.machine.cpu.regs;
    expect(regs[R.a1]).toBe(k.address("spin")); // epc: the next instruction to run
    // la, csrw tvec, li, csrw imask, li, csrw status: 9 instructions before the handler.
    expect(regs[R.a0]).toBe(9);
    expect(regs[R.a2]! >>> 0).toBe(CAUSE_CONSOLE >>> 0);
  });
});
