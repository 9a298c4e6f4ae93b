/**
 * Migration at the awkward points, found rather than hoped for: the unmigrated guest is run
 * one instruction at a time and its virtual CPU inspected, which gives the exact ticks at
 * which it is inside a system-call handler, inside a timer-interrupt handler, or has a timer
 * interrupt pending that it cannot take yet (IE off). Each strategy migrates exactly there, and
 * the run must equal the unmigrated one (output, memory, ticks) with the source letting go.
 * Post-copy adds its own: after the switch-over, the link is cut while the destination is
 * stalled on a page fault.
 * And a guest migrated twice (A → B → C) with every pair of strategies ends the same.
 */
import { describe, expect, it } from "vitest";
import { CAUSE_SYSCALL, CAUSE_TIMER, CSR, IRQ_TIMER, REG_A0, STATUS_IE, STATUS_KERNEL, SYS } from "../../isa/arch.js";
import { decode } from "../../isa/encoding.js";
import type { MachineVm } from "../../vmm/migration/machine-vm.js";
import type { MigratableProcess } from "../../vmm/migration/process-vm.js";
import { crc32 } from "../../isa/crc32.js";
import { migrate } from "../../vmm/migration/engine.js";
import { ANY_HOST } from "../../vmm/migration/index.js";
import { runToEnd } from "../../vmm/migration/machine-vm.js";
import { RETURN } from "../../vmm/migration/link.js";
import { FRAME_CODE, STRATEGIES } from "../../vmm/migration/stream/frames.js";
import { boot, expectMemwriterConsistent, expectSourceReleased, guest, migratedRun, reference, type Guest } from "./helpers.js";

const KERNELS: Guest[] = [
  { label: "multi", path: "guest-os/multi/kernel.s", args: "run=count,sleeper,heap", vm: "monitor" },
  { label: "threads", path: "guest-os/threads/kernel.s", args: "demo=blocking", vm: "monitor" },
];

type Kind =
  | "about to trap: sys next"
  | "system-call handler entry"
  | "inside a system-call handler"
  | "system-call handler at its sret"
  | "timer handler entry"
  | "inside a timer handler"
  | "timer handler at its sret"
  | "timer pending, IE off";

/** Steps the unmigrated guest and lists, per kind, the ticks at which it is in that state. */
function findPoints(g: Guest): Map<Kind, number[]> {
  const vm = boot(g) as MachineVm;
  const found = new Map<Kind, number[]>();
  const add = (kind: Kind, tick: number) => (found.get(kind) ?? found.set(kind, []).get(kind)!).push(tick);
  let handler: { cause: number; entry: number } | null = null;
  let previous = { tick: 0, kernel: true };
  while (vm.run(1).reason === "budget") {
    const m = vm.machine;
    const status = m.readCsr(CSR.status);
    const cause = m.readCsr(CSR.cause);
    const kernel = (status & STATUS_KERNEL) !== 0;
    const tick = vm.ticks;
    const name = cause === CAUSE_SYSCALL ? "system-call" : cause === CAUSE_TIMER ? "timer" : null;
    if (kernel && name && !previous.kernel) {
      // run(1) entered the handler and retired its first instruction
      handler = { cause, entry: tick };
      add(`${name} handler entry` as Kind, tick);
      if (cause === CAUSE_SYSCALL) add("about to trap: sys next", previous.tick);
    } else if (handler && kernel && cause === handler.cause && tick - handler.entry === 7) {
      add(`inside a ${name} handler` as Kind, tick);
    }
    if (handler && !kernel && previous.kernel) {
      // The instruction that just returned to user mode was the handler's way out.
      add(`${handler.cause === CAUSE_SYSCALL ? "system-call" : "timer"} handler at its sret` as Kind, previous.tick);
      handler = null;
    }
    if ((m.readCsr(CSR.ipend) & m.readCsr(CSR.imask) & IRQ_TIMER) !== 0 && (status & STATUS_IE) === 0) add("timer pending, IE off", tick);
    previous = { tick, kernel };
  }
  return found;
}

/** A few of the points: spread over the run, so that they meet different situations. */
function pick(ticks: number[], count: number): number[] {
  if (ticks.length <= count) return ticks;
  return Array.from({ length: count }, (_, i) => ticks[Math.floor(((i + 0.5) * ticks.length) / count)]!);
}

