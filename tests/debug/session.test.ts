/**
 * Scripted sessions against every bundled program and guest kernel: breakpoints stop where
 * they should, watchpoints on the right store, reverse execution returns to the same state
 * byte for byte, and a guest stepped through ends exactly as one run without the debugger.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readImageFile } from "../../isa/sources.js";
import { openMachines } from "../../vmm/debug/open.js";
import { createBareMachine } from "../../vmm/monitor/bare.js";
import { createVm } from "../../vmm/monitor/vm.js";
import { readExpectations } from "../../vmm/process/expectations.js";
import { ProcessVm } from "../../vmm/process/process-vm.js";
import { resolveGuest } from "../../vmm/guests.js";
import { fingerprint, guest, program, run } from "./helpers.js";

const PROGRAMS = readdirSync("programs")
  .filter((f) => f.endsWith(".s"))
  .map((f) => `programs/${f}`);
const GUESTS = ["solo", "multi", "threads"];

/** The program's own expectations (args, input, output) from its header. */
const expectations = (path: string) => readExpectations(readFileSync(path, "utf8"), path);

describe("programs in the process VM", () => {
  it.each(PROGRAMS)("%s: break main stops at main; continue ends as `run` does, output shown once", (path) => {
    const e = expectations(path);
    const { session } = program(path, { args: e.args, input: e.input });
    const image = readImageFile(path, { includePath: [] });
    const main = image.symbols.find((s) => s.name === "main")!.address;
    const hit = run(session, "break main", "continue");
    expect(hit.data.stop).toMatchObject({
      reason: "breakpoint",
      pc: main,
      at: `0x${main.toString(16).padStart(8, "0")} <main>`,
    });
    const end = run(session, "continue");
    expect(end.data.stop).toMatchObject({ reason: "end", outcome: { kind: "exited", status: e.exit ?? 0 } });
    expect(hit.console + end.console).toBe(e.stdout ?? "");

    // The same program run without the debugger ends in the same state.
    const plain = new ProcessVm(image, { args: e.args, input: e.input, stdout: () => {}, name: path });
    plain.run();
    expect(session.target.save()).toEqual(plain.save());
    expect(Buffer.from(session.target.memory.bytes).equals(Buffer.from(plain.memory.bytes))).toBe(true);
  });

  it("a watchpoint stops after the store that writes it, with the old and new values", () => {
    const { session } = program("programs/sort.s");
    const reply = run(session, "watch numbers+4", "continue");
    expect(reply.lines.slice(0, 3)).toEqual([
      "Watchpoint 1: numbers+4",
      "Old value = -4 (0xfffffffc)",
      "New value = 31 (0x0000001f)",
    ]);
    // The instruction just before the stop is the store.
    expect(run(session, "x/1i $pc-4").lines[0]).toMatch(/sw\s+t3, 0\(t1\)/);
  });

  it("a conditional breakpoint stops only where its condition holds", () => {
    const { session } = program("programs/sort.s");
    run(session, "break sort_place if $t0 == 5", "continue");
    expect(session.evaluate("$t0")).toBe(5);
    expect(run(session, "info breakpoints").lines[1]).toMatch(
      /break {2}0x[0-9a-f]{8} <sort_place> if \$t0 == 5, hit 1 time/,
    );
  });

  it("reverse-stepi then stepi comes back to the same state, byte for byte, across snapshot boundaries", () => {
    const { session } = program("programs/fib.s", { args: "n=12", interval: 97 });
    for (const tick of [1, 96, 97, 98, 500, 1234]) {
      run(session, `goto ${tick}`);
      const before = fingerprint(session.target);
      run(session, "reverse-stepi");
      expect(session.target.ticks).toBe(tick - 1);
      run(session, "stepi");
      expect(fingerprint(session.target), `tick ${tick}`).toBe(before);
    }
  });

  it("reverse-continue goes back to the previous write, then to the one before", () => {
    const { session } = program("programs/buggy-sort.s");
    run(session, "continue");
    expect(run(session, "print next_word").lines[0]).toMatch(/^\$1 = \d+/);
    const back = run(session, "watch next_word", "reverse-continue");
    expect(back.lines.slice(0, 3)).toEqual([
      "Watchpoint 1: next_word",
      "Old value = -1 (0xffffffff)",
      "New value = 9 (0x00000009)",
    ]);
    expect(session.evaluate("$t0")).toBe(5);
    expect(run(session, "x/1i $pc-4").lines[0]).toMatch(/sw\s+t2, 4\(t1\)/);
    expect(run(session, "reverse-continue").lines[0]).toBe("No more reverse-execution history.");
    expect(session.target.ticks).toBe(0);
  });

  it("finish returns to the caller and shows a0; backtrace follows saved ra", () => {
    const { session } = program("programs/sort.s");
    run(session, "break is_sorted", "continue");
    expect(run(session, "backtrace").lines).toEqual([
      expect.stringMatching(/^#0 {2}0x[0-9a-f]{8} <is_sorted> in is_sorted/),
      expect.stringMatching(/^#1 {2}0x[0-9a-f]{8} <main\+0x[0-9a-f]+> in main/),
      expect.stringMatching(/^#2 {2}0x[0-9a-f]{8} <_start\+0x[0-9a-f]+> in _start/),
    ]);
    const done = run(session, "finish");
    expect(done.lines.at(-1)).toBe("Value returned: a0 = 1 (0x00000001)");
    expect(session.target.symbols.name(session.target.cpu.pc)).toMatch(/^main\+/);
  });

  it("next steps over a call; reverse-stepi goes back into it, to its ret", () => {
    const { session } = program("programs/hello.s");
    run(session, "break main", "continue");
    let steps = 0;
    while (!/jal\s+ra/.test(run(session, "x/1i $pc").lines[0]!) && steps++ < 20) run(session, "stepi");
    const pc = session.target.cpu.pc;
    run(session, "next");
    expect(session.target.cpu.pc).toBe(pc + 4);
    run(session, "reverse-stepi");
    expect(run(session, "x/1i $pc").lines[0]).toMatch(/jalr\s+zero, 0\(ra\)/);
    run(session, "stepi");
    expect(session.target.cpu.pc).toBe(pc + 4);
  });

  it("mistakes are one-line answers and the session goes on", () => {
    const { session } = program("programs/hello.s");
    expect(session.execute("frobnicate").error).toBe('Undefined command: "frobnicate". Try "help".');
    expect(session.execute("break nowhere").error).toBe('no symbol "nowhere" in the image');
    expect(session.execute("x/4xw 0xfffffff0").error).toMatch(/^Cannot access memory at address 0x/);
    expect(session.execute("catch syscall nosuch").error).toMatch(/^no system call is called nosuch/);
    expect(session.execute("goto -1").error).toMatch(/expected a tick/);
    expect(run(session, "stepi").data.stop).toMatchObject({ tick: 1 });
  });
});

describe("guest kernels", () => {
  it.each(
    GUESTS.flatMap(
      (g) =>
        [
          [g, false],
          [g, true],
        ] as const,
    ),
  )("%s (bare %s): catch trap stops in the handler; a stepped run equals a plain one", (name, bare) => {
    const { session } = guest(name, { bare });
    const reply = run(session, "catch trap", "continue");
    const stop = reply.data.stop as { reason: string; cause: string };
    expect(stop.reason).toBe("catchpoint");
    expect(reply.lines[0]).toMatch(/^Catchpoint 1 \(trap [a-z-]+ at 0x[0-9a-f]{8}.*\), handler 0x[0-9a-f]{8}/);
    // Registers show the virtual vCPU under the monitor; the trap's cause is in it.
    const regs = run(session, "info registers").data as { csr: Record<string, string>; real?: object };
    expect(Number(regs.csr.cause)).toBeGreaterThan(0);
    expect(regs.real !== undefined).toBe(!bare);
    run(session, "delete", "continue");
    const g = resolveGuest(name);
    const plain = (bare ? createBareMachine : createVm)({ name: g.name, image: g.image });
    while (!plain.ended) plain.run(1_000_000);
    expect(session.target.outcome()).toEqual({ kind: "exited", status: 0 });
    // All but the monitor's count of trap exits: a wfi's wait cut into ticks exits once a tick,
    // as it exits once a quantum under the scheduler. Everything the guest can see is equal.
    const exits = (state: ReturnType<typeof plain.save>) => ({ ...state, stats: { ...state.stats, traps: {} } });
    expect(exits(session.target.save() as ReturnType<typeof plain.save>)).toEqual(exits(plain.save()));
    expect(Buffer.from(session.target.memory.bytes).equals(Buffer.from(plain.memory.bytes))).toBe(true);
  });

  it("info pagetable walks the guest's page tables level by level", () => {
    const { session } = guest("solo");
    run(session, "catch syscall", "continue");
    const view = run(session, "info pagetable $epc");
    expect(view.lines[0]).toMatch(
      /^virtual 0x[0-9a-f]{8}: directory index \d+, table index \d+, offset 0x[0-9a-f]{3}; ptbr 0x/,
    );
    expect(view.lines[1]).toMatch(/^ {2}directory entry at 0x[0-9a-f]{8}: 0x[0-9a-f]{8} {2}P/);
    expect(view.lines[2]).toMatch(/^ {2}table {5}entry at 0x[0-9a-f]{8}: 0x[0-9a-f]{8} {2}P . U A/);
    expect(view.lines[3]).toMatch(/^ {2}physical 0x/);
  });

  it("two VMs: info vms, vm N, and continue runs both round robin", () => {
    const g1 = resolveGuest("solo");
    const g2 = resolveGuest("multi");
    const { session } = openMachines(
      [g1, g2].map((g) => ({ name: g.name, image: g.image, bootArgs: "" })),
      {},
    );
    expect(run(session, "info vms").lines).toEqual([
      expect.stringMatching(/^\* 1 {2}solo/),
      expect.stringMatching(/^ {2}2 {2}multi/),
    ]);
    run(session, "vm 2", "stepi 5");
    expect(session.vms[1]!.target.ticks).toBe(5);
    expect(session.vms[0]!.target.ticks).toBe(0);
    run(session, "continue");
    expect(session.vms.some((v) => v.target.outcome())).toBe(true);
  });
});
