import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PAGE_SIZE, REG_SP } from "../../isa/arch.js";
import { assemble, assembleFile } from "../../isa/asm/index.js";
import { UserError } from "../../isa/errors.js";
import type { GuestImage } from "../../isa/image/model.js";
import {
  EXIT_STATUS_LIMIT,
  ProcessVm,
  STACK_RESERVE,
  initialBreak,
  runProcess,
  type ProcessOptions,
} from "../../vmm/process/process-vm.js";
import { restoreProcess } from "../../vmm/process/resume.js";

// Register numbers of the ABI names used below (REGISTER_NAMES in arch.ts).
const S0 = 10;
const S1 = 11;
const S2 = 12;
const S3 = 13;
const T0 = 5;
const T1 = 6;

const decoder = new TextDecoder();

/** Assembles `body` as a bare program (no library): text at 0x1000, 64 KiB of memory. */
function image(body: string, header = ".memsize 65536\n.bootargs 0x800, 256\n"): GuestImage {
  return assemble(`${header}.entry start\n.org 0x1000\nstart:\n${body}\n`, { file: "prog.s" }).image;
}

function run(body: string, options: Partial<ProcessOptions> = {}, header?: string) {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const vm = new ProcessVm(image(body, header), {
    name: "prog.s",
    stdout: (bytes) => out.push(bytes),
    stderr: (bytes) => err.push(bytes),
    ...options,
  });
  const result = vm.run()!;
  return {
    vm,
    result,
    regs: vm.cpu.regs,
    stdout: decoder.decode(Buffer.concat(out)),
    stderr: decoder.decode(Buffer.concat(err)),
  };
}

const EXIT0 = "li a0, 0\nli a1, 0\nsys\n";

describe("process VM: start-up", () => {
  it("starts in user mode at the entry with a0 = boot args, a1 = memory size, sp = top of memory", () => {
    const { regs, result } = run(
      "mv s0, a0\nmv s1, a1\nmv s2, sp\nlbu s3, 0(a0)\n" + EXIT0,
      { args: "n=5" },
    );
    expect(result.reason).toBe("exit");
    expect(regs[S0]).toBe(0x800);
    expect(regs[S1]).toBe(65536);
    expect(regs[S2]).toBe(65536);
    expect(regs[S3]).toBe("n".charCodeAt(0));
  });

  it("gives a0 = 0 without a boot-args area, and refuses arguments for such an image", () => {
    const { regs } = run("mv s0, a0\n" + EXIT0, {}, ".memsize 65536\n");
    expect(regs[S0]).toBe(0);
    expect(() => run(EXIT0, { args: "n=1" }, ".memsize 65536\n")).toThrow(UserError);
    expect(() => run(EXIT0, { args: "x".repeat(300) })).toThrow(/boot-args area holds 256/);
  });

  it("runs user code: privileged instructions fault", () => {
    const { result, stderr } = run("halt\n");
    expect(result).toMatchObject({ reason: "fault", exitStatus: 130 });
    expect(stderr).toBe("prog.s: fault at pc 0x00001000: privileged-instruction (instruction word 0x00000050)\n");
  });
});

