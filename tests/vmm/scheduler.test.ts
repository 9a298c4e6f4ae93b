import { describe, expect, it } from "vitest";
import { createVm } from "../../vmm/monitor/vm.js";
import { LabelledLines } from "../../vmm/monitor/output.js";
import { Scheduler } from "../../vmm/monitor/scheduler.js";
import { END_OF_TIME } from "../../vmm/outcome.js";
import { Asm, imageOf } from "./builder.js";
import { echoKernel, helloKernel, preemptiveKernel } from "./kernels.js";
import { boot, memoryHash, observable, runToEnd } from "./harness.js";

const spinKernel = () => imageOf([new Asm().label("x").j("x")]);

describe("scheduler", () => {
  it("round robin: several VMs end as they would alone", () => {
    const alone = [preemptiveKernel(), helloKernel("one\n", 1), preemptiveKernel({ quantum: 97 })].map((image) => {
      const c = boot(createVm, image);
      runToEnd(c.machine);
      return observable(c.machine, c.output());
    });
    const together = [preemptiveKernel(), helloKernel("one\n", 1), preemptiveKernel({ quantum: 97 })].map((image) =>
      boot(createVm, image),
    );
    const s = new Scheduler({ quantum: 333 });
    for (const c of together) s.add(c.machine);
    const result = s.run();
    expect(result.state).toBe("done");
    expect(together.map((c) => observable(c.machine, c.output()))).toEqual(alone);
    expect(result.outcomes.map((o) => o.outcome)).toEqual(alone.map((a) => a.ended));
  });

  it("a guest that loops for ever only uses its quanta", () => {
    const spin = boot(createVm, spinKernel());
    const hello = boot(createVm, preemptiveKernel());
    const s = new Scheduler({ quantum: 1000, maxTicks: 200_000 });
    s.add(spin.machine);
    s.add(hello.machine);
    const result = s.run();
    expect(hello.machine.ended).toEqual({ kind: "halted", status: 7 });
    expect(result.state).toBe("tick-limit");
    expect(result.outcomes[0]!.outcome).toEqual({ kind: "tick-limit" });
    expect(result.ticks).toBe(200_000);
    // Round robin: the spinner had at most one quantum more than the other per turn.
    expect(spin.machine.cpu.ticks).toBeGreaterThanOrEqual(200_000 - hello.machine.cpu.ticks - 1000);
  });

  it("a blocked VM does not spin and wakes when input arrives", () => {
    const echo = boot(createVm, echoKernel(), { inputOpen: true });
    const other = boot(createVm, helloKernel("x\n"));
    const s = new Scheduler({ quantum: 50 });
    s.add(echo.machine);
    s.add(other.machine);
    let result = s.run();
    expect(result.state).toBe("blocked");
    const ticks = echo.machine.cpu.ticks;
    expect(s.step()).toBe(false);
    expect(echo.machine.cpu.ticks).toBe(ticks);
    echo.machine.console.feed("ok");
    result = s.run();
    expect(echo.output()).toBe("OK");
    expect(result.state).toBe("blocked");
    echo.machine.console.inputClosed = true;
    result = s.run();
    expect(result.state).toBe("done");
    expect(result.outcomes[0]!.outcome.kind).toBe("idle");
  });

  it("deterministic: the same run twice gives the same memory", () => {
    const hashes = [0, 1].map(() => {
      const s = new Scheduler({ quantum: 77 });
      const vms = [preemptiveKernel(), preemptiveKernel({ quantum: 50 })].map((i) => boot(createVm, i).machine);
      vms.forEach((v) => s.add(v));
      s.run();
      return vms.map(memoryHash);
    });
    expect(hashes[0]).toEqual(hashes[1]);
  });

  it("labels console lines with the VM name", () => {
    const out: string[] = [];
    const lines = new LabelledLines("solo", (c) => out.push(String(c)));
    for (const b of Buffer.from("ab\ncd")) lines.sink(b);
    lines.flush();
    expect(out).toEqual(["[solo] ab\n", "[solo] cd\n"]);
    const raw: Uint8Array[] = [];
    const plain = new LabelledLines(null, (c) => raw.push(c as Uint8Array));
    for (const b of Buffer.from("ab\ncd")) plain.sink(b);
    plain.flush();
    expect(Buffer.concat(raw).toString()).toBe("ab\ncd");
  });

  it("without a limit, guest time ends at END_OF_TIME, the last tick a double counts exactly", () => {
    const vm = createVm({ name: "spin", image: spinKernel() });
    // A machine that idles in huge strides, as a guest between far timer deadlines can.
    const run = vm.run.bind(vm);
    vm.run = (budget) => {
      vm.cpu.ticks += budget - 1;
      return run(1);
    };
    const scheduler = new Scheduler({ quantum: 2 ** 50 });
    scheduler.add(vm);
    expect(scheduler.run()).toMatchObject({ state: "tick-limit", ticks: END_OF_TIME });
    expect(vm.cpu.ticks).toBe(END_OF_TIME);
  });
});
