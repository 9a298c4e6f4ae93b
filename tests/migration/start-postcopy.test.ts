/**
 * A running pre-copy turned into post-copy (QEMU's migrate-start-postcopy), on the simulated
 * link at many moments and over TCP: the guest stops, a `postcopy` frame tells the destination
 * which of its pages are stale, the state follows, and the destination runs the guest while
 * it fetches those pages. The guest ends as an unmigrated run; once its rounds are over, a
 * pre-copy can no longer turn.
 */
import { afterEach, describe, expect, it } from "vitest";
import { FORWARD } from "../../vmm/migration/link.js";
import { FRAME_CODE } from "../../vmm/migration/stream/frames.js";
import { expectSourceReleased, guest, migratedRun, reference } from "./helpers.js";
import { closeRun, finish, type RealRun, results, startRealMigration, until, WRITER } from "./real-helpers.js";

const memwriter = guest("memwriter");
// A slow link and a tight target: pre-copy's rounds go on while the guest (43 ms at this speed) runs.
const link = { strategy: "pre-copy" as const, bandwidth: 10_000_000, speed: 3_000_000, downtimeTargetNs: 1_000_000 };

describe("pre-copy turned into post-copy on the simulated link", () => {
  const plain = migratedRun(memwriter, 30_000, link).result.stats;
  // The middle of every round before the last (the stop-and-copy), and the very start.
  const moments = [0, ...plain.rounds.slice(0, -1).map((r) => Math.floor((r.startNs + r.endNs) / 2))];

  it("the plain pre-copy has rounds to turn in", () => {
    expect(plain.rounds.length).toBeGreaterThanOrEqual(3);
  });

  it.each(moments)("at %i ns: completes, and the guest ends as an unmigrated run", (startPostcopyAtNs) => {
    let switched = false;
    const onTransmit = (t: { direction: number; bytes: Uint8Array }) => {
      if (t.direction === FORWARD && t.bytes[0] === FRAME_CODE.postcopy) switched = true;
    };
    const { outcome, result, source } = migratedRun(memwriter, 30_000, { ...link, startPostcopyAtNs, onTransmit });
    const s = result.stats;
    expect(s.status, String(s.error)).toBe("completed");
    expect(switched).toBe(true);
    // The rounds up to the turn (the one under way ends there), then post-copy's.
    const turn = s.rounds.at(-2);
    if (turn) expect(turn.endNs).toBeGreaterThanOrEqual(startPostcopyAtNs);
    expect(outcome).toEqual(reference(memwriter));
    expectSourceReleased(source);
  });

  it("after the rounds are over it is too late, and pre-copy completes as it would have", () => {
    const late = migratedRun(memwriter, 30_000, { ...link, startPostcopyAtNs: plain.totalNs - 1 });
    expect(late.result.stats).toEqual(plain);
  });
});

describe("pre-copy turned into post-copy over TCP", () => {
  let run: RealRun | null = null;
  afterEach(async () => {
    await closeRun(run);
    run = null;
  });

  it("startPostcopy() during the rounds: completes, the guest ends as an unmigrated run", async () => {
    run = await startRealMigration(WRITER, 20_000, { strategy: "pre-copy", bandwidth: 2_000_000 });
    const r = run;
    await until(() => r.out.stats.progress.length > 0, 5_000, "the rounds under way");
    r.out.startPostcopy();
    expect(() => r.out.startPostcopy()).toThrow(/only a pre-copy whose rounds still run/);
    const [out, incoming] = await results(r);
    expect(out.status, String(out.error)).toBe("completed");
    expect(incoming.status, String(incoming.error)).toBe("completed");
    expect(r.statuses.source).toContain("postcopy-active");
    expect(() => r.out.cancel()).not.toThrow(); // over: nothing to cancel
    expect(await finish(r, out)).toEqual(reference(WRITER));
  });

  it("cancel() during the rounds resumes the guest at the source", async () => {
    run = await startRealMigration(WRITER, 20_000, { strategy: "pre-copy", bandwidth: 2_000_000 });
    const r = run;
    await until(() => r.out.stats.progress.length > 0, 5_000, "the rounds under way");
    r.out.cancel();
    const [out, incoming] = await results(r);
    expect(out.status).toBe("cancelled");
    expect(out.error).toMatch(/^cancelled during round \d+; the guest goes on at the source$/);
    expect(incoming.status).toBe("failed");
    expect(incoming.error).toMatch(/^the source gave up: cancelled during round \d+$/);
    expect(await finish(r, out)).toEqual(reference(WRITER));
  });

  it("cancel() after post-copy's commit is refused: the guest is the destination's", async () => {
    run = await startRealMigration(WRITER, 20_000, { strategy: "post-copy", bandwidth: 2_000_000 });
    const r = run;
    await until(() => r.out.stats.runsOn === "destination", 5_000, "the commit");
    expect(() => r.out.cancel()).toThrow(/the destination already holds the guest/);
    const [out] = await results(r);
    expect(out.status).toBe("completed");
    expect(await finish(r, out)).toEqual(reference(WRITER));
  });
});