describe("process VM: system calls", () => {
  it("exit ends with the status and counts the sys as one tick", () => {
    const { result } = run("li a0, 0\nli a1, -3\nsys\nbrk\n");
    expect(result).toEqual({ reason: "exit", exitStatus: -3, ticks: 3, syscalls: { exit: 1 } });
  });

  it("write sends fd 1 to stdout and fd 2 to stderr, and returns the byte count", () => {
    const { stdout, stderr, regs, result } = run(`
      li a0, 1
      li a1, 1
      la a2, msg
      li a3, 6
      sys
      mv s0, a0
      li a0, 1
      li a1, 2
      la a2, msg
      li a3, 3
      sys
      mv s1, a0
      li a0, 1
      li a1, 1
      la a2, msg
      li a3, 0
      sys
      mv s2, a0
      ${EXIT0}
      msg: .ascii "hello\\n"
    `);
    expect(stdout).toBe("hello\n");
    expect(stderr).toBe("hel");
    expect([regs[S0], regs[S1], regs[S2]]).toEqual([6, 3, 0]);
    expect(result.syscalls).toEqual({ write: 3, exit: 1 });
  });

  it("write answers -1 for other fds, bad pointers and bad lengths, and prints nothing", () => {
    const { stdout, stderr, regs } = run(`
      li a0, 1
      li a1, 3
      la a2, msg
      li a3, 2
      sys
      mv s0, a0
      li a0, 1
      li a1, 1
      li a2, 0xfff0
      li a3, 0x20
      sys
      mv s1, a0
      li a0, 1
      li a1, 1
      li a2, -1
      li a3, 2
      sys
      mv s2, a0
      li a0, 1
      li a1, 1
      la a2, msg
      li a3, -1
      sys
      mv s3, a0
      ${EXIT0}
      msg: .ascii "hi"
    `);
    expect([regs[S0], regs[S1], regs[S2], regs[S3]]).toEqual([-1, -1, -1, -1]);
    expect(stdout).toBe("");
    expect(stderr).toBe("");
  });

  it("read copies the input in order, returns 0 at the end and -1 for bad fds or buffers", () => {
    const { regs } = run(
      `
      li a0, 2
      li a1, 0
      la a2, buf
      li a3, 4
      sys
      mv s0, a0
      li a0, 2
      li a1, 0
      la a2, buf
      addi a2, a2, 4
      li a3, 100
      sys
      mv s1, a0
      li a0, 2
      li a1, 0
      la a2, buf
      li a3, 4
      sys
      mv s2, a0
      li a0, 2
      li a1, 1
      la a2, buf
      li a3, 4
      sys
      mv s3, a0
      li a0, 2
      li a1, 0
      li a2, 0xfffe
      li a3, 4
      sys
      mv t0, a0
      ${EXIT0}
      .balign 4
      buf: .zero 128
    `,
      { input: "abcdef" },
    );
    expect([regs[S0], regs[S1], regs[S2], regs[S3], regs[T0]]).toEqual([4, 2, 0, -1, -1]);
  });

  it("read puts the input bytes into guest memory", () => {
    const img = image(`
      li a0, 2
      li a1, 0
      li a2, 0x3000
      li a3, 16
      sys
      ${EXIT0}
    `);
    const vm = new ProcessVm(img, { stdout: () => {}, input: new Uint8Array([1, 2, 3, 250]) });
    vm.run();
    expect(Array.from(vm.memory.read(0x3000, 5))).toEqual([1, 2, 3, 250, 0]);
  });

  it("time returns guest ticks: the difference is the instructions in between", () => {
    const { regs } = run(`
      li a0, 3
      sys
      mv s0, a0
      addi t0, t0, 1
      addi t0, t0, 1
      li a0, 3
      sys
      mv s1, a0
      ${EXIT0}
    `);
    expect(regs[S0]).toBe(1);
    expect(regs[S1]! - regs[S0]!).toBe(5);
  });

  it("sbrk moves the break from the end of the image toward the stack, and zeroes fresh heap", () => {
    const img = image(`
      li a0, 4
      li a1, 0
      sys
      mv s0, a0
      li a0, 4
      li a1, 8192
      sys
      mv s1, a0
      li t0, 77
      sw t0, 0(s1)
      li a0, 4
      li a1, -8192
      sys
      li a0, 4
      li a1, 8192
      sys
      lw s2, 0(s1)
      li a0, 4
      lui a1, 0x4
      sys
      mv s3, a0
      li a0, 4
      li a1, -0x4000
      sys
      mv t0, a0
      li a0, 4
      li a1, 0
      sys
      mv t1, a0
      ${EXIT0}
    `, ".memsize 0x40000\n");
    const vm = new ProcessVm(img, { stdout: () => {} });
    const start = initialBreak(img);
    expect(start % PAGE_SIZE).toBe(0);
    expect(start).toBeGreaterThanOrEqual(0x1000);
    vm.run();
    const regs = vm.cpu.regs;
    expect(regs[S0]).toBe(start);
    expect(regs[S1]).toBe(start);
    expect(regs[S2]).toBe(0); // grown again: zero, not the 77 written before
    expect(regs[S3]).toBe(-1); // 256 KiB more does not fit in 256 KiB of memory
    expect(vm.programBreak).toBe(start + 8192);
    expect(vm.programBreak).toBeLessThanOrEqual(vm.memory.size - STACK_RESERVE);
    expect(regs[T0]).toBe(-1); // below the start of the heap
    expect(regs[T1]).toBe(start + 8192);
  });

  it("sbrk stops where the stack reserve starts", () => {
    const body = `
      li a0, 4
      li a1, 0
      sys
      mv s0, a0
      li a0, 4
      lui a1, 0x4
      sys
      mv s1, a0
      li a0, 4
      li a1, 1
      sys
      mv s2, a0
      ${EXIT0}
    `;
    const img = image(body, ".memsize 0x50000\n");
    const vm = new ProcessVm(img, { stdout: () => {} });
    vm.run();
    const start = vm.cpu.regs[S0]!;
    // 0x50000 - 0x10000 reserve = 0x40000: start + 0x40000 only fits when start is 0
    expect(vm.cpu.regs[S1]).toBe(-1);
    const fits = 0x40000 - start;
    const vm2 = new ProcessVm(image(body.replace("lui a1, 0x4", `li a1, ${fits}`), ".memsize 0x50000\n"), { stdout: () => {} });
    vm2.run();
    expect(vm2.cpu.regs[S1]).toBe(start);
    expect(vm2.cpu.regs[S2]).toBe(-1); // one byte more would enter the stack reserve
  });

  it("getpid is 1, yield is a no-op, sleep advances time, spawn and wait are unsupported", () => {
    const { regs, result } = run(`
      li a0, 7
      sys
      mv s0, a0
      li a0, 5
      sys
      mv s1, a0
      li a0, 6
      li a1, 1000
      sys
      li a0, 8
      li a1, 0
      sys
      mv s2, a0
      li a0, 9
      li a1, 1
      sys
      mv s3, a0
      li a0, 99
      sys
      mv t0, a0
      ${EXIT0}
    `);
    expect([regs[S0], regs[S1], regs[S2], regs[S3], regs[T0]]).toEqual([1, 0, -1, -1, -1]);
    expect(result.syscalls).toEqual({ getpid: 1, yield: 1, sleep: 1, spawn: 1, wait: 1, unknown: 1, exit: 1 });
    expect(result.ticks).toBe(1000 + 23); // 23 instructions and a sleep of 1000
  });
});

