/**
 * Debugging a guest that live-migrates during the session (--migrate-at): for each strategy,
 * stepping back over the switchover returns to host A's state byte for byte, stepping forward
 * again arrives at host B's, the destination's own state where the migration ended is what the
 * replay reaches, points hit on either host, and the migrated run's console and end are those
 * of the same migration without the debugger.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readImageFile } from "../../isa/sources.js";
import type { Memory } from "../../isa/memory.js";
import { openMachines, openProgram, type SnapshotOptions } from "../../vmm/debug/open.js";
import type { Session } from "../../vmm/debug/session.js";
import { resolveGuest } from "../../vmm/guests.js";
import { migrate } from "../../vmm/migration/engine.js";
import { bootVm, MACHINE_HOST, runToEnd } from "../../vmm/migration/machine-vm.js";
import { PROCESS_HOST, startProcess } from "../../vmm/migration/process-vm.js";
import type { MigratableVm } from "../../vmm/migration/vm-port.js";
import { STRATEGIES, type Strategy } from "../../vmm/migration/stream/frames.js";
import { fingerprint, program, run } from "./helpers.js";

const AT = 20_000;
const MULTI = { name: "multi", bootArgs: "run=count,hog" };
const MEMWRITER = { path: "programs/memwriter.s", args: "pages=64 rate=20000 iters=8", at: 2_000 };

const stateOf = (save: unknown, memory: Memory) =>
  JSON.stringify({ state: save, memory: createHash("sha256").update(memory.bytes).digest("hex") });
const stateOfVm = (vm: MigratableVm) => stateOf(vm.save(), vm.memory);

/** The same migration without the debugger, as `toyvmm migrate --at` runs it. */
function reference(vm: MigratableVm, strategy: Strategy, at: number, host = MACHINE_HOST) {
  vm.run(at);
  const result = migrate(vm, { strategy, host });
  const migrationEnd = { tick: result.vm.ticks, state: stateOfVm(result.vm) };
  runToEnd(result.vm);
  return {
    switchTick: result.source.ticks,
    migrationEnd,
    console: vm.output + result.vm.output,
    final: stateOfVm(result.vm),
  };
}

const multiImage = () => resolveGuest(MULTI.name).image;
const multi = (migration?: { strategy: Strategy; at?: number }, snapshots: SnapshotOptions = {}) =>
  openMachines([{ name: MULTI.name, image: multiImage(), bootArgs: MULTI.bootArgs }], {
    ...snapshots,
    ...(migration ? { migration: { atTick: migration.at ?? AT, parameters: { strategy: migration.strategy } } } : {}),
  }).session;

/** Commands in order, their console output gathered. */
function console(session: Session, ...commands: string[]): string {
  return commands.map((c) => run(session, c).console).join("");
}

/** Back one tick at a time from where the session is to `to`, each state the unmigrated guest's. */
function backTickByTick(session: Session, plain: Session, to: number): void {
  while (session.target.ticks > to) {
    const before = session.target.ticks;
    run(session, "reverse-stepi");
    expect(session.target.ticks).toBe(before - 1);
    run(plain, `goto ${session.target.ticks}`);
    expect(fingerprint(session.target), `tick ${session.target.ticks}`).toBe(fingerprint(plain.target));
  }
}

