import { describe, expect, it } from "vitest";
import { bootGuest } from "./boot-guest.js";

describe("guest-os/multi", () => {
  it("three copies of count interleave under a 500-instruction quantum", () => {
    const r = bootGuest("multi", "procs=3 quantum=500");
    expect(r.exit).toBe("halt");
    expect(r.status).toBe(0);
    expect(r.output).toBe(
      [
        "[kernel] multi: round robin, quantum 500 instructions",
        "[kernel] started pid 1: count",
        "[kernel] started pid 2: count",
        "[kernel] started pid 3: count",
        ...[1, 2, 3, 4].flatMap((i) => [1, 2, 3].map((p) => `pid ${p}: count ${i}`)),
        "[kernel] all processes finished",
        "",
      ].join("\n"),
    );
  });

  it("reads numbers with the programs' arg_int: a value that is not a whole number gives the default", () => {
    const bad = bootGuest("multi", "procs=2x quantum=abc");
    expect(bad.output).toContain("quantum 500 instructions");
    expect(bad.output.match(/started pid/g)).toHaveLength(3);
    const none = bootGuest("multi", "procs=-1 quantum=700");
    expect(none.output).toBe("[kernel] multi: round robin, quantum 700 instructions\n[kernel] all processes finished\n");
  });

  it("a longer quantum changes the interleaving, deterministically", () => {
    const a = bootGuest("multi", "procs=2 quantum=2000");
    const b = bootGuest("multi", "procs=2 quantum=2000");
    expect(a).toEqual(b);
    const lines = a.output.split("\n").filter((l) => l.startsWith("pid"));
    expect(lines).toEqual([
      "pid 1: count 1",
      "pid 2: count 1",
      "pid 1: count 2",
      "pid 1: count 3",
      "pid 2: count 2",
      "pid 2: count 3",
      "pid 1: count 4",
      "pid 2: count 4",
    ]);
  });

  it("kills a faulting process and the others go on; demand paging, spawn, wait and sleep work", () => {
    const r = bootGuest("multi", "run=count,sleeper,heap,bad,parent,hog quantum=300");
    expect(r.status).toBe(0);
    expect(r.output).toBe(
      [
        "[kernel] multi: round robin, quantum 300 instructions",
        "[kernel] started pid 1: count",
        "[kernel] started pid 2: sleeper",
        "[kernel] started pid 3: heap",
        "[kernel] started pid 4: bad",
        "[kernel] started pid 5: parent",
        "[kernel] started pid 6: hog",
        ...EXPECTED_MIX,
        "[kernel] all processes finished",
        "",
      ].join("\n"),
    );
  });

  it("rejects an unknown program name", () => {
    const r = bootGuest("multi", "run=count,nope");
    expect(r.status).toBe(2);
    expect(r.output).toContain("unknown program");
  });
});

const EXPECTED_MIX: string[] = [
  "pid 4: writing to kernel memory",
  "pid 5: spawning count 42",
  "pid 1: count 1",
  "pid 2: woke up 1",
  "[kernel] pid 4 killed: page-fault-write at 0x00001000",
  "pid 5: waiting for pid 7",
  "pid 1: count 2",
  "pid 2: woke up 2",
  "pid 3: heap pages read back 6",
  "pid 7: count 1",
  "pid 1: count 3",
  "pid 2: woke up 3",
  "pid 7: count 2",
  "pid 1: count 4",
  "pid 7: count 3",
  "pid 7: count 4",
  "pid 5: child exit status 42",
  "pid 3: recursion depth 200",
  "pid 6: hog sum 4501500",
];
