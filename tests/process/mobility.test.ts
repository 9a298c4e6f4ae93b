/**
 * The process VM's strong mobility: a process stopped anywhere — also inside a sleep — and
 * resumed elsewhere from setup + state + memory continues exactly; on a post-copy
 * destination a system call whose buffer is missing waits for the page instead of reading or
 * writing whatever is there.
 */
import { describe, expect, it } from "vitest";
import { PAGE_SHIFT, REG_A0, REG_A2, SYS } from "../../isa/arch.js";
import { assemble } from "../../isa/asm/index.js";
import { decode } from "../../isa/encoding.js";
import { Memory } from "../../isa/memory.js";
import { ProcessVm, type ProcessResult } from "../../vmm/process/process-vm.js";
import { resumeProcess } from "../../vmm/process/resume.js";

const decoder = new TextDecoder();

// write("hi\n") from .data, sleep(1000), read 4 bytes of input into .data, sbrk(8192),
// write what was read, exit(3)
const PROGRAM = assemble(
  `.memsize 65536
.entry start
.org 0x1000
start:
    li a0, 1
    li a1, 1
    la a2, hi
    li a3, 3
    sys
    li a0, 6
    li a1, 1000
    sys
    li a0, 2
    li a1, 0
    la a2, buffer
    li a3, 4
    sys
    mv s0, a0
    li a0, 4
    li a1, 8192
    sys
    li a0, 1
    li a1, 1
    la a2, buffer
    mv a3, s0
    sys
    li a0, 0
    li a1, 3
    sys
.org 0x3000
hi: .ascii "hi\\n"
.org 0x5000
buffer: .word 0
`,
  { file: "mobility.s" },
).image;

function start(sink: Uint8Array[]) {
  return new ProcessVm(PROGRAM, { name: "mobility.s", input: "abcdef", stdout: (b) => sink.push(b) });
}

function whole(): { out: string; result: ProcessResult } {
  const out: Uint8Array[] = [];
  const result = start(out).run()!;
  return { out: decoder.decode(Buffer.concat(out)), result };
}

/** True when the next instruction is a `sys` (with a0 = `number`, when given). */
function atSys(vm: ProcessVm, number?: number): boolean {
  const isSys = decode(vm.memory.words[vm.cpu.pc >>> 2]!)?.def.mnemonic === "sys";
  return isSys && (number === undefined || vm.cpu.regs[REG_A0] === number);
}

/** Steps `vm` until its next instruction is `sys` with a0 = `number`. */
function runToSys(vm: ProcessVm, number: number): void {
  while (!atSys(vm, number)) if (vm.step(1).kind === "ended") throw new Error(`no sys ${number}`);
}

/** Moves `vm` to a new ProcessVm through JSON, with a copy of its memory. */
function move(vm: ProcessVm, out: Uint8Array[]): ProcessVm {
  const setup = JSON.parse(JSON.stringify(vm.setup()));
  const state = JSON.parse(JSON.stringify(vm.save()));
  const memory = new Memory(vm.memory.size);
  memory.bytes.set(vm.memory.bytes);
  return resumeProcess(setup, state, memory, { stdout: (b) => out.push(b) });
}

