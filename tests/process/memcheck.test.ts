import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../../isa/arch.js";
import { assembleFile } from "../../isa/asm/index.js";
import { Memory } from "../../isa/memory.js";
import { memcheck, memwriterWorkingSet, type WorkingSet } from "../../vmm/process/memcheck.js";
import { ProcessVm } from "../../vmm/process/process-vm.js";

const memwriter = assembleFile("programs/memwriter.s").image;

/** memwriter sweeping forever over `pages` pages, stopped after `ticks`. */
function stoppedAt(ticks: number, pages = 6, rate = 0): { vm: ProcessVm; ws: WorkingSet } {
  const vm = new ProcessVm(memwriter, { args: `pages=${pages} iters=0 rate=${rate}`, stdout: () => {} });
  expect(vm.run(ticks)).toBeUndefined();
  const ws = memwriterWorkingSet(memwriter, vm.memory);
  expect(ws).toBeDefined();
  return { vm, ws: ws! };
}

const word = (memory: Memory, address: number) => memory.words[address >>> 2]!;
const setWord = (memory: Memory, address: number, value: number) => (memory.words[address >>> 2] = value);

describe("memcheck on memwriter's working set", () => {
  it("finds the working set only once the program allocated it", () => {
    const vm = new ProcessVm(memwriter, { args: "pages=3", stdout: () => {} });
    expect(memwriterWorkingSet(memwriter, vm.memory)).toBeUndefined();
    vm.run();
    const ws = memwriterWorkingSet(memwriter, vm.memory)!;
    expect(ws.pages).toBe(3);
    expect(ws.base % PAGE_SIZE).toBe(0);
    expect(memcheck(vm.memory, ws)).toEqual({ ok: true, sweeps: 4, writes: 12, next: 0 });
  });

  it("holds at every instruction boundary of a run", () => {
    const vm = new ProcessVm(memwriter, { args: "pages=3 iters=0 rate=0", stdout: () => {} });
    let ws: WorkingSet | undefined;
    let lastWrites = 0;
    for (let tick = 0; tick < 1500; tick++) {
      vm.run(1);
      ws ??= memwriterWorkingSet(memwriter, vm.memory);
      if (!ws) continue;
      const result = memcheck(vm.memory, ws);
      if (!result.ok) throw new Error(`tick ${vm.cpu.ticks}: ${result.problem}`);
      expect(result.writes - lastWrites).toBeGreaterThanOrEqual(0);
      expect(result.writes - lastWrites).toBeLessThanOrEqual(1);
      lastWrites = result.writes;
    }
    expect(lastWrites).toBeGreaterThan(3 * 5);
  });

  it("holds wherever a run is stopped (random stops, sizes and rates)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2_000, max: 20_000 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 200_000 }), (ticks, pages, rate) => {
        const { vm, ws } = stoppedAt(ticks, pages, rate);
        const result = memcheck(vm.memory, ws);
        expect(result).toMatchObject({ ok: true });
      }),
      { numRuns: 60 },
    );
  });

  it("the dirty rate follows rate=: page writes per million ticks", () => {
    for (const rate of [10_000, 20_000, 1_000]) {
      const vm = new ProcessVm(memwriter, { args: `pages=16 iters=0 rate=${rate}`, stdout: () => {} });
      const writesAfter = (ticks: number) => {
        vm.run(ticks);
        const result = memcheck(vm.memory, memwriterWorkingSet(memwriter, vm.memory)!);
        if (!result.ok) throw new Error(result.problem);
        return result.writes;
      };
      const before = writesAfter(100_000);
      const during = writesAfter(1_000_000) - before;
      // each sweep of 16 pages costs a few ticks more than its writes
      expect(during).toBeLessThanOrEqual(rate);
      expect(during).toBeGreaterThan(rate * 0.99);
    }
  });

  describe("finds corruption", () => {
    const base = () => stoppedAt(5_000, 6);

    it("a stale page (an old copy that was never re-sent)", () => {
      const { vm, ws } = base();
      const page = ws.base + 3 * PAGE_SIZE;
      const c = word(vm.memory, page);
      setWord(vm.memory, page, c - 2);
      setWord(vm.memory, page + PAGE_SIZE - 4, c - 2);
      const result = memcheck(vm.memory, ws);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problem).toMatch(/^page [34] \(0x[0-9a-f]{8}\) has counter \d+ but page [23] .* has \d+: in sweep order/);
    });

    it("a torn page (first and last word disagree)", () => {
      const { vm, ws } = base();
      const page = ws.base + 2 * PAGE_SIZE;
      setWord(vm.memory, page + PAGE_SIZE - 4, word(vm.memory, page) + 7);
      const result = memcheck(vm.memory, ws);
      expect(result).toEqual({ ok: false, problem: expect.stringMatching(/^page 2 .* its last word says \d+: the page is torn$/) });
    });

    it("a page copied to the wrong place", () => {
      const { vm, ws } = base();
      expect(memcheck(vm.memory, ws).ok).toBe(true);
      // swap two pages whose counters are equal: the counters still look right, the indexes do not
      const counters = Array.from({ length: ws.pages }, (_, i) => word(vm.memory, ws.base + i * PAGE_SIZE));
      const i = counters.findIndex((c, k) => k > 0 && counters[k + 1] === c);
      expect(i).toBeGreaterThan(0);
      const a = ws.base + i * PAGE_SIZE;
      const b = a + PAGE_SIZE;
      const pageA = vm.memory.read(a, PAGE_SIZE);
      const pageB = vm.memory.read(b, PAGE_SIZE);
      vm.memory.write(a, pageB);
      vm.memory.write(b, pageA);
      const result = memcheck(vm.memory, ws);
      expect(result).toEqual({ ok: false, problem: `page ${i} (0x${a.toString(16).padStart(8, "0")}) says it is page ${i + 1} of the working set` });
    });

    it("a page filled with zeros (lost) and a stray byte", () => {
      const { vm, ws } = base();
      vm.memory.fillPage((ws.base >>> 12) + 1, null);
      expect(memcheck(vm.memory, ws).ok).toBe(false);
      const fresh = base();
      fresh.vm.memory.bytes[fresh.ws.base + 100] = 1;
      const result = memcheck(fresh.vm.memory, fresh.ws);
      expect(result).toEqual({ ok: false, problem: expect.stringMatching(/^page 0 .* at offset 100, where memwriter never writes$/) });
    });

    it("a layout that does not fit or is not aligned", () => {
      const memory = new Memory(4 * PAGE_SIZE);
      expect(memcheck(memory, { base: 100, pages: 1 })).toMatchObject({ ok: false, problem: expect.stringContaining("page-aligned") });
      expect(memcheck(memory, { base: PAGE_SIZE, pages: 4 })).toMatchObject({ ok: false, problem: expect.stringContaining("does not fit") });
      expect(memcheck(memory, { base: 0, pages: 4 })).toEqual({ ok: true, sweeps: 0, writes: 0, next: 0 });
    });
  });
});