describe("a guest kernel migrated during the session", () => {
  it.each(STRATEGIES)(
    "%s: back over the switchover to host A byte for byte, forward again to host B, on to the migrated run's end",
    (strategy) => {
      const ref = reference(bootVm({ name: MULTI.name, image: multiImage(), bootArgs: MULTI.bootArgs }), strategy, AT);
      const session = multi({ strategy });
      const plain = multi();
      const s = ref.switchTick;
      let out = console(session, `goto ${s + 3}`);
      expect(session.vm.migration!.record!.switchTick).toBe(s);
      expect(session.host()).toBe("B");
      // The migration's ticks have their snapshots too: going back over the switchover replays at most an interval.
      const timeline = session.vm.timeline;
      expect(s - 1 - timeline.snapshotTick(s - 1)).toBeLessThanOrEqual(timeline.interval);
      const onB = fingerprint(session.target);

      backTickByTick(session, plain, s - 3);
      expect(session.host()).toBe("A");
      expect(run(session, "info migration").data.migration).toMatchObject({ host: "A", switchTick: s, atTick: AT });
      out += console(session, "stepi 6");
      expect(session.host()).toBe("B");
      expect(fingerprint(session.target)).toBe(onB);

      // Where the migration ended, the replay is in the destination's own state (post-copy: after its last page came).
      out += console(session, `goto ${ref.migrationEnd.tick}`);
      expect(stateOf(session.target.save(), session.target.memory)).toBe(ref.migrationEnd.state);
      // Half-way between, host B (post-copy: still faulting pages in) holds what the unmigrated guest holds.
      const middle = Math.floor((s + ref.migrationEnd.tick) / 2);
      run(session, `goto ${middle}`);
      run(plain, `goto ${middle}`);
      expect(fingerprint(session.target)).toBe(fingerprint(plain.target));

      out += console(session, "continue");
      expect(out).toBe(ref.console);
      expect(stateOf(session.target.save(), session.target.memory)).toBe(ref.final);
    },
  );

  it("continue over the migration: the move is told, the guest ends on host B as the migrated run does", () => {
    const ref = reference(bootVm({ name: MULTI.name, image: multiImage(), bootArgs: MULTI.bootArgs }), "post-copy", AT);
    const session = multi({ strategy: "post-copy" });
    const end = run(session, "continue");
    expect(end.lines[0]).toMatch(
      /^\[migrated to host B by post-copy: switchover at tick \d+, downtime [\d.]+ ms, migration done at tick \d+\]$/,
    );
    expect(end.data.stop).toMatchObject({ reason: "end", host: "B" });
    expect(end.console).toBe(ref.console);
    expect(session.where()).toMatch(/\[tick \d+, host B\]$/);
  });

  it("a breakpoint inside the migration stops on host A while pre-copy's rounds run; reverse-continue from host B finds a hit on host A", () => {
    const session = multi({ strategy: "pre-copy" });
    const hit = run(session, `break p_count_spin if $tick > ${AT + 10}`, "continue");
    expect(hit.lines[0]).toMatch(/^\[migrated to host B by pre-copy/);
    expect(hit.data.stop).toMatchObject({ reason: "breakpoint", host: "A" });
    const s = session.vm.migration!.record!.switchTick!;
    expect(session.target.ticks).toBeLessThan(s);
    expect(run(session, "info migration").lines[0]).toMatch(/copying memory while the guest runs on host A$/);

    expect(run(session, "delete", "continue").data.stop).toMatchObject({ reason: "end", host: "B" });
    const back = run(session, "delete", `break say if $tick < ${s}`, "reverse-continue");
    expect(back.lines[0]).toBe(`[back on host A: before the switchover at tick ${s}]`);
    expect(back.data.stop).toMatchObject({ reason: "breakpoint", host: "A" });
    expect(session.target.ticks).toBeLessThan(s);
  });

  it("a watchpoint and a breakpoint hit on host B", () => {
    const session = multi({ strategy: "post-copy" });
    run(session, `goto ${AT}`);
    const s = () => session.vm.migration!.record!.switchTick!;
    const write = run(session, "watch procs 64 if $tick > 20100", "continue");
    expect(write.data.stop).toMatchObject({ reason: "watchpoint", host: "B" });
    expect(session.target.ticks).toBeGreaterThan(s());
    const done = run(session, "delete", "break p_count_done", "continue");
    expect(done.data.stop).toMatchObject({ reason: "breakpoint", host: "B", at: "0x0000412c <p_count_done>" });
    // Output comes at its own tick, though the migration ran the guest further before the stop.
    expect(write.console + done.console).toContain("pid 1: count 4\n");
    expect(write.console + done.console).not.toContain("hog sum");
    expect(run(session, "delete", "continue").console).toBe(
      "pid 2: hog sum 4501500\n[kernel] all processes finished\n",
    );
  });

  it("snapshots thinned after the migration still step back over the switchover exactly", () => {
    const session = multi({ strategy: "pre-copy" }, { interval: 500, maxBytes: 256 * 1024 });
    const plain = multi();
    run(session, "continue");
    expect(session.vm.timeline.stats().interval).toBeGreaterThan(500);
    const s = session.vm.migration!.record!.switchTick!;
    run(session, `goto ${s + 1}`);
    backTickByTick(session, plain, s - 1);
  });

  it("a migration that is cancelled before its commit leaves the guest on host A", () => {
    const g = resolveGuest(MULTI.name);
    const { session } = openMachines([{ name: g.name, image: g.image, bootArgs: MULTI.bootArgs }], {
      migration: { atTick: AT, parameters: { strategy: "pre-copy", cancelAtNs: 100_000 } },
    });
    const end = run(session, "continue");
    expect(end.lines[0]).toMatch(/^\[migration failed \(.*\): the guest goes on at host A, tick \d+\]$/);
    expect(end.data.stop).toMatchObject({ reason: "end", host: "A" });
  });

  it("refuses a migration tick the guest never reaches, and a migration of several guests", () => {
    expect(() => multi({ strategy: "pre-copy", at: 10_000_000 })).toThrow(
      /^--migrate-at 10000000: multi ends after \d+ ticks, before the migration point$/,
    );
    const g = resolveGuest("solo");
    const spec = { name: g.name, image: g.image, bootArgs: "" };
    expect(() =>
      openMachines([spec, { ...spec, name: "solo-2" }], {
        migration: { atTick: 5, parameters: { strategy: "pre-copy" } },
      }),
    ).toThrow(/one guest migrates/);
  });
});

describe("a program migrated during the session", () => {
  const image = () => readImageFile(MEMWRITER.path, { includePath: [] });
  it.each(STRATEGIES)("%s: back over the switchover byte for byte, and the migrated run's output", (strategy) => {
    const vm = startProcess({ name: MEMWRITER.path, image: image(), args: MEMWRITER.args });
    const ref = reference(vm, strategy, MEMWRITER.at, PROCESS_HOST);
    const { session } = openProgram(image(), {
      name: MEMWRITER.path,
      args: MEMWRITER.args,
      migration: { atTick: MEMWRITER.at, parameters: { strategy } },
    });
    const plain = program(MEMWRITER.path, { args: MEMWRITER.args }).session;
    const s = ref.switchTick;
    let out = console(session, `goto ${s + 2}`);
    const onB = fingerprint(session.target);
    backTickByTick(session, plain, s - 2);
    out += console(session, "stepi 4");
    expect(fingerprint(session.target)).toBe(onB);
    out += console(session, "continue");
    expect(out).toBe(ref.console);
    expect(stateOf(session.target.save(), session.target.memory)).toBe(ref.final);
  });
});