describe("process VM: faults and limits", () => {
  const cases: [string, string, number, string][] = [
    ["access fault", "lui t0, 0x40\nlw t1, 0(t0)", 135, "fault at pc 0x00001004: access-fault at 0x00400000"],
    ["misaligned load", "li t0, 0x2001\nlw t1, 0(t0)", 134, "fault at pc 0x00001004: misaligned-access at 0x00002001"],
    ["divide by zero", "li t0, 5\ndiv t1, t0, zero", 136, "fault at pc 0x00001004: divide-by-zero"],
    ["breakpoint", "nop\nbrk", 138, "fault at pc 0x00001004: breakpoint"],
    ["illegal instruction", ".word 0xff", 129, "fault at pc 0x00001000: illegal-instruction (instruction word 0x000000ff)"],
    ["privileged csr access", "csrr t0, status", 130, "fault at pc 0x00001000: privileged-instruction"],
    ["jump outside memory", "lui t0, 0x100\njr t0", 135, "fault at pc 0x01000000: access-fault at 0x01000000"],
  ];
  for (const [what, body, status, message] of cases) {
    it(`${what}: one line on stderr, exit status 128 + cause`, () => {
      const { result, stderr } = run(body);
      expect(result.reason).toBe("fault");
      expect(result.exitStatus).toBe(status);
      expect(result.fault?.cause).toBe(status - 128);
      expect(stderr.startsWith(`prog.s: ${message}`)).toBe(true);
      expect(stderr.endsWith("\n")).toBe(true);
      expect(stderr.slice(0, -1)).not.toContain("\n");
      expect(result.message).toBe(stderr.slice(0, -1));
    });
  }

  it("a fault in a stack that ran off the bottom of memory is a fault, not a JS exception", () => {
    const { result } = run("li sp, 0\npush ra\n");
    expect(result).toMatchObject({ reason: "fault", exitStatus: 135 });
  });

  it("stops a runaway program at exactly the tick limit", () => {
    const { result, stderr } = run("loop:\n    j loop\n", { maxTicks: 1000 });
    expect(result).toMatchObject({ reason: "limit", exitStatus: EXIT_STATUS_LIMIT, ticks: 1000 });
    expect(stderr).toBe("prog.s: stopped at the tick limit after 1000 ticks, pc 0x00001000 (raise it with --max-ticks)\n");
  });

  it("a sleep that would pass the limit stops at the limit", () => {
    const { result } = run("li a0, 6\nli a1, 100000\nsys\n" + EXIT0, { maxTicks: 500 });
    expect(result).toMatchObject({ reason: "limit", ticks: 500 });
  });

  it("an exit on the last allowed tick is an exit", () => {
    const { result } = run(EXIT0, { maxTicks: 3 });
    expect(result).toMatchObject({ reason: "exit", ticks: 3 });
  });
});

