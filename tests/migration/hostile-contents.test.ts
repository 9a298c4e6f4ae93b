/**
 * A destination facing a peer that lies: every frame well formed (length, type and CRC right)
 * but the setup's fields and config or the state saying what no VM can be — truncated JSON, a
 * halted CPU in a process, a pc outside memory, no tick count, a tick limit that is text — and,
 * beyond the hand-made cases, random mutations of the real setup and state. The source's
 * frames are replaced on the link (`rewrite`), so the migration around them is real.
 *
 * Refused contents end the migration `failed` with one line in toyvmm's words naming the frame
 * and the field, and the guest goes on at the source as if nothing happened. Never a JS
 * exception, never a hang: the destination never runs what it refused, what it accepts runs
 * for a bounded budget, and each property has a time limit.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32 } from "../../isa/crc32.js";
import { migrate } from "../../vmm/migration/engine.js";
import { runToEnd } from "../../vmm/migration/machine-vm.js";
import { decodeFrame, encodeFrame } from "../../vmm/migration/stream/codec.js";
import { FRAME_TYPES, type Frame, type FrameOf, type Strategy } from "../../vmm/migration/stream/frames.js";
import type { MigratableVm } from "../../vmm/migration/vm-port.js";
import { boot, guest, recordingHost, reference, type Guest } from "./helpers.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Target = "setup" | "state";

/** Where each guest is migrated: solo and solo-bare at their first instructions, before paging is on; multi with it on. */
const AT: Record<string, number> = { memwriter: 30_000, solo: 3, "solo-bare": 3, multi: 20_000 };

/** Rewrites the first forward frame of the target's type; `edit` works on the frame (setup) or the state's JSON text. */
function liar(target: Target, edit: (frame: Frame) => Frame): (n: number, bytes: Uint8Array) => Uint8Array {
  return (n, bytes) => (n > 0 && FRAME_TYPES[bytes[0]! - 1] === target ? encodeFrame(edit(decodeFrame(bytes, n - 1))) : bytes);
}

const editConfig = (change: (config: Json) => Json | string) => (frame: Frame) => {
  const setup = frame as FrameOf<"setup">;
  const config = change(JSON.parse(setup.config) as Json);
  return { ...setup, config: typeof config === "string" ? config : JSON.stringify(config) };
};
const editState = (change: (state: Json) => Json | string) => (frame: Frame) => {
  const state = change(JSON.parse((frame as FrameOf<"state">).json) as Json);
  return { type: "state" as const, json: typeof state === "string" ? state : JSON.stringify(state) };
};
type Obj = { [key: string]: Json };
const at = (value: Json, ...keys: string[]): Obj => keys.reduce((v, k) => (v as Obj)[k]!, value) as Obj;

interface Attempt {
  source: MigratableVm;
  result: ReturnType<typeof migrate>;
  live: MigratableVm[];
}

function attempt(g: Guest, strategy: Strategy, target: Target, edit: (frame: Frame) => Frame): Attempt {
  const { host, restored } = recordingHost();
  const source = boot(g);
  source.run(AT[g.label]!);
  const result = migrate(source, { strategy, host, faults: { rewrite: liar(target, edit) } });
  return { source, result, live: [source, ...restored].filter((vm) => !vm.destroyed) };
}

/**
 * Refused: failed, one line naming the frame, the source the only live copy. The destination
 * refuses what it cannot be; post-copy's source also refuses an acknowledgement of a state
 * other than the one it sent (a lie the destination could not tell from the truth).
 */
function expectRefused({ source, result, live }: Attempt, target: Target, byEitherSide = false): string {
  const s = result.stats;
  expect(s.status, String(s.error)).toBe("failed");
  expect(s.runsOn).toBe("source");
  expect(result.vm).toBe(source);
  expect(live).toEqual([source]);
  const error = s.error!;
  expect(error).not.toContain("\n");
  const frame = byEitherSide ? `(?:frame \\d+ \\(${target}\\)|return frame \\d+ \\(started\\))` : `frame \\d+ \\(${target}\\)`;
  expect(error).toMatch(new RegExp(`^migration stream: ${frame}: .+; the guest goes on at the source$`));
  // toyvmm's words, not the JSON parser's or the schema library's
  expect(error).not.toMatch(/Invalid input|Unrecognized key|received|in JSON at position/);
  return error.replace(/^migration stream: frame \d+ /, "").replace(/; the guest goes on at the source$/, "");
}

const memwriter = guest("memwriter");
const solo = guest("solo");
const soloBare = guest("solo-bare");