describe("process VM mobility", () => {
  const reference = whole();

  it("the reference run: output, sleep ticks, exit", () => {
    expect(reference.out).toBe("hi\nabcd");
    expect(reference.result.exitStatus).toBe(3);
    expect(reference.result.ticks).toBeGreaterThan(1000);
  });

  it("resumes exactly from every tick, inside the sleep too", () => {
    for (let at = 0; at <= reference.result.ticks; at += at < 40 || at > 1000 ? 1 : 97) {
      const out: Uint8Array[] = [];
      const first = start(out);
      first.run(at);
      expect(first.cpu.ticks, `stopped at ${at}`).toBe(Math.min(at, reference.result.ticks));
      const second = move(first, out);
      const result = second.run() ?? second.result;
      expect(result, `moved at ${at}`).toEqual(reference.result);
      expect(decoder.decode(Buffer.concat(out)), `moved at ${at}`).toBe(reference.out);
    }
  });

  it("leaves the TLB out of its state, and resumes the same from a state that has it (an older file)", () => {
    const out: Uint8Array[] = [];
    const vm = start(out);
    vm.run(30);
    const entries = vm.cpu.save().tlb;
    expect(entries.length).toBeGreaterThan(0); // paging off fills identity entries all the same
    expect(vm.save().cpu.tlb).toEqual([]);
    const older = { ...vm.save(), cpu: { ...vm.save().cpu, tlb: entries } };
    const memory = new Memory(vm.memory.size);
    memory.bytes.set(vm.memory.bytes);
    const resumed = resumeProcess(vm.setup(), JSON.parse(JSON.stringify(older)), memory, { stdout: (b) => out.push(b) });
    expect(resumed.run() ?? resumed.result).toEqual(reference.result);
    expect(decoder.decode(Buffer.concat(out))).toBe(reference.out);
  });

  it("a sleep is spent within the budget and goes on in the next slice", () => {
    const vm = start([]);
    runToSys(vm, SYS.sleep);
    expect(vm.step(1)).toEqual({ kind: "budget" }); // the sys itself
    const before = vm.cpu.ticks;
    expect(vm.step(300)).toEqual({ kind: "budget" });
    expect(vm.cpu.ticks).toBe(before + 300);
    expect(vm.cpu.idleTicks).toBe(300);
    expect(vm.save().sleepUntil).toBe(before + 1000);
  });

  it("a system call whose buffer is missing waits for the page and then is served once", () => {
    const out: Uint8Array[] = [];
    const vm = start(out);
    // At each sys with a buffer, take its page away, as on a post-copy destination.
    const waited: number[] = [];
    while (vm.step(1).kind !== "ended") {
      if (!atSys(vm)) continue;
      const number = vm.cpu.regs[REG_A0]!;
      if (number !== SYS.write && number !== SYS.read) continue;
      const page = vm.cpu.regs[REG_A2]! >>> PAGE_SHIFT;
      const saved = vm.memory.page(page).slice();
      vm.memory.missing[page] = 1;
      vm.memory.missingCount++;
      const before = JSON.stringify({ ticks: vm.cpu.ticks, pc: vm.cpu.pc, out: out.length, state: vm.save() });
      expect(vm.step(10)).toEqual({ kind: "page-missing", page });
      expect(vm.step(10)).toEqual({ kind: "page-missing", page });
      // nothing happened: no output, no tick, not counted, pc still at the sys
      expect(JSON.stringify({ ticks: vm.cpu.ticks, pc: vm.cpu.pc, out: out.length, state: vm.save() })).toBe(before);
      vm.memory.fillPage(page, saved);
      waited.push(page);
    }
    expect(waited).toEqual([0x3000 >>> PAGE_SHIFT, 0x5000 >>> PAGE_SHIFT, 0x5000 >>> PAGE_SHIFT]);
    expect(decoder.decode(Buffer.concat(out))).toBe(reference.out);
    expect(vm.result).toEqual(reference.result);
  });

  it("sbrk waits for the missing page it would zero", () => {
    const vm = start([]);
    runToSys(vm, SYS.sbrk);
    const heapPage = vm.programBreak >>> PAGE_SHIFT;
    vm.memory.missing[heapPage] = 1;
    vm.memory.missingCount++;
    const ticks = vm.cpu.ticks;
    expect(vm.step(5)).toEqual({ kind: "page-missing", page: heapPage });
    expect(vm.cpu.ticks).toBe(ticks);
    vm.memory.fillPage(heapPage, null);
    expect(vm.run()).toEqual(reference.result);
  });

  it("rejects a setup or state it cannot use with an Error naming it", () => {
    const vm = start([]);
    const memory = new Memory(vm.memory.size);
    expect(() => resumeProcess({ ...vm.setup(), version: 2 as 1 }, vm.save(), memory, { stdout: () => {} })).toThrow(/setup version 2/);
    expect(() => resumeProcess(vm.setup(), { ...vm.save(), programBreak: -4 }, memory, { stdout: () => {} })).toThrow(/program break/);
    expect(() => resumeProcess(vm.setup(), vm.save(), new Memory(4096), { stdout: () => {} })).toThrow(/memory is 4096 bytes/);
  });
});
