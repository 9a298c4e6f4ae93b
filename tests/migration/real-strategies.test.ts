/**
 * The real driver, undisturbed: each strategy over loopback TCP, guests running on the wall
 * clock on both sides, ends with the console output, final memory and tick count of an
 * unmigrated run (guest time is retired instructions, however fast either host runs), the
 * source's copy released, and the destination's the only one left.
 */
import { afterEach, describe, expect, it } from "vitest";
import { STRATEGIES } from "../../vmm/migration/stream/frames.js";
import { reference } from "./helpers.js";
import { closeRun, finish, type RealRun, results, startRealMigration, WRITER } from "./real-helpers.js";

let run: RealRun | null = null;
afterEach(async () => {
  await closeRun(run);
  run = null;
});

describe.each(STRATEGIES)("%s over TCP", (strategy) => {
  it("completes, and the guest ends as an unmigrated run", async () => {
    run = await startRealMigration(WRITER, 20_000, { strategy });
    const [out, incoming] = await results(run);
    expect(out.status, String(out.error)).toBe("completed");
    expect(incoming.status, String(incoming.error)).toBe("completed");
    expect(out.migrated).toBe(true);
    expect(run.source.vm.destroyed).toBe(true);
    expect(incoming.guest).toBe(run.dest());
    expect(await finish(run, out)).toEqual(reference(WRITER));
    expect(incoming.stats.pagesReceivedMoreThanOnce).toBe(strategy === "post-copy" ? 0 : incoming.stats.pagesReceivedMoreThanOnce);
    expect(out.stats.progress.at(-1)?.completed).toBe(1);
    expect(run.statuses.source.at(-1)).toBe("completed");
  });
});