interface Case {
  label: string;
  g: Guest;
  target: Target;
  edit: (frame: Frame) => Frame;
  /** The error between `frame N ` and `; the guest goes on at the source`. */
  error: string | RegExp;
}

const CASES: Case[] = [
  { label: "a setup config that is truncated JSON", g: memwriter, target: "setup", error: "(setup): config: not valid JSON",
    edit: editConfig((c) => JSON.stringify(c).slice(0, 13)) },
  { label: "a state that is truncated JSON", g: memwriter, target: "state", error: "(state): not valid JSON",
    edit: editState((s) => JSON.stringify(s).slice(0, 13)) },
  { label: "a process whose CPU is halted", g: memwriter, target: "state", error: "(state): cpu.halted: a process's CPU never halts (it ends by exit)",
    edit: editState((s) => ({ ...at(s), cpu: { ...at(s, "cpu"), halted: true } })) },
  { label: "a process pc outside memory", g: memwriter, target: "state", error: /^\(state\): cpu\.pc: expected a word-aligned address below \d+ \(paging is off\)$/,
    edit: editState((s) => ({ ...at(s), cpu: { ...at(s, "cpu"), pc: 0x7ffffff0 } })) },
  { label: "a process pc not word-aligned", g: memwriter, target: "state", error: /^\(state\): cpu\.pc: expected a word-aligned address/,
    edit: editState((s) => ({ ...at(s), cpu: { ...at(s, "cpu"), pc: (at(s, "cpu").pc as number) + 2 } })) },
  { label: "a machine pc outside memory", g: solo, target: "state", error: /^\(state\): cpu\.pc: expected a word-aligned address below 262144 \(paging is off\)$/,
    edit: editState((s) => ({ ...at(s), cpu: { ...at(s, "cpu"), pc: 1 << 20 } })) },
  { label: "a bare machine pc outside memory", g: soloBare, target: "state", error: /^\(state\): cpu\.pc: expected a word-aligned address below 262144 \(paging is off\)$/,
    edit: editState((s) => ({ ...at(s), cpu: { ...at(s, "cpu"), pc: -4 } })) },
  { label: "a state without its tick count", g: memwriter, target: "state", error: "(state): cpu.ticks: expected a whole number ≥ 0",
    edit: editState((s) => { const cpu = { ...at(s, "cpu") }; delete cpu.ticks; return { ...at(s), cpu }; }) },
  { label: "a config whose tick limit is a string", g: memwriter, target: "setup", error: "(setup): config.setup.maxTicks: expected a whole number ≥ 0",
    edit: editConfig((c) => ({ ...at(c), setup: { ...at(c, "setup"), maxTicks: "1000" } })) },
  { label: "a register array of the wrong length", g: solo, target: "state", error: "(state): cpu.regs: expected 16 registers",
    edit: editState((s) => ({ ...at(s), cpu: { ...at(s, "cpu"), regs: [0, 1, 2] } })) },
  { label: "a register that is not a 32-bit integer", g: memwriter, target: "state", error: "(state): cpu.regs[3]: expected a 32-bit integer",
    edit: editState((s) => { const regs = [...(at(s, "cpu").regs as number[])]; regs[3] = 2 ** 32; return { ...at(s), cpu: { ...at(s, "cpu"), regs } }; }) },
  { label: "a state version this toyvmm does not read", g: solo, target: "state", error: "(state): version: 7 is not supported (this toyvmm reads 1)",
    edit: editState((s) => ({ ...at(s), version: 7 })) },
  { label: "a state with a field no VM has", g: memwriter, target: "state", error: '(state): unexpected field "the answer"',
    edit: editState((s) => ({ ...at(s), "the answer": 42 })) },
  { label: "a machine state of another kind than its config", g: solo, target: "state", error: '(state): kind: expected "monitor"',
    edit: editState((s) => ({ ...at(s), kind: "bare" })) },
  { label: "a config of no known kind", g: solo, target: "setup", error: '(setup): config.kind: expected "monitor", "bare" or "process"',
    edit: editConfig((c) => ({ ...at(c), kind: "unikernel" })) },
  { label: "a sleep that ends before now", g: memwriter, target: "state", error: /^\(state\): sleepUntil: expected a tick after \d+$/,
    edit: editState((s) => ({ ...at(s), sleepUntil: 1 })) },
  { label: "a program break outside memory", g: memwriter, target: "state", error: /^\(state\): programBreak: expected a program break from \d+ to 1048576$/,
    edit: editState((s) => ({ ...at(s), programBreak: 2 ** 40 })) },
  { label: "a memory size that is not whole pages", g: memwriter, target: "setup", error: "(setup): memorySize: expected a multiple of 4096 from 4096 to 1073741824",
    edit: (f) => ({ ...(f as FrameOf<"setup">), memorySize: 4097 }) },
  { label: "a memory size past the limit", g: solo, target: "setup", error: "(setup): memorySize: expected a multiple of 4096 from 4096 to 1073741824",
    edit: (f) => ({ ...(f as FrameOf<"setup">), memorySize: 0xfffff000 }) },
  { label: "a process setup for another memory size", g: memwriter, target: "setup", error: "(setup): config.setup.memorySize: expected 1048576, the size of the memory it runs in",
    edit: editConfig((c) => ({ ...at(c), setup: { ...at(c, "setup"), memorySize: 8192 } })) },
  { label: "an unknown strategy", g: solo, target: "setup", error: "(setup): strategy: expected a whole number from 0 to 2",
    edit: (f) => ({ ...(f as FrameOf<"setup">), strategy: 9 }) },
  { label: "a name too long to be one", g: solo, target: "setup", error: "(setup): name: expected text of at most 4096 characters",
    edit: (f) => ({ ...(f as FrameOf<"setup">), name: "x".repeat(5000) }) },
];