describe("process VM: determinism and slicing", () => {
  const sieve = assembleFile("programs/sieve.s").image;
  const memwriter = assembleFile("programs/memwriter.s").image;

  function collect(img: GuestImage, args: string, budgets?: number[]) {
    const out: Uint8Array[] = [];
    const vm = new ProcessVm(img, { args, stdout: (b) => out.push(b) });
    let result;
    for (const budget of budgets ?? []) {
      result = vm.run(budget);
      if (result) break;
    }
    result ??= vm.run();
    return { bytes: Buffer.concat(out), result, memory: vm.memory.bytes };
  }

  it("two runs of the same image, arguments and input give the same bytes and ticks", () => {
    const a = collect(sieve, "n=5000");
    const b = collect(sieve, "n=5000");
    expect(a.bytes.length).toBeGreaterThan(10);
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.result).toEqual(b.result);
    expect(Buffer.from(a.memory).equals(Buffer.from(b.memory))).toBe(true);
  });

  it("a run cut into any slices equals one run", () => {
    const whole = collect(memwriter, "pages=8 iters=3 rate=50000");
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 40 }), (budgets) => {
        const sliced = collect(memwriter, "pages=8 iters=3 rate=50000", budgets);
        expect(sliced.bytes.equals(whole.bytes)).toBe(true);
        expect(sliced.result).toEqual(whole.result);
      }),
      { numRuns: 40 },
    );
  });

  it("save and restore resume a process exactly", () => {
    const whole = collect(memwriter, "pages=4 iters=2");
    const out: Uint8Array[] = [];
    const first = new ProcessVm(memwriter, { args: "pages=4 iters=2", stdout: (b) => out.push(b) });
    expect(first.run(333)).toBeUndefined();
    const state = JSON.parse(JSON.stringify(first.save()));
    const second = new ProcessVm(memwriter, { args: "pages=4 iters=2", stdout: (b) => out.push(b) });
    second.memory.bytes.set(first.memory.bytes);
    restoreProcess(second, state);
    const result = second.run();
    expect(result).toEqual(whole.result);
    expect(Buffer.concat(out).equals(whole.bytes)).toBe(true);
  });

  it("runs in guest memory larger than the image asks for when told to", () => {
    const vm = new ProcessVm(image(EXIT0), { stdout: () => {}, memorySize: 1 << 20 });
    expect(vm.memory.size).toBe(1 << 20);
    expect(vm.cpu.regs[REG_SP]).toBe(1 << 20);
    expect(runProcess(image(EXIT0), { stdout: () => {} }).reason).toBe("exit");
  });
});