describe.each(KERNELS)("awkward migration points on $label", (g) => {
  const points = findPoints(g);
  const ref = reference(g);

  it("the points exist where the guest's design says they do", () => {
    expect(points.get("system-call handler entry")?.length ?? 0).toBeGreaterThan(0);
    expect(points.get("inside a system-call handler")?.length ?? 0).toBeGreaterThan(0);
    expect(points.get("system-call handler at its sret")?.length ?? 0).toBeGreaterThan(0);
    expect(points.get("timer pending, IE off")?.length ?? 0).toBeGreaterThan(0);
    if (g.label === "multi") {
      // multi preempts with the timer; threads is non-preemptive and never takes one.
      expect(points.get("timer handler entry")?.length ?? 0).toBeGreaterThan(0);
      expect(points.get("inside a timer handler")?.length ?? 0).toBeGreaterThan(0);
    }
  });

  for (const strategy of STRATEGIES) {
    it(`${strategy}: migrating exactly at each point changes nothing`, () => {
      for (const [kind, ticks] of points) {
        for (const at of pick(ticks, 2)) {
          const { outcome, result, source } = migratedRun(g, at, { strategy });
          expect(result.stats.status, `${kind} at ${at}: ${result.stats.error}`).toBe("completed");
          expect(outcome, `${kind} at ${at}`).toEqual(ref);
          expectSourceReleased(source);
        }
      }
    });
  }

  it("post-copy: the link cut while the destination is stalled on a page fault loses nothing", () => {
    const at = Math.floor(ref.ticks / 3);
    // A slow link, so that pages still travel after the switch-over (the source holding the
    // destination's `started` frame): only then does a cut pause rather than fail.
    const link = { strategy: "post-copy" as const, bandwidth: 10_000_000 };
    let switchedAt = 0;
    const plain = migratedRun(g, at, { ...link, onTransmit: (t) => {
      if (t.direction === RETURN && t.bytes[0] === FRAME_CODE.started) switchedAt = t.arrivalNs;
    } }).result.stats;
    expect(plain.postcopyRequests).toBe(plain.postcopyFaults);
    expect(switchedAt).toBeGreaterThan(0);
    // Cut the link at many moments after the switch-over and keep the ones that caught the
    // destination waiting for a page: the page it asked for before the cut is asked for again
    // when the link returns, one request more than faults (a fault during the cut could not
    // send its request, so it would not add one).
    const stalledCuts: number[] = [];
    for (let i = 0; i < 24 && stalledCuts.length < 2; i++) {
      const cutAtNs = switchedAt + Math.floor(((plain.totalNs - switchedAt) * i) / 24);
      const { outcome, result, source } = migratedRun(g, at, { ...link, faults: { cutAtNs, restoreAfterNs: 2_000_000 } });
      const s = result.stats;
      expect(s.status, `cut at ${cutAtNs}: ${s.error}`).toBe("completed");
      expect(s.linkCuts).toHaveLength(1);
      expect(s.pagesReceivedMoreThanOnce).toBe(0);
      expect(outcome, `cut at ${cutAtNs}`).toEqual(ref);
      expectSourceReleased(source);
      if (s.postcopyRequests === s.postcopyFaults + 1) stalledCuts.push(cutAtNs);
    }
    expect(stalledCuts.length, "cuts that fell into a page-fault stall").toBeGreaterThan(0);
  });
});

describe("a second migration point: A → B, run on B, B → C", () => {
  for (const g of [KERNELS[0]!, guest("memwriter")]) {
    it(`${g.label}: every pair of strategies, output, memory and ticks as unmigrated`, () => {
      const ref = reference(g);
      for (const first of STRATEGIES) {
        for (const second of STRATEGIES) {
          const a = boot(g);
          a.run(Math.floor(ref.ticks / 4));
          const hop1 = migrate(a, { host: ANY_HOST, strategy: first });
          expect(hop1.stats.status).toBe("completed");
          const b = hop1.vm;
          // one pair hops on at once (B has just received its last page); the others run on B first
          if (!(first === "post-copy" && second === "post-copy")) b.run(997);
          const hop2 = migrate(b, { host: ANY_HOST, strategy: second });
          expect(hop2.stats.status, `${first} then ${second}`).toBe("completed");
          expectSourceReleased(a);
          expectSourceReleased(b);
          const c = hop2.vm;
          expectMemwriterConsistent(g, c.memory, `after ${first} then ${second}`);
          runToEnd(c);
          const outcome = { output: a.output + b.output + c.output, ticks: c.ticks, memoryCrc: crc32(c.memory.bytes) };
          expect(outcome, `${first} then ${second}`).toEqual(ref);
        }
      }
    });
  }
});

describe("awkward migration points in the process VM", () => {
  const g = guest("memwriter");
  const ref = reference(g);

  /** Ticks at which the next instruction is `sys` with a0 = `number`. */
  function atSystemCall(number: number): number[] {
    const vm = boot(g) as MigratableProcess;
    const cpu = vm.process.cpu;
    const found: number[] = [];
    do {
      const word = vm.memory.words[cpu.pc >>> 2]!;
      if (decode(word)?.def.mnemonic === "sys" && cpu.regs[REG_A0] === number) found.push(vm.ticks);
    } while (vm.run(1).reason === "budget");
    return found;
  }

  it("migrating at a sys write and at a sys sbrk, with each strategy, changes nothing", () => {
    const points = [...pick(atSystemCall(SYS.write), 3), ...atSystemCall(SYS.sbrk)];
    expect(points.length).toBeGreaterThanOrEqual(4);
    for (const strategy of STRATEGIES) {
      for (const at of points) {
        const { outcome, result, source } = migratedRun(g, at, { strategy });
        expect(result.stats.status, `${strategy} at ${at}`).toBe("completed");
        expect(outcome, `${strategy} at ${at}`).toEqual(ref);
        expectSourceReleased(source);
      }
    }
  });
});