describe.each(["stop-copy", "post-copy"] as const)("%s to a destination that is lied to", (strategy) => {
  it.each(CASES)("$label: refused in one line, and the guest goes on at the source", ({ g, target, edit, error }) => {
    const a = attempt(g, strategy, target, edit);
    const said = expectRefused(a, target);
    if (typeof error === "string") expect(said).toBe(error);
    else expect(said).toMatch(error);
    runToEnd(a.source);
    expect({ output: a.source.output, ticks: a.source.ticks, memoryCrc: crc32(a.source.memory.bytes) }).toEqual(reference(g));
  });
});

/** A random change somewhere in a JSON value: a field dropped, replaced, added, or the text cut or garbled. */
const NASTY: Json[] = [-1, 1.5, 2 ** 53, -(2 ** 31) - 1, 2 ** 32, 1e308, "1", "", null, true, [], {}, [1, 2], { version: 1 }];

function paths(value: Json, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== "object") return [prefix];
  const keys = Array.isArray(value) ? value.map((_, i) => String(i)) : Object.keys(value);
  return [prefix, ...keys.flatMap((k) => paths((value as Obj)[k]!, [...prefix, k]))];
}

function mutate(value: Json, pick: number, how: number, replacement: Json, cut: number): Json | string {
  const text = JSON.stringify(value);
  if (how === 0) return text.slice(0, cut % text.length);
  if (how === 1) return text.slice(0, cut % text.length) + "}{" + text.slice(cut % text.length);
  const all = paths(value);
  const path = all[pick % all.length]!;
  const copy = structuredClone(value);
  if (path.length === 0) return how === 2 ? replacement : copy;
  const parent = path.slice(0, -1).reduce((v, k) => (v as Obj)[k]!, copy) as Obj;
  const key = path[path.length - 1]!;
  if (how === 2) parent[key] = replacement;
  else if (how === 3 && !Array.isArray(parent)) delete parent[key];
  else if (how === 3) (parent as unknown as Json[]).pop();
  else parent[`${key}+`] = replacement;
  return copy;
}

const mutation = fc.record({
  pick: fc.nat(),
  how: fc.nat({ max: 4 }),
  replacement: fc.oneof(fc.constantFrom(...NASTY), fc.jsonValue() as fc.Arbitrary<Json>),
  cut: fc.nat(),
});

describe("random mutations of a real setup and state", () => {
  for (const g of [memwriter, solo, soloBare, guest("multi")]) {
    for (const target of ["setup", "state"] as const) {
      it(`${g.label} ${target}: refused in one line with the source running, or valid and the destination runs`, () => {
        fc.assert(
          fc.property(fc.constantFrom<Strategy>("stop-copy", "post-copy"), mutation, (strategy, m) => {
            const change = (v: Json) => mutate(v, m.pick, m.how, m.replacement, m.cut);
            const a = attempt(g, strategy, target, target === "setup" ? editConfig(change) : editState(change));
            if (a.result.stats.status === "failed") {
              expectRefused(a, target, true);
              a.source.run(50_000);
              return;
            }
            // The change happened to describe a VM (another register value, say): it runs, and
            // is the only copy — within a bounded budget, and without a JS exception.
            expect(a.live).toEqual([a.result.vm]);
            for (let i = 0; i < 20; i++) a.result.vm.run(50_000);
          }),
          { numRuns: 30 },
        );
      }, 60_000);
    }
  }
});
