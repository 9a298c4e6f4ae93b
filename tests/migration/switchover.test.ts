/**
 * The switch-over, frame by frame. Every frame around the moment the guest changes hosts —
 * the setup, the first pages, the state, post-copy's acknowledgement and its first pages, the
 * completion — is damaged in transit and, in another run, lost to a cut, with each strategy.
 * Whatever happens, exactly one host holds a live copy of the guest (never none, never two),
 * and that copy, run to its end, gives the output, memory and ticks of an unmigrated run.
 *
 * The frames are found on the timeline of an undisturbed migration (`onTransmit`); a run with
 * a fault is the same run up to the fault, so the fault lands exactly on the frame.
 */
import { describe, expect, it } from "vitest";
import { crc32 } from "../../isa/crc32.js";
import { FORWARD, RETURN, type LinkFaults, type Transmission } from "../../vmm/migration/link.js";
import { ANY_HOST } from "../../vmm/migration/index.js";
import { runToEnd } from "../../vmm/migration/machine-vm.js";
import { FRAME_TYPES, STRATEGIES, type FrameType, type Strategy } from "../../vmm/migration/stream/frames.js";
import { migrate } from "../../vmm/migration/engine.js";
import { boot, guest, recordingHost, reference, type Guest } from "./helpers.js";

const memwriter = guest("memwriter");
const AT = 30_000;
const RESTORE_AFTER_NS = 2_000_000;

interface Traced extends Transmission {
  type: FrameType | "prologue";
}

/** The undisturbed migration's frames, in the order they started. */
function timeline(g: Guest, strategy: Strategy): Traced[] {
  const frames: Traced[] = [];
  const vm = boot(g);
  vm.run(AT);
  const result = migrate(vm, {
    strategy,
    host: ANY_HOST,
    onTransmit: (t) => {
      const type = t.direction === FORWARD && t.number === 0 ? "prologue" : FRAME_TYPES[t.bytes[0]! - 1]!;
      frames.push({ ...t, type });
    },
  });
  expect(result.stats.status).toBe("completed");
  return frames;
}

interface Case {
  label: string;
  faults: LinkFaults;
  /** Before the switch-over any fault fails the migration; after it a cut recovers and damage pauses. */
  expected: "failed" | "completed" | "paused";
}

/** One frame of the switch-over; `late` when it leaves after the source let the guest go. */
interface Target {
  label: string;
  frame: Traced;
  late: boolean;
}

/** A damaged copy of the frame and, separately, a cut while it is on the wire (the link comes back later). */
function casesFor({ label, frame, late }: Target, frames: Traced[]): Case[] {
  const damaged = { label: `${label} damaged`, expected: late ? "paused" : "failed" } as const;
  const cut = { label: `${label} cut`, expected: late ? "completed" : "failed" } as const;
  if (frame.direction === RETURN) {
    return [
      { ...damaged, faults: { corruptReturn: { frame: frame.number } } },
      { ...cut, faults: { cutAtNs: frame.startNs, restoreAfterNs: RESTORE_AFTER_NS } },
    ];
  }
  const before = frames.filter((f) => f.direction === FORWARD && f.number < frame.number).reduce((n, f) => n + f.bytes.length, 0);
  return [
    { ...damaged, faults: { corrupt: { frame: frame.number } } },
    { ...cut, faults: { cutAfterBytes: before + Math.ceil(frame.bytes.length / 2), restoreAfterNs: RESTORE_AFTER_NS } },
  ];
}

/** The frames of the switch-over worth breaking, by strategy. */
function switchoverFrames(strategy: Strategy, frames: Traced[]): Target[] {
  const forward = frames.filter((f) => f.direction === FORWARD);
  const first = (type: FrameType, after = 0) => forward.find((f) => f.type === type && f.number > after);
  const setup = first("setup")!;
  const state = first("state")!;
  const chosen: [string, Traced | undefined][] = [
    ["setup", setup],
    ["state", state],
  ];
  if (strategy === "post-copy") {
    const ack = frames.find((f) => f.direction === RETURN && f.type === "started");
    chosen.push(["the acknowledgement", ack]);
    const pages = forward.filter((f) => f.number > state.number && (f.type === "page" || f.type === "zero"));
    chosen.push(["the first page after the state", pages[0]], ["the second page after the state", pages[1]]);
    // The first page to leave once the source holds the acknowledgement: past the switch-over.
    chosen.push(["a page after the acknowledgement", pages.find((f) => ack && f.startNs >= ack.arrivalNs)]);
  } else {
    const page = forward.find((f) => f.number > setup.number && (f.type === "page" || f.type === "zero"));
    chosen.push(["the first page", page], ["the completion", first("complete")]);
  }
  for (const [label, frame] of chosen) expect(frame, `${strategy}: ${label} is on the timeline`).toBeDefined();
  return chosen.map(([label, frame]) => ({ label, frame: frame!, late: label === "a page after the acknowledgement" }));
}

describe.each(STRATEGIES)("%s: a switch-over frame damaged or cut", (strategy) => {
  const ref = reference(memwriter);
  const frames = timeline(memwriter, strategy);
  const cases = switchoverFrames(strategy, frames).flatMap((target) => casesFor(target, frames));

  it.each(cases)("$label: $expected, one live copy, and it ends as an unmigrated run", ({ label, faults, expected }) => {
    const { host, restored } = recordingHost();
    const source = boot(memwriter);
    source.run(AT);
    const result = migrate(source, { strategy, host, faults });
    const s = result.stats;
    expect(s.status, `${label}: ${s.error}`).toBe(expected);
    const live = [source, ...restored].filter((vm) => !vm.destroyed);
    expect(live, `${label}: live copies (${s.status}: ${s.error})`).toHaveLength(1);
    expect(live[0]).toBe(result.vm);
    if (s.status === "failed") {
      expect(result.vm).toBe(source);
      expect(s.runsOn).toBe("source");
      expect(s.error).toMatch(/; the guest goes on at the source$/);
      expect(s.error).not.toContain("\n");
    } else {
      expect(result.vm).not.toBe(source);
      expect(s.runsOn).toBe("destination");
    }
    // Paused by a damaged frame after the switch-over, the destination holds the guest and waits.
    if (s.status === "paused") return;
    const before = source.output;
    runToEnd(result.vm);
    const output = result.migrated ? before + result.vm.output : source.output;
    expect({ output, ticks: result.vm.ticks, memoryCrc: crc32(result.vm.memory.bytes) }, label).toEqual(ref);
  });
});

describe("post-copy downtime", () => {
  it("runs from the source's stop (the state leaves) to the destination's start (the state arrives)", () => {
    const frames = timeline(memwriter, "post-copy");
    const state = frames.find((f) => f.direction === FORWARD && f.type === "state")!;
    const vm = boot(memwriter);
    vm.run(AT);
    const result = migrate(vm, { strategy: "post-copy", host: ANY_HOST });
    expect(result.stats.downtimeNs).toBe(state.arrivalNs - state.startNs);
  });
});
